"""make_store: which store a setting gives, the errors for bad ones, TLS options, and that the
package stays free of network modules until a shared store is made."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys

import pytest
from valkey.asyncio.connection import Connection, SSLConnection, UnixDomainSocketConnection

from m2m.errors import ConfigError
from m2m.store import MemoryStore, RedisStore, make_store


def test_memory():
    store = make_store("memory", ttl_seconds=5, max_entries=3, max_bytes=100)
    assert isinstance(store, MemoryStore)
    assert (store.cache.ttl_seconds, store.cache.max_entries, store.cache.max_bytes) == (5, 3, 100)
    assert isinstance(make_store(" Memory "), MemoryStore)


@pytest.mark.parametrize("url", ["redis://h:1/2", "rediss://h", "valkey://h", "valkeys://h", "unix:///tmp/s"])
def test_urls_give_a_redis_store(url):
    store = make_store(url, ttl_seconds=7, timeout=0.2, max_value_bytes=1000)
    assert isinstance(store, RedisStore)
    assert (store.ttl_seconds, store.timeout, store.max_value_bytes) == (7, 0.2, 1000)


@pytest.mark.parametrize("value", ["", "mem", "http://h", "redis:/h", "sqlite:///x.db"])
def test_anything_else_is_a_config_error(value):
    with pytest.raises(ConfigError) as info:
        make_store(value)
    assert info.value.key == "proxy.delta.store"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"ttl_seconds": 0}, "proxy.delta.ttl_seconds"),
        ({"timeout": -1}, "proxy.delta.store_timeout"),
        ({"max_value_bytes": 0}, "proxy.delta.max_value_bytes"),
        ({"ca_file": "/etc/ca.pem"}, "proxy.delta.store_ca_file"),
    ],
)
def test_bad_numbers_are_config_errors(kwargs, key):
    with pytest.raises(ConfigError) as info:
        make_store("redis://h", **kwargs)
    assert info.value.key == key


def test_bad_memory_bounds_are_config_errors():
    with pytest.raises(ConfigError):
        make_store("memory", max_entries=0)


def test_tls_uses_the_system_cas_and_checks_the_host():
    store = make_store("rediss://user:pw@cache.example.com:6380/3", timeout=0.1)
    assert isinstance(store, RedisStore)
    kwargs = store.connection_kwargs()
    assert kwargs["connection_class"] is SSLConnection
    assert kwargs["ssl_cert_reqs"] == "required" and kwargs["ssl_check_hostname"] is True
    assert kwargs["ssl_ca_certs"] is None
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("cache.example.com", 6380, 3)
    assert (kwargs["username"], kwargs["password"]) == ("user", "pw")
    assert kwargs["socket_connect_timeout"] == 0.1
    # What the connection would build: verification on, the host checked.
    context = SSLConnection(**{k: v for k, v in kwargs.items() if k != "connection_class"}).ssl_context.get()

    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert "pw" not in repr(store)


def test_tls_with_a_ca_file(tmp_path):
    store = make_store("valkeys://cache", ca_file=str(tmp_path / "ca.pem"))
    assert isinstance(store, RedisStore)
    assert store.connection_kwargs()["ssl_ca_certs"] == str(tmp_path / "ca.pem")


def test_plain_and_unix_connections():
    tcp = make_store("redis://h")
    assert isinstance(tcp, RedisStore)
    assert tcp.connection_kwargs()["connection_class"] is Connection
    assert "ssl_cert_reqs" not in tcp.connection_kwargs()
    unix = make_store("unix:///run/v.sock?db=1")
    assert isinstance(unix, RedisStore)
    kwargs = unix.connection_kwargs()
    assert kwargs["connection_class"] is UnixDomainSocketConnection
    assert (kwargs["path"], kwargs["db"]) == ("/run/v.sock", 1)


_PROBE = r"""
import json, sys
import m2m.store
from m2m.store import make_store
make_store("memory")
try:
    make_store("nope://x")
except Exception:
    pass
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"valkey", "redis", "asyncio"})
print(json.dumps(loaded))
"""


def test_the_package_loads_no_network_client_until_a_shared_store_is_made():
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []
