"""Config: precedence flags > env > file > defaults, one env scheme, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from m2m.config import DEFAULT_MAX_BODY_BYTES, Config, as_env, load
from m2m.errors import ConfigError

TOML = """
[proxy]
listen = "0.0.0.0:9000"
upstream = "http://file-host:11434/v1"
api_key = "sk-file"
timeout = 12.5
workers = 3
upstream_protocol = "m2m"

[proxy.compression]
requests = false
formats = ["zstd", "t1"]

[proxy.security]
enabled = true
blocking = false
threshold = 0.6

[proxy.transport]
transport = "both"
quic_port = 9443

[proxy.delta]
cache_entries = 10

[tokenizer]
llama3_vocab = "/tmp/llama3.tiktoken"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(TOML)
    return str(path)


def test_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.m2m/config.toml
    config = load(cli={}, env={}, path=None)
    assert config == Config()
    assert config.proxy.port == 8080
    assert config.proxy.max_body_bytes == DEFAULT_MAX_BODY_BYTES == 16 * 1024 * 1024


def test_file_sections(config_file: str) -> None:
    config = load(cli={}, env={}, path=config_file)
    p = config.proxy
    assert (p.host, p.port) == ("0.0.0.0", 9000)
    assert p.upstream == "http://file-host:11434/v1"
    assert p.api_key == "sk-file"
    assert p.timeout == 12.5 and p.workers == 3 and p.upstream_protocol == "m2m"
    assert p.compression.requests is False and p.compression.responses is True
    assert p.compression.formats == ("zstd", "t1")
    assert (p.security.enabled, p.security.blocking, p.security.threshold) == (True, False, 0.6)
    assert (p.transport.transport, p.transport.quic_port) == ("both", 9443)
    assert p.delta.cache_entries == 10
    assert config.tokenizer.llama3_vocab == "/tmp/llama3.tiktoken"


