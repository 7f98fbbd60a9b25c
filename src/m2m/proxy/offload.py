"""Heavy work on large inputs in a worker process, so the event loop keeps serving everyone else.

A worker thread does not help with work that holds the GIL in one C call: parsing 15 MiB of JSON
(50-60 ms), the JSON inside a token-stream decoder, a scan. During such a call no other request
moves, whichever thread makes it. So bodies over ``[proxy.limits] offload_bytes`` are parsed,
counted, scanned and decoded in a separate process (spawned on first use, one per proxy
process, restarted if it dies); the loop only copies bytes to and from it. Smaller inputs stay
where they are: a process hop costs more than the work. ``offload_bytes = 0`` runs the same
jobs in threads of the proxy's own process instead.

A job is a picklable top-level function and its arguments (``m2m.tunnel.transform.Job``); its
result and any error it raises come back pickled.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from m2m.errors import M2MError
from m2m.tunnel.transform import Job

__all__ = ["Offload", "WorkerFailedError"]

_log = logging.getLogger("m2m.proxy")
T = TypeVar("T")


class WorkerFailedError(M2MError):
    status = 503
    code = "worker_failed"


def _watch_parent(parent: int) -> None:
    """Runs in the worker: it ends when the proxy process does, however that ended (a SIGKILL
    leaves no one to tell it)."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="m2m-parent-watch", daemon=True).start()


def _warm() -> int:
    """Loads what the jobs need (codecs, tokenizer vocabularies), so the first job does not."""
    import os

    from m2m import tokenizer

    tokenizer.count_tokens("warm")
    return os.getpid()


class Offload:
    """Runs jobs on inputs over ``threshold`` bytes in a worker process (``threshold`` 0: in a
    thread)."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.jobs = 0  # jobs run in the worker process so far
        self._pool: ProcessPoolExecutor | None = None

    def wanted(self, size: int) -> bool:
        """Whether an input of ``size`` bytes is worth a trip elsewhere (else: do it here)."""
        return size > self.threshold if self.threshold > 0 else False

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.threshold <= 0:
            return await asyncio.to_thread(fn, *args, **kwargs)
        pool = self._start()
        loop = asyncio.get_running_loop()
        self.jobs += 1
        try:
            return await loop.run_in_executor(pool, functools.partial(fn, *args, **kwargs))
        except BrokenProcessPool:
            # The worker died (killed, out of memory): the next job gets a new one.
            _log.warning("the offload worker process died; starting a new one")
            self._discard(pool)
            raise WorkerFailedError("the proxy's worker process failed on this request") from None

    async def run_job(self, job: Job) -> Any:
        result = await self.run(job.run, *job.args, **job.kwargs)
        return job.done(result) if job.done is not None else result

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_watch_parent,
                initargs=(os.getpid(),),
            )
            self._pool.submit(_warm)
        return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
        _stop(pool)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            _stop(pool)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stops the pool now: jobs under way are the requests of a proxy that is stopping."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
