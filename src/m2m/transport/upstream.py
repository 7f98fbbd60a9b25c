"""The upstream client a configuration asks for: HTTP/1.1 (:mod:`m2m.transport.h1client`) or
HTTP/3 to another m2m proxy (:mod:`m2m.transport.h3client`). Both implement
:class:`m2m.proxy.upstream.Upstream` and translate their own failures."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from m2m.config import Config
    from m2m.transport.h1client import H1Upstream
    from m2m.transport.h3client import H3Upstream

__all__ = ["make_upstream"]


def make_upstream(config: Config) -> H1Upstream | H3Upstream:
    """The upstream client for ``config`` (call it inside the running loop)."""
    transport = config.proxy.transport
    if transport.upstream_transport == "quic":
        from m2m.transport.h3client import H3Upstream

        return H3Upstream(config)
    from m2m.transport.h1client import H1Upstream

    limits = config.proxy.limits
    return H1Upstream(
        ca_file=transport.upstream_ca,
        insecure=transport.upstream_insecure,
        max_headers=limits.max_upstream_headers,
        max_header_bytes=limits.max_upstream_header_bytes,
    )
