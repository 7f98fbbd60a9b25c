"""Pick the proxy's HTTP stack by measuring: front server x upstream client, one run, one box.

Runs benchmarks/stack/passthrough.py (a bare ASGI passthrough) under uvicorn (httptools + uvloop),
granian (Rust, ASGI interface, uvloop) and hypercorn (uvloop), each with aiohttp and with
httpx.AsyncClient as the upstream client, plus nginx proxy_pass and direct-to-upstream, against
the same fast fake upstream and the same wrk load. Prints a markdown table.

The servers run from a separate virtualenv (``--python``) so that granian never enters the
project's environment::

    python -m venv /work/venvs/stack
    /work/venvs/stack/bin/pip install granian uvicorn httptools uvloop aiohttp httpx hypercorn
    python benchmarks/stack/run_stack.py --python /work/venvs/stack/bin/python
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import bench_proxy as bp  # noqa: E402


def server_cmd(server: str, python: str, port: int, workers: int) -> list[str]:
    bindir = Path(python).parent
    if server == "uvicorn":
        return [
            python, "-m", "uvicorn", "passthrough:app", "--host", "127.0.0.1", "--port", str(port),
            "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
            "--workers", str(workers), "--lifespan", "off",
        ]  # fmt: skip
    if server == "granian":
        return [
            str(bindir / "granian"), "--interface", "asgi", "--loop", "uvloop", "--http", "1",
            "--no-ws", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--runtime-threads", "1", "--log-level", "warning",
            "passthrough:app",
        ]  # fmt: skip
    if server == "hypercorn":
        return [
            python, "-m", "hypercorn", "--worker-class", "uvloop", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--log-level", "warning", "passthrough:app",
        ]  # fmt: skip
    raise ValueError(server)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bp.add_common_args(ap)
    ap.add_argument("--python", default="/work/venvs/stack/bin/python", help="venv with the servers")
    ap.add_argument("--servers", default="uvicorn,granian,hypercorn")
    ap.add_argument("--clients", default="aiohttp,httpx")
    args = ap.parse_args(argv)
    args.sse_streams = 0  # the passthrough buffers whole bodies; streaming is bench_proxy's job
    args.rss_requests = 0
    bp.resolve_pinning(args)

    workdir = Path(tempfile.mkdtemp(prefix="m2m-stack-"))
    procs = bp.Procs(workdir)
    try:
        up_port = bp.start_upstream(procs, args, python=args.python)
        wrk = bp.Wrk(workdir, bp.wrk_body(args), args.cpus_other)
        systems = [bp.System("direct"), bp.nginx_system(workdir, up_port, args.workers)]
        for server in args.servers.split(","):
            for client in args.clients.split(","):
                port = bp.free_port()
                systems.append(
                    bp.System(
                        f"{server} + {client}",
                        cmd=server_cmd(server, args.python, port, args.workers),
                        env={
                            "STACK_UPSTREAM": f"http://127.0.0.1:{up_port}",
                            "STACK_CLIENT": client,
                            "STACK_POOL": str(max(16, args.concurrency * 2)),
                        },
                        cwd=str(HERE),
                        port=port,
                    )
                )
        load0 = os.getloadavg()
        rows = bp.run_all(systems, procs, wrk, args, up_port)
        load1 = os.getloadavg()
        print(bp.report(rows, args))
        print(f"1-min load average {load0[0]:.2f} at start, {load1[0]:.2f} at end; {os.cpu_count()} CPUs")
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
