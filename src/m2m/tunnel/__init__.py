"""The m2m tunnel protocol between two m2m peers, sans-IO (no sockets, no clock, no globals).

A *client side* (:class:`TunnelClient`, the proxy next to the app or ``m2m.client``) and a
*server side* (:class:`TunnelServer`, the proxy next to the model) exchange ordinary HTTP requests
and responses whose bodies and heads are encoded; both sides restore the exact standard bytes
before anything reaches an app or an upstream. The adapters (the proxy in both roles, the httpx
transports of ``m2m.client``) move bytes; every decision is made here, once.

Request (client -> server)::

    X-M2M-Protocol: 1                 always; the peer answers every such request with the same field
    X-M2M-Accept: zsse, zstream, ...  response encodings this side reads, best first (q-values allowed);
                                      "bytes" = the byte codec for non-JSON bodies, "head" = compact heads
    X-M2M-Encoding: identity          only when the body is sent as it came (media, client-compressed);
                                      absent: a non-empty body is an m2m wire (JSON formats, a delta, or
                                      the byte codec), detected by prefix or magic
    X-M2M-Delta: 1                    this side keeps bases: the server may keep this request for deltas
    X-M2M-Head: <text>                the request's other fields, compacted (credentials stay real fields,
                                      their place kept by a placeholder)

Response (server -> client)::

    X-M2M-Protocol: 1                 the server is an m2m peer (absent: the client reports a
                                      misconfigured upstream instead of relaying a confused answer)
    X-M2M-Encoding: <format>          the JSON body, the SSE stream ("zsse": binary, one zstd context
                                      per stream; "zstream": each event, text-safe, one context per
                                      stream), or the bytes ("bytes") are encoded; absent: as it came
    X-M2M-Delta: 1                    the server kept the request: later turns may be deltas on it
    X-M2M-Head: <text>                the upstream's response fields, compacted

A delta whose base the server lacks, or that does not rebuild exactly, is refused with 409
``m2m_delta_base_unknown`` (the same answer for both, so a refusal tells nothing about another
tenant's data); the client then sends the same request in full, once (:class:`ClientExchange`).
Bases are scoped per tenant (:func:`tenant_scope`): without a credential there is no scope, so no
delta is kept or accepted.
"""

from __future__ import annotations

from m2m.tunnel.body import Kind, kind_of
from m2m.tunnel.client import ClientExchange, ClientSettings, Outgoing, TunnelClient
from m2m.tunnel.protocol import (
    ACCEPT,
    DELTA,
    ENCODING,
    HEAD,
    IDENTITY,
    PROTOCOL,
    VERSION,
    strip,
    tenant_scope,
)
from m2m.tunnel.server import ServerExchange, ServerSettings, TunnelServer
from m2m.tunnel.transform import OverBudget, Transform

__all__ = [
    "ACCEPT",
    "DELTA",
    "ENCODING",
    "HEAD",
    "IDENTITY",
    "PROTOCOL",
    "VERSION",
    "ClientExchange",
    "ClientSettings",
    "Kind",
    "Outgoing",
    "OverBudget",
    "ServerExchange",
    "ServerSettings",
    "Transform",
    "TunnelClient",
    "TunnelServer",
    "kind_of",
    "strip",
    "tenant_scope",
]
