"""Store URLs: what is read from them, and what is refused (as a ConfigError naming the key)."""

from __future__ import annotations

import pytest

from m2m.errors import ConfigError
from m2m.store.address import StoreAddress, parse_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://localhost", StoreAddress("tcp", "localhost", 6379)),
        ("redis://", StoreAddress("tcp", "localhost", 6379)),
        ("redis://:pw@host:6380/2", StoreAddress("tcp", "host", 6380, db=2, password="pw")),
        ("REDIS://h/3", StoreAddress("tcp", "h", 6379, db=3)),
        ("redis://h?db=5", StoreAddress("tcp", "h", 6379, db=5)),
        ("redis://h/", StoreAddress("tcp", "h", 6379, db=0)),
        (
            "rediss://user:pw@cache.example.com/0",
            StoreAddress("tls", "cache.example.com", 6379, username="user", password="pw"),
        ),
        ("valkey://h:7000/1", StoreAddress("tcp", "h", 7000, db=1)),
        ("valkeys://h", StoreAddress("tls", "h", 6379)),
        ("redis://:p%40ss%3Aw%2Fd@h", StoreAddress("tcp", "h", 6379, password="p@ss:w/d")),
        ("redis://[::1]:6390/4", StoreAddress("tcp", "::1", 6390, db=4)),
        ("unix:///run/valkey.sock?db=2", StoreAddress("unix", path="/run/valkey.sock", db=2)),
        ("unix://:pw@/run/valkey.sock", StoreAddress("unix", path="/run/valkey.sock", password="pw")),
    ],
)
def test_parse(url, expected):
    assert parse_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "memcached://h",
        "http://h:6379",
        "localhost:6379",
        "redis//h",
        "",
        "redis://h:99999",
        "redis://h:0",
        "redis://h:port",
        "redis://h/x",
        "redis://h/1?db=2",
        "redis://h/-1",
        "redis://h?ssl_cert_reqs=none",
        "rediss://h?ssl_check_hostname=false",
        "redis://h#frag",
        "unix://",
    ],
)
def test_refused(url):
    with pytest.raises(ConfigError) as info:
        parse_url(url)
    assert info.value.key == "proxy.delta.store"
    assert "proxy.delta.store" in str(info.value)


def test_the_password_is_never_shown():
    address = parse_url("rediss://admin:s3cr3t-pw@cache:6380/2")
    assert "s3cr3t" not in repr(address)
    assert address.redacted() == "rediss://admin:***@cache:6380/2"
    assert parse_url("redis://h").redacted() == "redis://h:6379/0"
    assert parse_url("unix://:pw@/s.sock").redacted() == "unix://:***@/s.sock?db=0"
    with pytest.raises(ConfigError) as info:
        parse_url("redis://:s3cr3t@h:notaport")
    assert "s3cr3t" not in str(info.value)
