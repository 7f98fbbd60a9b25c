"""Listeners and upstream clients beyond plain HTTP/1.1: HTTP/3 over QUIC, with TLS material.

    quic       serve(app_or_factory, config): HTTP/3 only, or HTTP/1.1 + HTTP/3 with Alt-Svc
    h3server   the HTTP/3 listener that runs an ASGI app (0-RTT policy, session tickets)
    h3client   H3Upstream: the proxy's HTTP/3 upstream client (one connection, many streams)
    tls        certificate checks and the cached self-signed development certificate

Nothing here is imported by ``import m2m``; aioquic loads only when a QUIC transport is asked for.
"""
