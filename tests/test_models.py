"""Model registry: lookups in every common spelling, encodings, abbreviations, dynamic cards."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m import models
from m2m.models import ESCAPE, ModelCard, Provider, Registry
from m2m.models.names import family_encoding, lookup_keys
from m2m.models.registry import card_from_openrouter, embedded_cards


@pytest.fixture(autouse=True)
def _isolated_default_registry(tmp_path, monkeypatch):
    # The default registry would load ~/.m2m/cache; tests see only the embedded cards.
    monkeypatch.setenv("M2M_CACHE_DIR", str(tmp_path))
    models.set_default_registry(None)
    yield
    models.set_default_registry(None)


CARDS = embedded_cards()
REG = Registry()


# -- content -----------------------------------------------------------------------------------

SEED_IDS = [
    "openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4-turbo", "openai/gpt-4", "openai/gpt-3.5-turbo",
    "openai/o1", "openai/o1-mini", "openai/o3", "openai/o3-mini",
    "anthropic/claude-3.5-sonnet", "anthropic/claude-3.5-haiku", "anthropic/claude-3-opus",
    "anthropic/claude-3-sonnet", "anthropic/claude-3-haiku",
    "google/gemini-2.0-flash", "google/gemini-2.0-pro", "google/gemini-1.5-pro", "google/gemini-1.5-flash",
    "meta-llama/llama-3.1-405b", "meta-llama/llama-3.1-70b", "meta-llama/llama-3.1-8b",
    "meta-llama/llama-3.3-70b",
    "mistralai/mistral-large", "mistralai/mistral-small", "mistralai/mixtral-8x7b", "mistralai/mixtral-8x22b",
    "deepseek/deepseek-v3", "deepseek/deepseek-r1", "deepseek/deepseek-coder",
    "qwen/qwen-2.5-72b", "qwen/qwen-2.5-32b", "qwen/qwen-2.5-coder-32b",
    "x-ai/grok-2", "x-ai/grok-beta",
]  # fmt: skip

CURRENT_IDS = [
    "openai/gpt-4.1", "openai/gpt-4.1-mini", "openai/gpt-4.1-nano", "openai/gpt-5", "openai/gpt-5-mini",
    "openai/gpt-5-nano", "openai/o4-mini", "openai/gpt-oss-120b", "openai/gpt-oss-20b",
    "anthropic/claude-3.7-sonnet", "anthropic/claude-sonnet-4", "anthropic/claude-opus-4",
    "anthropic/claude-opus-4.1", "anthropic/claude-sonnet-4.5", "anthropic/claude-haiku-4.5",
    "google/gemini-2.5-pro", "google/gemini-2.5-flash", "meta-llama/llama-3.2-3b",
    "meta-llama/llama-4-scout", "meta-llama/llama-4-maverick", "qwen/qwen3-235b-a22b", "qwen/qwen-2.5-7b",
    "mistralai/mistral-nemo", "mistralai/codestral", "x-ai/grok-4",
]  # fmt: skip


def test_registry_holds_the_seed_list_with_its_abbreviations_and_current_models():
    ids = {card.id for card in CARDS}
    assert set(SEED_IDS) <= ids
    assert set(CURRENT_IDS) <= ids
    # The seed's abbreviations are kept as published.
    assert REG.get("openai/gpt-4o").abbrev == "og4o"
    assert REG.get("mistralai/mistral-large").abbrev == "mim-l"
    assert REG.get("qwen/qwen-2.5-coder-32b").abbrev == "qqc32"


def test_every_card_is_complete_and_unique():
    assert len({c.id for c in CARDS}) == len(CARDS)
    assert len({c.abbrev for c in CARDS}) == len(CARDS)
    for card in CARDS:
        assert card.encoding in (None, "cl100k_base", "o200k_base", "llama3"), card.id
        assert card.context_length and card.context_length >= 4096, card.id
        assert card.provider is Provider.from_model_id(card.id), card.id
        assert card.abbrev and card.abbrev.startswith(card.provider.prefix), card.id
        assert "n" in card.defaults and card.defaults["stream"] is False, card.id


def test_every_id_and_alias_has_its_own_lookup_key():
    # Two cards under one key would make one of them unreachable by its own name.
    owner: dict[str, str] = {}
    for card in CARDS:
        for name in (card.id, *card.aliases):
            key = lookup_keys(name)[0]
            assert owner.setdefault(key, card.id) == card.id, (name, owner[key])
            assert REG.get(name) is card


@pytest.mark.parametrize(
    ("model_id", "encoding"),
    [
        ("openai/gpt-4o", "o200k_base"),
        ("openai/gpt-4.1-nano", "o200k_base"),
        ("openai/gpt-5", "o200k_base"),
        ("openai/o3", "o200k_base"),
        ("openai/gpt-oss-120b", "o200k_base"),
        ("openai/gpt-4", "cl100k_base"),
        ("openai/gpt-3.5-turbo", "cl100k_base"),
        ("meta-llama/llama-3.3-70b", "llama3"),
        ("meta-llama/llama-3.2-1b", "llama3"),
        ("meta-llama/llama-4-scout", None),
        ("anthropic/claude-sonnet-4.5", None),
        ("google/gemini-2.5-pro", None),
        ("qwen/qwen3-32b", None),
        ("deepseek/deepseek-r1", None),
        ("mistralai/mistral-large", None),
    ],
)
def test_encoding_per_family(model_id, encoding):
    assert REG.get(model_id).encoding == encoding


def test_embedded_encodings_agree_with_the_family_rules():
    # The rules that name tokenizers of unlisted ids must not contradict the curated table.
    for card in CARDS:
        guess = family_encoding(card.id)
        if guess is not None or card.encoding in ("cl100k_base", "o200k_base"):
            assert guess == card.encoding, card.id


def test_context_lengths():
    assert REG.get("gpt-4").context_length == 8192
    assert REG.get("gpt-4.1").context_length == 1047576
    assert REG.get("gemini-1.5-pro").context_length == 2097152
    assert REG.get("claude-opus-4-1-20250805").context_length == 200000


# -- spellings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "card_id", "encoding"),
    [
        ("gpt-4o", "openai/gpt-4o", "o200k_base"),
        ("GPT-4o", "openai/gpt-4o", "o200k_base"),
        ("openai/gpt-4o", "openai/gpt-4o", "o200k_base"),
        ("gpt-4o-2024-08-06", "openai/gpt-4o", "o200k_base"),
        ("chatgpt-4o-latest", "openai/gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini", "o200k_base"),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "openai/gpt-4o-mini", "o200k_base"),
        ("gpt-4-0613", "openai/gpt-4", "cl100k_base"),
        ("gpt-35-turbo", "openai/gpt-3.5-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "openai/gpt-3.5-turbo", "cl100k_base"),
        ("o4-mini-2025-04-16", "openai/o4-mini", "o200k_base"),
        ("gpt-oss:20b", "openai/gpt-oss-20b", "o200k_base"),
        ("openai.gpt-oss-20b-1:0", "openai/gpt-oss-20b", "o200k_base"),
        ("llama3.2", "meta-llama/llama-3.2-3b", "llama3"),
        ("llama3.1:8b", "meta-llama/llama-3.1-8b", "llama3"),
        ("llama3.1:70b", "meta-llama/llama-3.1-70b", "llama3"),
        ("llama3.3:70b-instruct-q4_K_M", "meta-llama/llama-3.3-70b", "llama3"),
        ("llama3:latest", "meta-llama/llama-3-8b", "llama3"),
        ("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/llama-3.1-8b", "llama3"),
        ("meta-llama/Meta-Llama-3-70B-Instruct", "meta-llama/llama-3-70b", "llama3"),
        ("meta.llama3-1-8b-instruct-v1:0", "meta-llama/llama-3.1-8b", "llama3"),
        ("llama4:maverick", "meta-llama/llama-4-maverick", None),
        ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "meta-llama/llama-4-scout", None),
        ("claude-3-5-sonnet-20241022", "anthropic/claude-3.5-sonnet", None),
        ("claude-3-7-sonnet-latest", "anthropic/claude-3.7-sonnet", None),
        ("claude-sonnet-4-5", "anthropic/claude-sonnet-4.5", None),
        ("claude-3-5-sonnet@20240620", "anthropic/claude-3.5-sonnet", None),
        ("us.anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic/claude-3.5-sonnet", None),
        ("anthropic/claude-3.7-sonnet:thinking", "anthropic/claude-3.7-sonnet", None),
        ("models/gemini-1.5-pro-002", "google/gemini-1.5-pro", None),
        ("gemini-2.5-flash-preview-05-20", "google/gemini-2.5-flash", None),
        ("google/gemini-2.0-flash-exp:free", "google/gemini-2.0-flash", None),
        ("qwen2.5:7b", "qwen/qwen-2.5-7b", None),
        ("Qwen/Qwen2.5-72B-Instruct", "qwen/qwen-2.5-72b", None),
        ("qwen3:235b", "qwen/qwen3-235b-a22b", None),
        ("mistral-large-latest", "mistralai/mistral-large", None),
        ("mistral-large-2411", "mistralai/mistral-large", None),
        ("mistral:latest", "mistralai/mistral-7b", None),
        ("deepseek-chat", "deepseek/deepseek-v3", None),
        ("deepseek-ai/DeepSeek-R1", "deepseek/deepseek-r1", None),
        ("nvidia/Llama-3.1-Nemotron-70B-Instruct-HF", "nvidia/llama-3.1-nemotron-70b", "llama3"),
        ("og4o", "openai/gpt-4o", "o200k_base"),
        ("g4o", "openai/gpt-4o", "o200k_base"),
        ("ml318", "meta-llama/llama-3.1-8b", "llama3"),
    ],
)
def test_lookup_in_common_spellings(spelling, card_id, encoding):
    card = models.get(spelling)
    assert card is not None and card.id == card_id
    assert models.encoding_for(spelling) == encoding


@pytest.mark.parametrize(
    ("spelling", "encoding"),
    [
        ("gpt-5.6-sol", "o200k_base"),  # a newer snapshot: the family decides
        ("gpt-4o-realtime-preview-2024-12-17", "o200k_base"),
        ("o1-2024-12-17", "o200k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("llama-3.2-90b-text-preview", "llama3"),
        ("claude-sonnet-4-6", None),
        ("zai/GLM-5.2", None),
        ("my-own-model", None),
        ("llama-30b", None),  # Llama 1, not Llama 3
        ("codellama:7b", None),
        ("", None),
    ],
)
def test_encoding_of_unlisted_ids_by_family(spelling, encoding):
    assert models.encoding_for(spelling) == encoding


def test_unknown_and_odd_input():
    assert models.get("definitely-not-a-model") is None
    assert models.get("") is None
    assert models.get(None) is None  # type: ignore[arg-type]
    assert models.encoding_for(42) is None  # type: ignore[arg-type]


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_lookup_never_raises(text):
    card = REG.get(text)
    assert card is None or isinstance(card, ModelCard)
    assert REG.encoding_for(text) in (None, "cl100k_base", "o200k_base", "llama3")
    assert all(isinstance(k, str) and k for k in lookup_keys(text))


# -- abbreviations -----------------------------------------------------------------------------

ALL_NAMES = sorted(
    {c.id for c in CARDS}
    | set(REG.abbreviations())
    | set(REG.abbreviations().values())
    | {ESCAPE + a for a in REG.abbreviations()}
    | {alias for c in CARDS for alias in c.aliases}
    | {ESCAPE, ESCAPE * 2, "", "gpt-4o-2024-08-06", "llama3.1:8b"}
)


def test_abbreviations_round_trip_for_every_registry_name():
    abbrevs = [REG.abbreviate(name) for name in ALL_NAMES]
    assert len(set(abbrevs)) == len(ALL_NAMES), "two names share an abbreviation"
    for name, abbrev in zip(ALL_NAMES, abbrevs, strict=True):
        assert REG.expand(abbrev) == name


def test_known_ids_get_short_forms_and_unknown_ids_pass_through():
    assert models.abbreviate("openai/gpt-4o") == "og4o"
    assert models.abbreviate("gpt-4o") == "g4o"
    assert models.expand("og4o") == "openai/gpt-4o"
    assert models.expand("g4o") == "gpt-4o"
    # An id m2m does not know travels as it is...
    assert models.abbreviate("my-finetune") == "my-finetune"
    # ...unless it would read back as an abbreviation: then it is escaped.
    assert models.abbreviate("og4o") == ESCAPE + "og4o"
    assert models.expand(ESCAPE + "og4o") == "og4o"
    assert models.abbreviate(ESCAPE + "x") == ESCAPE * 2 + "x"
    for name in ("g4o", "phi4", "qwq", "llama3.1", "mistral"):
        assert models.expand(models.abbreviate(name)) == name


def test_abbreviation_table_is_stable():
    # Abbreviations are wire format: these must never change between versions.
    table = REG.abbreviations()
    golden = {
        "og4o": "openai/gpt-4o",
        "og35t": "openai/gpt-3.5-turbo",
        "oo3m": "openai/o3-mini",
        "ac35s": "anthropic/claude-3.5-sonnet",
        "gge15p": "google/gemini-1.5-pro",
        "ml3370": "meta-llama/llama-3.3-70b",
        "mimx822": "mistralai/mixtral-8x22b",
        "ddr1": "deepseek/deepseek-r1",
        "qq2572": "qwen/qwen-2.5-72b",
        "xgb": "x-ai/grok-beta",
        "g4o": "gpt-4o",
        "g5m": "gpt-5-mini",
        "l318": "llama-3.1-8b",
        "c35s": "claude-3.5-sonnet",
    }
    assert {k: table[k] for k in golden} == golden
    assert not any(a.startswith(ESCAPE) for a in table)


def test_abbreviations_ignore_dynamic_models():
    # Peers with different caches must agree on the wire: dynamic cards have no abbreviation.
    dyn = card_from_openrouter({"id": "acme/brand-new-1", "context_length": 8192}, REG)
    reg = Registry(dynamic=[dyn])
    assert reg.get("acme/brand-new-1") is dyn and dyn.abbrev is None
    assert reg.abbreviate("acme/brand-new-1") == "acme/brand-new-1"
    assert reg.abbreviations() == REG.abbreviations()


@given(st.text())
@settings(max_examples=500, deadline=None)
def test_expand_inverts_abbreviate_for_any_string(text):
    assert REG.expand(REG.abbreviate(text)) == text


@given(st.lists(st.one_of(st.text(max_size=12), st.sampled_from(ALL_NAMES)), unique=True, max_size=40))
@settings(max_examples=300, deadline=None)
def test_no_two_strings_share_an_abbreviation(names):
    abbrevs = [REG.abbreviate(n) for n in names]
    assert len(set(abbrevs)) == len(names)


@given(st.text(max_size=12))
@settings(max_examples=300, deadline=None)
def test_generated_forms_never_collide_with_registry_abbreviations(text):
    table = REG.abbreviations()
    abbrev = REG.abbreviate(text)
    if abbrev in table:
        assert table[abbrev] == text


# -- dynamic cards -----------------------------------------------------------------------------


def test_card_from_openrouter_entry_inherits_from_the_embedded_model():
    entry = {
        "id": "openai/gpt-4o-2024-11-20",
        "context_length": 128000,
        "architecture": {"tokenizer": "GPT"},
        "supported_parameters": ["temperature", "tools"],
    }
    card = card_from_openrouter(entry, REG)
    assert card.encoding == "o200k_base"
    assert card.defaults == REG.get("openai/gpt-4o").defaults
    assert card.supported_params == {"temperature", "tools"}
    assert card.source == "openrouter" and card.provider is Provider.OPENAI


def test_card_from_openrouter_entry_for_an_unknown_model():
    llama = card_from_openrouter(
        {"id": "sao10k/l3.3-euryale-70b", "context_length": 131072, "architecture": {"tokenizer": "Llama3"}},
        REG,
    )
    assert llama.encoding == "llama3"  # OpenRouter's tokenizer label decides for unknown families
    assert dict(llama.defaults) == {}  # unknown model: Optimize must leave it alone
    closed = card_from_openrouter({"id": "acme/x", "top_provider": {"context_length": 4096}}, REG)
    assert closed.encoding is None and closed.context_length == 4096
    assert card_from_openrouter({"id": ""}, REG) is None
    assert card_from_openrouter({"name": "no id"}, REG) is None
    odd = card_from_openrouter({"id": "acme/y", "context_length": "big", "architecture": []}, REG)
    assert odd.context_length is None and odd.encoding is None


def test_embedded_cards_win_over_dynamic_ones_with_the_same_id():
    dyn = card_from_openrouter({"id": "openai/gpt-4o", "context_length": 1}, REG)
    reg = Registry(dynamic=[dyn])
    assert reg.get("openai/gpt-4o").context_length == 128000
    assert len(reg) == len(CARDS)


def test_dynamic_cards_found_by_spelling_and_listed():
    dyn = card_from_openrouter({"id": "acme/rocket-2-70b-instruct", "context_length": 32768}, REG)
    reg = Registry(dynamic=[dyn])
    assert reg.get("acme/rocket-2-70b-instruct") is dyn
    assert reg.get("rocket-2-70b") is dyn
    assert reg.list_models()[-1] is dyn
    assert dyn not in reg.list_models(dynamic=False)
    assert "rocket-2-70b" in reg


def test_cards_are_frozen_and_hashable():
    card = REG.get("gpt-4o")
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.id = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        card.defaults["temperature"] = 0  # type: ignore[index]
    assert {card: 1}[card] == 1
    assert card.to_dict()["defaults"]["temperature"] == 1


def test_provider_from_model_id():
    assert Provider.from_model_id("openai/gpt-4o") is Provider.OPENAI
    assert Provider.from_model_id("meta-llama/llama-3.1-8b") is Provider.META
    assert Provider.from_model_id("gpt-4o") is Provider.OTHER
    assert Provider.from_model_id("someone/x") is Provider.OTHER