def test_home_file_is_read_by_the_cli_not_by_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from m2m.cli.proxy import config_path

    (tmp_path / ".m2m").mkdir()
    (tmp_path / ".m2m" / "config.toml").write_text("[proxy]\nport = 7001\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load(cli={}, env={}).proxy.port == 8080  # load() without a path reads no file
    assert load(cli={}, env={}, path=config_path(None)).proxy.port == 7001
    assert config_path("other.toml") == "other.toml"
    monkeypatch.setenv("HOME", str(tmp_path / "nowhere"))
    assert config_path(None) is None


def test_precedence_flags_env_file_defaults(config_file: str) -> None:
    env = {"M2M_PROXY_PORT": "9100", "M2M_PROXY_TIMEOUT": "30", "M2M_SECURITY_THRESHOLD": "0.9"}
    config = load(cli={"proxy.port": 9200, "proxy.timeout": None}, env=env, path=config_file)
    assert config.proxy.port == 9200  # flag beats env and file
    assert config.proxy.timeout == 30.0  # env beats file; a None flag is "not given"
    assert config.proxy.security.threshold == 0.9  # env beats file
    assert config.proxy.host == "0.0.0.0"  # file beats default
    assert config.proxy.optimize is False  # default


def test_env_scheme_and_aliases() -> None:
    env = {
        "M2M_PROXY_UPSTREAM": "https://api.openai.com/v1/",
        "M2M_PROXY_HOST": "::1",
        "M2M_API_KEY": "sk-env",
        "M2M_PROXY_WORKERS": "4",
        "M2M_SECURITY_ENABLED": "yes",
        "M2M_PROXY_TRANSPORT": "quic",
        "M2M_TRANSPORT_QUIC_PORT": "4433",
        "M2M_COMPRESSION_RESPONSES": "off",
        "M2M_DELTA_TTL_SECONDS": "5",
        "M2M_LLAMA3_VOCAB": "/v",
    }
    p = load(cli={}, env=env, path=None).proxy
    assert p.upstream == "https://api.openai.com/v1"
    assert p.host == "::1" and p.api_key == "sk-env" and p.workers == 4
    assert p.security.enabled is True and p.transport.transport == "quic" and p.transport.quic_port == 4433
    assert p.compression.responses is False and p.delta.ttl_seconds == 5.0
    # the canonical name wins over its alias
    assert load(env={"M2M_API_KEY": "a", "M2M_PROXY_API_KEY": "b"}).proxy.api_key == "b"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"M2M_PROXY_PORT": "abc"}, "proxy.port: expected an integer 1-65535, got 'abc'"),
        ({"M2M_PROXY_PORT": "70000"}, "proxy.port: expected an integer 1-65535, got '70000'"),
        ({"M2M_PROXY_TIMEOUT": "0"}, "proxy.timeout: expected a number > 0.0"),
        ({"M2M_PROXY_UPSTREAM": "localhost:11434"}, "proxy.upstream: expected an http(s) URL"),
        ({"M2M_PROXY_UPSTREAM_PROTOCOL": "grpc"}, "proxy.upstream_protocol: expected one of openai|m2m"),
        ({"M2M_SECURITY_THRESHOLD": "1.5"}, "proxy.security.threshold: expected a number 0.0-1.0"),
        ({"M2M_SECURITY_ENABLED": "maybe"}, "proxy.security.enabled: expected true or false"),
        ({"M2M_TRANSPORT_TRANSPORT": "udp"}, "proxy.transport.transport: expected one of tcp|quic|both"),
        ({"M2M_PROXY_WORKERS": "0"}, "proxy.workers: expected an integer 1-512"),
    ],
)
def test_bad_values_name_the_key(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(cli={}, env=env, path=None)
    assert str(info.value).startswith(message)


def test_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[proxy]\nport = 'abc'\n")
    with pytest.raises(ConfigError, match=r"proxy\.port: expected an integer 1-65535, got 'abc'"):
        load(path=str(bad))
    bad.write_text("[proxy]\nprot = 1\n")
    with pytest.raises(ConfigError, match=r"proxy\.prot: unknown setting"):
        load(path=str(bad))
    bad.write_text("[proxy\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load(path=str(bad))
    with pytest.raises(ConfigError, match="config file not found"):
        load(path=str(tmp_path / "missing.toml"))


def test_listen_and_explicit_port() -> None:
    p = load(env={"M2M_PROXY_LISTEN": "10.0.0.1:8081"}).proxy
    assert (p.host, p.port) == ("10.0.0.1", 8081)
    p = load(cli={"proxy.port": 9999}, env={"M2M_PROXY_LISTEN": "10.0.0.1:8081"}).proxy
    assert (p.host, p.port) == ("10.0.0.1", 9999)
    with pytest.raises(ConfigError, match=r"proxy\.listen"):
        load(env={"M2M_PROXY_LISTEN": "nohostport"})


def test_api_key_not_in_repr() -> None:
    config = load(cli={"proxy.api_key": "sk-secret-123"})
    assert "sk-secret-123" not in repr(config)
    assert config.proxy.api_key == "sk-secret-123"


def test_cert_and_key_together() -> None:
    with pytest.raises(ConfigError, match="cert and key"):
        load(cli={"proxy.transport.cert": "/c.pem"})


def test_as_env_round_trips(config_file: str) -> None:
    config = load(cli={"proxy.optimize": True}, env={}, path=config_file)
    assert load(cli={}, env=as_env(config), path=None) == config


def test_upstream_host_has_no_credentials() -> None:
    p = load(cli={"proxy.upstream": "https://user:pw@example.com:8443/api/v1"}).proxy
    assert p.upstream_host == "example.com:8443"


def test_cli_flags_map_to_config_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    from m2m.cli import build_parser
    from m2m.cli.proxy import _flags

    args = build_parser().parse_args(
        [
            "proxy", "--host", "0.0.0.0", "--port", "9001", "--upstream", "http://u:1/v1",
            "--api-key", "sk-1", "--timeout", "7", "--workers", "2", "--optimize", "--security",
            "--threshold", "0.5", "--upstream-protocol", "m2m", "--log-level", "debug",
            "--transport", "both", "--quic-port", "9443", "--upstream-transport", "tcp",
            "--upstream-insecure", "--max-body-bytes", "1000",
        ]
    )  # fmt: skip
    p = load(cli=_flags(args), env={"M2M_PROXY_PORT": "1"}, path=None).proxy
    assert (p.host, p.port, p.upstream, p.api_key, p.timeout, p.workers) == (
        "0.0.0.0", 9001, "http://u:1/v1", "sk-1", 7.0, 2
    )  # fmt: skip
    assert p.optimize and p.security.enabled and p.security.threshold == 0.5
    assert (p.upstream_protocol, p.log_level, p.max_body_bytes) == ("m2m", "debug", 1000)
    assert (p.transport.transport, p.transport.quic_port, p.transport.upstream_insecure) == (
        "both",
        9443,
        True,
    )
    # flags not given leave lower layers alone
    args = build_parser().parse_args(["proxy"])
    assert load(cli=_flags(args), env={"M2M_PROXY_PORT": "1234"}, path=None).proxy.port == 1234


def test_models_section_is_accepted_so_one_file_serves_every_command(tmp_path):
    file = tmp_path / "config.toml"
    file.write_text('[models]\nrefresh_url = "http://127.0.0.1:9/models"\n[proxy]\nport = 9001\n')
    config = load(cli={}, env={}, path=str(file))
    assert config.models.refresh_url == "http://127.0.0.1:9/models"
    assert config.proxy.port == 9001
    assert (
        load(cli={}, env={"M2M_MODELS_URL": "http://x/m"}, path=str(file)).models.refresh_url == "http://x/m"
    )
