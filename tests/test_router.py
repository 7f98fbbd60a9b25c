"""Smart router: Skip / Optimize / Full, wire format choice, and model-aware default removal."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m import models
from m2m.errors import ConfigError
from m2m.router import Decision, RouterConfig, Strategy, choose_algorithm, optimize, route
from m2m.tokenizer import count_tokens

ALGORITHMS = {"none", "t1", "tokennative", "brotli", "zstd"}


@pytest.fixture(autouse=True)
def _isolated_default_registry(tmp_path, monkeypatch):
    monkeypatch.setenv("M2M_CACHE_DIR", str(tmp_path))
    models.set_default_registry(None)
    yield
    models.set_default_registry(None)


def chat(text: str, model: str = "gpt-4o", **params) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": text}], **params}


def tokens_of(request: dict) -> int:
    return int(count_tokens(json.dumps(request, separators=(",", ":"), ensure_ascii=False), model="gpt-4o"))


# -- strategies --------------------------------------------------------------------------------


def test_tiny_request_is_skipped():
    request = chat("Hi")
    decision = route(request)
    assert tokens_of(request) < 25
    assert decision.strategy is Strategy.SKIP and decision.algorithm == "none"
    assert decision.counted and decision.tokens == tokens_of(request)
    assert not decision.optimize


def test_mid_request_is_optimize_only_when_enabled():
    request = chat("Please summarise the following sentence in French for me, thanks.")
    assert 25 <= tokens_of(request) < 50
    off = route(request)
    assert off.strategy is Strategy.SKIP and off.algorithm == "none" and not off.optimize
    on = route(request, RouterConfig(optimize=True))
    assert on.strategy is Strategy.OPTIMIZE and on.algorithm == "none" and on.optimize


def test_large_json_request_gets_the_best_accepted_format():
    request = chat("Explain the history of the Roman empire in detail. " * 20)
    assert tokens_of(request) >= 50
    decision = route(request)
    assert decision.strategy is Strategy.FULL
    assert decision.algorithm == "zstd"
    assert route(request, accept={"brotli", "t1"}).algorithm == "brotli"
    assert route(request, accept={"t1"}).algorithm == "t1"
    assert route(request, accept={"tokennative"}).algorithm == "none"
    assert route(request, accept=()).algorithm == "none"
    assert route(request, RouterConfig(optimize=True)).optimize


def test_long_model_name_goes_full_as_in_the_seed():
    request = chat("Say hello to everyone in the room please, and be nice.", model="meta-llama/llama-3.3-70b")
    assert 25 <= tokens_of(request) < 50
    decision = route(request)
    assert decision.strategy is Strategy.FULL and decision.reason == "long model name"


def test_thresholds_come_from_config_values():
    request = chat("Hello there, how are you?")
    n = tokens_of(request)
    assert route(request, {"min_tokens": n + 1, "full_threshold": n + 5}).strategy is Strategy.SKIP
    assert route(request, {"min_tokens": 1, "full_threshold": n}).strategy is Strategy.FULL
    assert route(request, {"min_tokens": 1, "full_threshold": n + 1, "optimize": True}).strategy is (
        Strategy.OPTIMIZE
    )
    # The seed's field name is understood too; unrelated keys are ignored.
    cfg = RouterConfig.of({"full_compression_threshold": 80, "listen": "x"})
    assert cfg.full_threshold == 80 and cfg.min_tokens == 25


def test_seed_defaults_and_spellings():
    cfg = RouterConfig()
    assert (cfg.min_tokens, cfg.full_threshold, cfg.optimize) == (25, 50, False)
    assert Strategy.Skip is Strategy.SKIP and Strategy.Full is Strategy.FULL
    assert Strategy.Optimize is Strategy.OPTIMIZE


@pytest.mark.parametrize(
    "bad",
    [
        {"min_tokens": -1},
        {"min_tokens": 60, "full_threshold": 50},
        {"full_threshold": "50"},
        {"optimize": "yes"},
        {"min_tokens": True},
    ],
)
def test_bad_router_config_is_a_config_error(bad):
    with pytest.raises(ConfigError, match="router"):
        RouterConfig.of(bad)


def test_huge_request_is_not_tokenized_when_bytes_settle_it():
    request = chat("x" * 200_000)
    decision = route(request)
    assert decision.strategy is Strategy.FULL and not decision.counted
    # A lower bound: every ordinary token is at most 128 bytes.
    assert 50 <= decision.tokens <= tokens_of(request)


def test_caller_may_pass_the_text_it_already_has():
    request = chat("Hi")
    text = json.dumps(request, separators=(",", ":"))
    assert route(request, text=text) == route(request)


def test_model_encoding_is_used_for_counting():
    request = chat("hello " * 30, model="gpt-4")
    decision = route(request)
    text = json.dumps(request, separators=(",", ":"), ensure_ascii=False)
    assert decision.tokens == count_tokens(text, encoding="cl100k_base")


def test_request_without_model():
    decision = route({"messages": [{"role": "user", "content": "hi"}]})
    assert isinstance(decision, Decision) and decision.strategy is Strategy.SKIP


def test_choose_algorithm_by_size_and_kind():
    assert choose_algorithm(10) == "t1"
    assert choose_algorithm(10, accept={"zstd"}) == "none"
    assert choose_algorithm(10, kind="text") == "none"
    assert choose_algorithm(5000) == "zstd"
    assert choose_algorithm(5000, kind="text", accept={"brotli"}) == "brotli"
    assert choose_algorithm(5000, kind="tokens") == "tokennative"
    assert choose_algorithm(5000, kind="unknown-kind") == "zstd"


@given(
    st.text(max_size=400),
    st.sampled_from(["gpt-4o", "gpt-4", "llama3.1:8b", "claude-sonnet-4-5", "unknown"]),
    st.one_of(st.none(), st.sets(st.sampled_from(sorted(ALGORITHMS)))),
)
@settings(max_examples=100, deadline=None)
def test_route_always_names_a_known_algorithm(text, model, accept):
    decision = route(chat(text, model=model), accept=accept)
    assert decision.algorithm in ALGORITHMS
    assert accept is None or decision.algorithm in accept or decision.algorithm == "none"
    if decision.strategy is not Strategy.FULL:
        assert decision.algorithm == "none"


# -- optimize ----------------------------------------------------------------------------------


def test_openai_documented_defaults_are_dropped_and_order_kept():
    request = {
        "model": "gpt-4o",
        "temperature": 1,
        "messages": [{"role": "user", "content": "hi"}],
        "top_p": 1.0,
        "n": 1,
        "stream": False,
        "presence_penalty": 0,
        "frequency_penalty": 0.0,
        "max_tokens": 100,
        "logprobs": False,
        "seed": 7,
    }
    out = optimize(request, models.get("gpt-4o"))
    assert out == {"model": "gpt-4o", "messages": request["messages"], "max_tokens": 100, "seed": 7}
    assert list(out) == ["model", "messages", "max_tokens", "seed"]
    assert request["temperature"] == 1 and len(request) == 11  # the input is untouched


def test_values_other_than_the_default_stay():
    request = chat("hi", temperature=0.7, top_p=0.9, n=2, stream=True, presence_penalty=0.5)
    assert optimize(request, models.get("gpt-4o")) == request


def test_booleans_and_numbers_are_not_confused():
    # JSON true is not 1, and 0 is not false: such values are not the documented defaults.
    request = chat("hi", n=True, stream=0, temperature=True)
    assert optimize(request, models.get("gpt-4o")) == request


def test_ollama_model_keeps_temperature_one():
    # Ollama's /v1 fills an omitted temperature with its own default, not OpenAI's documented one.
    request = chat("hi", model="llama3.1:8b", temperature=1.0, top_p=1, stream=False)
    out = optimize(request, models.get("llama3.1:8b"))
    assert out["temperature"] == 1.0 and out["top_p"] == 1
    assert "stream" not in out


def test_anthropic_drops_temperature_one_only():
    request = chat("hi", model="claude-sonnet-4-5", temperature=1, top_p=1)
    out = optimize(request, models.get("claude-sonnet-4-5"))
    assert "temperature" not in out and out["top_p"] == 1


def test_unknown_model_is_untouched():
    request = chat("hi", model="my-local-model", temperature=1, n=1, stream=False)
    assert models.get("my-local-model") is None
    out = optimize(request, None)
    assert out == request and out is not request


def test_nested_keys_are_never_touched():
    request = chat("hi", temperature=1)
    request["metadata"] = {"temperature": 1, "n": 1}
    out = optimize(request, models.get("gpt-4o"))
    assert out["metadata"] == {"temperature": 1, "n": 1}


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=4,
)
_keys = st.sampled_from(["model", "messages", "temperature", "top_p", "n", "stream", "seed", "x"]) | st.text(
    max_size=6
)


@given(
    st.dictionaries(_keys, _json, max_size=10),
    st.sampled_from(["gpt-4o", "llama3.1:8b", "claude-3-5-sonnet", "gemini-2.5-pro", None]),
)
@settings(max_examples=150, deadline=None)
def test_optimize_only_removes_documented_defaults(request, model):
    card = models.get(model) if model else None
    out = optimize(request, card)
    assert list(out) == [k for k in request if k in out]
    assert all(out[k] is request[k] for k in out)
    for key in request.keys() - out.keys():
        assert card is not None and key in card.defaults and request[key] == card.defaults[key]
