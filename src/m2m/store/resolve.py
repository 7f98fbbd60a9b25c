"""``resolve_delta``: a delta request rebuilt from the bases a store holds, as
:meth:`m2m.codec.delta.DeltaCache.decode` does from the in-process cache."""

from __future__ import annotations

from m2m.codec.delta import MAX_TARGET_BYTES, apply_delta, parse_delta
from m2m.errors import DeltaBaseUnknownError
from m2m.store.base import DeltaStore

__all__ = ["resolve_delta"]


async def resolve_delta(
    store: DeltaStore,
    wire: str | bytes,
    *,
    scope: str,
    max_output: int = MAX_TARGET_BYTES,
    keep: bool = True,
) -> bytes:
    """The request ``wire`` stands for, built on the base (and reply) ``store`` holds for
    ``scope``: one lookup for both. Raises :class:`~m2m.errors.DeltaBaseUnknownError` (409, the
    sender resends in full) when the store cannot give them now, whatever the reason, and the
    codec errors of :func:`~m2m.codec.delta.apply_delta`. With ``keep`` the result is stored as
    the next turn's base before returning."""
    delta = parse_delta(wire)
    keys = [delta.base_hash] if delta.reply_hash is None else [delta.base_hash, delta.reply_hash]
    found = await store.get_many(scope, keys)
    base = found[0]
    reply = found[1] if delta.reply_hash is not None else None
    if base is None or (delta.reply_hash is not None and reply is None):
        missing = delta.base_hash if base is None else delta.reply_hash
        raise DeltaBaseUnknownError(
            f"delta base {missing} is not available here (evicted, expired or the store is down); "
            "resend the request in full"
        )
    target = apply_delta(delta, base, reply=reply, max_output=max_output)
    if keep:
        await store.put(scope, delta.target_hash, target)
    return target
