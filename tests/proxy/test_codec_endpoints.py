"""POST /v1/compress takes the seed's shape (the payload itself) and ours ({"data", "algorithm"});
both answers carry the seed's fields and ours."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from m2m.codec import decompress
from m2m.tokenizer import count_tokens

CHAT = {
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant that answers briefly."},
        {"role": "user", "content": "Name three rivers in Europe and their lengths in kilometres."},
    ],
    "temperature": 0.7,
}
SEED_FIELDS = {"compressed", "original_tokens", "compressed_tokens", "tokens_saved"}
OUR_FIELDS = {"algorithm", "wire", "original_bytes", "wire_bytes", "ratio"}


def _check(answer: dict[str, object], text: str) -> None:
    assert set(answer) >= SEED_FIELDS | OUR_FIELDS
    wire = answer["compressed"]
    assert isinstance(wire, str) and wire == answer["wire"]
    assert decompress(wire) == text
    assert answer["original_tokens"] == int(count_tokens(text))
    assert answer["compressed_tokens"] == int(count_tokens(wire))
    assert answer["tokens_saved"] == int(count_tokens(text)) - int(count_tokens(wire))
    assert answer["original_bytes"] == len(text.encode())


@pytest.mark.parametrize("prefix", ["/v1", "/_m2m"])
async def test_the_seed_shape_is_the_payload_itself(
    asgi: Callable[..., httpx.AsyncClient], prefix: str
) -> None:
    r = await asgi().post(f"{prefix}/compress", json=CHAT)
    assert r.status_code == 200, r.text
    _check(r.json(), json.dumps(CHAT, separators=(",", ":")))
    r = await asgi().post(f"{prefix}/compress?algorithm=t1", json=CHAT)
    assert r.status_code == 200 and r.json()["algorithm"] == "t1"
    assert r.json()["compressed"].startswith("#T1|")


async def test_our_shape_still_works(asgi: Callable[..., httpx.AsyncClient]) -> None:
    client = asgi()
    r = await client.post("/v1/compress", json={"data": CHAT, "algorithm": "brotli"})
    assert r.status_code == 200
    answer = r.json()
    assert answer["algorithm"] == "brotli"
    _check(answer, json.dumps(CHAT, separators=(",", ":")))
    r = await client.post("/v1/compress", json={"data": "plain text to pack", "algorithm": "auto"})
    assert r.status_code == 200
    _check(r.json(), "plain text to pack")
    r = await client.post("/v1/decompress", json={"compressed": answer["compressed"]})
    assert r.status_code == 200 and json.loads(r.json()["data"]) == CHAT
