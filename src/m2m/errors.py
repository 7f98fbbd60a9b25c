"""The whole m2m error tree. Every error carries an HTTP status hint.

    M2MError                      500  root of everything m2m raises on purpose
    ├── CodecError                400  a wire string could not be encoded or decoded
    │   ├── UnknownFormatError    400  prefix not recognised / algorithm name unknown
    │   ├── DecodeError           400  corrupt base64, truncated varint, bad UTF-8, bad JSON, ...
    │   └── LimitExceededError    413  decoded size, JSON depth or element count over a limit
    ├── TokenizerError            500  vocabulary missing or unreadable
    ├── ConfigError               500  a bad configuration value; ``key`` names it
    ├── RequestError              400  a client request that is not acceptable (bad JSON, ...)
    │   └── PayloadTooLargeError  413  body over the configured limit
    ├── SecurityBlockedError      400  the scanner blocked a request; ``result`` is the ScanResult
    ├── DeltaBaseUnknownError     409  a conversation delta refers to a base the peer lacks
    ├── ModelRegistryError        502  a model list could not be fetched, read or cached
    └── UpstreamError             502  the upstream could not be used
        ├── UpstreamUnavailableError 502  refused / reset / DNS failure, or an answer over a limit
        ├── UpstreamTimeoutError     504  no answer within the timeout
        └── PeerError                502  the upstream m2m peer is not one, or sent what does not decode

``openai_error_type`` is the ``type`` field used when an error is rendered as OpenAI error JSON.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CodecError",
    "ConfigError",
    "DecodeError",
    "DeltaBaseUnknownError",
    "LimitExceededError",
    "M2MError",
    "ModelRegistryError",
    "PayloadTooLargeError",
    "PeerError",
    "RequestError",
    "SecurityBlockedError",
    "TokenizerError",
    "UnknownFormatError",
    "UpstreamError",
    "UpstreamTimeoutError",
    "UpstreamUnavailableError",
]


class M2MError(Exception):
    status: int = 500
    openai_error_type: str = "server_error"
    code: str | None = None

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def to_openai(self) -> dict[str, Any]:
        """The error as OpenAI's error JSON body."""
        return {
            "error": {
                "message": self.message,
                "type": self.openai_error_type,
                "param": None,
                "code": self.code,
            }
        }


class CodecError(M2MError):
    status = 400
    openai_error_type = "invalid_request_error"
    code = "m2m_codec_error"


class UnknownFormatError(CodecError):
    code = "m2m_unknown_format"


class DecodeError(CodecError):
    code = "m2m_decode_error"


class LimitExceededError(CodecError):
    status = 413
    code = "m2m_limit_exceeded"


class TokenizerError(M2MError):
    code = "m2m_tokenizer_error"


class ConfigError(M2MError):
    code = "m2m_config_error"

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key


class RequestError(M2MError):
    status = 400
    openai_error_type = "invalid_request_error"
    code = "invalid_request"


class PayloadTooLargeError(RequestError):
    status = 413
    code = "payload_too_large"


class SecurityBlockedError(M2MError):
    status = 400
    openai_error_type = "security_error"
    code = "m2m_security_blocked"

    def __init__(self, message: str, *, result: Any = None, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.result = result

    def to_openai(self) -> dict[str, Any]:
        body = super().to_openai()
        if self.result is not None and hasattr(self.result, "to_dict"):
            body["error"]["threats"] = self.result.to_dict().get("threats", [])
        return body


class DeltaBaseUnknownError(M2MError):
    status = 409
    openai_error_type = "invalid_request_error"
    code = "m2m_delta_base_unknown"


class ModelRegistryError(M2MError):
    status = 502
    code = "m2m_model_registry_error"


class UpstreamError(M2MError):
    status = 502
    openai_error_type = "upstream_error"
    code = "upstream_error"


class UpstreamUnavailableError(UpstreamError):
    code = "upstream_unavailable"


class UpstreamTimeoutError(UpstreamError):
    status = 504
    code = "upstream_timeout"


class PeerError(UpstreamError):
    code = "m2m_peer_error"
