"""TLS material for the QUIC listener: certificate files, or a cached self-signed one for development.

QUIC always runs TLS 1.3 (RFC 9001), so an HTTP/3 listener cannot start without a certificate. When
the user gives none, a certificate for ``localhost``, ``127.0.0.1`` and ``::1`` is generated once
and cached, so that clients pinning it (``--upstream-ca``) keep working across restarts.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from m2m.errors import ConfigError

__all__ = [
    "DEV_CERT_NAMES",
    "ServerCredentials",
    "cache_dir",
    "dev_certificate",
    "load_server_credentials",
]

log = logging.getLogger("m2m.transport")

DEV_CERT_NAMES = ("localhost", "127.0.0.1", "::1")
# A dev certificate is replaced this long before it expires, so a running proxy never serves an
# expired one across a long weekend.
_RENEW_BEFORE = datetime.timedelta(days=7)
_VALIDITY = datetime.timedelta(days=365)
_DEV_CERT = "dev-localhost.crt"
_DEV_KEY = "dev-localhost.key"


@dataclass(frozen=True, slots=True)
class ServerCredentials:
    certfile: Path
    keyfile: Path
    generated: bool


def cache_dir(env: Mapping[str, str], home: Path) -> Path:
    """Where generated certificates live: ``$M2M_CACHE_DIR/certs`` or ``<home>/.m2m/certs`` (the
    CLI passes its environment and home; nothing here reads them itself)."""
    base = env.get("M2M_CACHE_DIR")
    root = Path(base).expanduser() if base else home / ".m2m"
    return root / "certs"


def _dev_cert_valid(cert_path: Path, key_path: Path) -> bool:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key_path.stat()
    except (OSError, ValueError):
        return False
    now = datetime.datetime.now(datetime.UTC)
    return cert.not_valid_before_utc <= now and cert.not_valid_after_utc - _RENEW_BEFORE > now


def dev_certificate(directory: Path) -> tuple[Path, Path]:
    """Return ``(cert, key)`` paths of a self-signed certificate for localhost, creating it if needed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    cert_path, key_path = directory / _DEV_CERT, directory / _DEV_KEY
    if _dev_cert_valid(cert_path, key_path):
        return cert_path, key_path

    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "m2m development certificate")])
    now = datetime.datetime.now(datetime.UTC)
    alt_names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in DEV_CERT_NAMES[1:]]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        # CA=true lets a client trust this very certificate as its own anchor (--upstream-ca).
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Write under temporary names and rename, so two processes starting at once never read half a file.
    tmp_key = key_path.with_name(f"{key_path.name}.{os.getpid()}.tmp")
    tmp_cert = cert_path.with_name(f"{cert_path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_pem)
    tmp_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp_key, key_path)
    os.replace(tmp_cert, cert_path)
    return cert_path, key_path


def load_server_credentials(
    cert: str | os.PathLike[str] | None,
    key: str | os.PathLike[str] | None,
    *,
    directory: Path | None = None,
) -> ServerCredentials:
    """Check the configured certificate and key (or make a dev pair) and return their paths.

    Raises ``ConfigError`` naming the key when a file is missing, unreadable or not PEM, or when the
    key does not belong to the certificate, so a bad path stops the proxy at startup, not at the
    first handshake.
    """
    if cert is None and key is None:
        if directory is None:
            raise ConfigError(
                "QUIC needs a certificate: give --cert and --key (the CLI otherwise makes a "
                "development one in ~/.m2m/certs)",
                key="proxy.transport.cert",
            )
        try:
            cert_path, key_path = dev_certificate(directory)
        except OSError as exc:
            raise ConfigError(
                f"cannot create a development certificate in {exc.filename or directory}: {exc.strerror}",
                key="proxy.transport.cert",
            ) from exc
        log.warning(
            "no --cert/--key given: serving QUIC with a self-signed development certificate %s "
            "(clients must use --upstream-insecure or trust this file)",
            cert_path,
        )
        return ServerCredentials(cert_path, key_path, generated=True)
    if cert is None or key is None:
        missing = "proxy.transport.cert" if cert is None else "proxy.transport.key"
        raise ConfigError("--cert and --key must be given together", key=missing)
    cert_path, key_path = Path(cert).expanduser(), Path(key).expanduser()
    _check_pair(cert_path, key_path)
    return ServerCredentials(cert_path, key_path, generated=False)


def _check_pair(cert_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert_pem = cert_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {cert_path}: {exc.strerror}", key="proxy.transport.cert") from exc
    try:
        certs = x509.load_pem_x509_certificates(cert_pem)
    except ValueError as exc:
        raise ConfigError(f"{cert_path} is not a PEM certificate", key="proxy.transport.cert") from exc
    try:
        key_pem = key_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {key_path}: {exc.strerror}", key="proxy.transport.key") from exc
    try:
        private_key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        # TypeError: an encrypted key; the proxy has no way to ask for its password.
        raise ConfigError(
            f"{key_path} is not an unencrypted PEM private key", key="proxy.transport.key"
        ) from exc
    if certs[0].public_key() != private_key.public_key():
        raise ConfigError(f"{key_path} does not match the certificate {cert_path}", key="proxy.transport.key")
