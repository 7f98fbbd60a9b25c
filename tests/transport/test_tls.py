"""Certificate loading and the cached development certificate."""

from __future__ import annotations

import ipaddress
import logging
import stat
from pathlib import Path

import pytest
from cryptography import x509

from m2m.errors import ConfigError
from m2m.transport.tls import cache_dir, dev_certificate, load_server_credentials


def test_dev_certificate_names_and_cache(tmp_path: Path) -> None:
    cert_path, key_path = dev_certificate(tmp_path)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    # Cached: the second call returns the same certificate, not a new one.
    before = cert_path.read_bytes()
    assert dev_certificate(tmp_path) == (cert_path, key_path)
    assert cert_path.read_bytes() == before
    assert not list(tmp_path.glob("*.tmp"))


def test_corrupt_cached_certificate_is_replaced(tmp_path: Path) -> None:
    cert_path, _ = dev_certificate(tmp_path)
    cert_path.write_text("not a certificate")
    cert_path, _ = dev_certificate(tmp_path)
    x509.load_pem_x509_certificate(cert_path.read_bytes())


def test_cache_dir_follows_m2m_cache_dir(tmp_path: Path) -> None:
    assert cache_dir({"M2M_CACHE_DIR": str(tmp_path)}, Path("/home/x")) == tmp_path / "certs"
    assert cache_dir({}, Path("/home/x")) == Path("/home/x/.m2m/certs")


def test_no_certificate_and_no_folder_is_a_clear_config_error() -> None:
    with pytest.raises(ConfigError, match="needs a certificate"):
        load_server_credentials(None, None)


def test_no_cert_given_generates_one_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="m2m.transport"):
        creds = load_server_credentials(None, None, directory=tmp_path)
    assert creds.generated and creds.certfile.parent == tmp_path
    assert "self-signed development certificate" in caplog.text


def test_given_pair_is_checked_and_used(tmp_path: Path) -> None:
    cert, key = dev_certificate(tmp_path)
    creds = load_server_credentials(str(cert), str(key))
    assert (creds.certfile, creds.keyfile, creds.generated) == (cert, key, False)


def test_missing_cert_file(tmp_path: Path) -> None:
    _, key = dev_certificate(tmp_path)
    with pytest.raises(ConfigError, match=r"^proxy\.transport\.cert: cannot read .*nope\.pem") as info:
        load_server_credentials(tmp_path / "nope.pem", key)
    assert info.value.key == "proxy.transport.cert"
    assert "\n" not in str(info.value)


def test_garbage_cert_and_key(tmp_path: Path) -> None:
    cert, key = dev_certificate(tmp_path)
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"\x00garbage")
    with pytest.raises(ConfigError, match="not a PEM certificate"):
        load_server_credentials(junk, key)
    with pytest.raises(ConfigError, match="not an unencrypted PEM private key") as info:
        load_server_credentials(cert, junk)
    assert info.value.key == "proxy.transport.key"


def test_key_of_another_certificate_is_refused(tmp_path: Path) -> None:
    cert, _ = dev_certificate(tmp_path / "a")
    _, other_key = dev_certificate(tmp_path / "b")
    with pytest.raises(ConfigError, match="does not match the certificate"):
        load_server_credentials(cert, other_key)


def test_cert_without_key(tmp_path: Path) -> None:
    cert, _ = dev_certificate(tmp_path)
    with pytest.raises(ConfigError, match="together"):
        load_server_credentials(cert, None)
