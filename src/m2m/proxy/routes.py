"""Which route a request is, and the one normalised path both the proxy and the upstream act on.

The path the proxy scans and reasons about must be the path the upstream serves, or a request
could be read as one route and served as another. So the raw path is normalised once (RFC 3986
section 6.2.2: empty and ``.`` segments dropped, a trailing slash dropped) and that normalised
path is what is forwarded; what cannot be normalised safely (``..``, encoded slashes or dots,
backslashes, control characters, a path not starting with ``/``) is refused with 400. Only
``/v1/...`` and configured prefixes reach the upstream, always on the configured upstream's
authority.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from m2m.errors import M2MError, RequestError

__all__ = ["Kind", "Route", "classify", "normalise"]


class Kind(enum.Enum):
    """Routes the proxy understands; everything else forwarded is ``OTHER``."""

    CHAT = "chat"  # POST /v1/chat/completions
    RESPONSES = "responses"  # POST /v1/responses
    COMPLETIONS = "completions"  # POST /v1/completions
    MESSAGES = "messages"  # POST /v1/messages (Anthropic)
    EMBEDDINGS = "embeddings"  # POST /v1/embeddings
    OTHER = "other"

    @property
    def generative(self) -> bool:
        """A route whose request text a model reads (scanned when the screen is on)."""
        return self in _GENERATIVE


_GENERATIVE = frozenset({Kind.CHAT, Kind.RESPONSES, Kind.COMPLETIONS, Kind.MESSAGES})
_POST_ROUTES = {
    "v1/chat/completions": Kind.CHAT,
    "v1/responses": Kind.RESPONSES,
    "v1/completions": Kind.COMPLETIONS,
    "v1/messages": Kind.MESSAGES,
    "v1/embeddings": Kind.EMBEDDINGS,
}
# Control characters, backslash and the characters a path must carry encoded.
_FORBIDDEN = re.compile(rb"[\x00-\x20\x7f\\#]")
# Encoded "/", "\" or "." would be decoded by some servers into segments this proxy did not see.
_ENCODED = re.compile(rb"%(2[eEfF]|5[cC]|00)")
# Longest path accepted; real API paths are under 200 bytes.
MAX_PATH_BYTES = 8 * 1024


class NotFoundError(M2MError):
    status = 404
    openai_error_type = "invalid_request_error"
    code = "unknown_url"


class MethodNotAllowedError(M2MError):
    status = 405
    openai_error_type = "invalid_request_error"
    code = "method_not_allowed"


@dataclass(frozen=True, slots=True)
class Route:
    kind: Kind
    path: str  # normalised, still percent-encoded as received ("/v1/files/file-1")
    key: str  # lower case, without the leading "/" ("v1/files/file-1"): what routing compares


def normalise(raw_path: bytes) -> str:
    """The normalised path of a request target's path (percent-encoding kept)."""
    if not raw_path.startswith(b"/"):
        raise RequestError("the request target must be a path starting with /")
    if len(raw_path) > MAX_PATH_BYTES:
        raise RequestError(f"the request path is over {MAX_PATH_BYTES} bytes")
    if _FORBIDDEN.search(raw_path) or _ENCODED.search(raw_path):
        raise RequestError("the request path holds characters or encodings a proxy cannot forward safely")
    segments = []
    for segment in raw_path.split(b"/"):
        if segment in (b"", b"."):
            continue
        if segment == b"..":
            raise RequestError("the request path may not contain '..' segments")
        segments.append(segment)
    try:
        return "/" + b"/".join(segments).decode("ascii")
    except UnicodeDecodeError:
        raise RequestError("the request path must be ASCII (percent-encode other bytes)") from None


def classify(method: str, path: str, *, prefixes: tuple[str, ...] = ()) -> Route:
    """The route of ``method path`` (``path`` normalised); 404 for paths not forwarded."""
    key = path[1:].lower()
    if key == "v1" or key.startswith("v1/"):
        kind = _POST_ROUTES.get(key, Kind.OTHER) if method == "POST" else Kind.OTHER
        return Route(kind, path, key)
    lowered = path.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix.lower().rstrip("/") + "/") or lowered == prefix.lower().rstrip("/"):
            return Route(Kind.OTHER, path, key)
    raise NotFoundError(f"no route for {path}: the proxy forwards /v1/... only")
