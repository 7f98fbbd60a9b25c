import pytest

from conftest import VOCAB as SHARED_VOCAB
from m2m.errors import TokenizerError
from m2m.tokenizer import TokenCount, count_chat_tokens, count_tokens, decode_tokens, encode_tokens


def test_known_counts_match_published_values():
    # "hello world" is 2 tokens in both OpenAI encodings; tiktoken's README uses this example.
    assert count_tokens("hello world", encoding="cl100k_base") == 2
    assert count_tokens("hello world", encoding="o200k_base") == 2
    assert encode_tokens("hello world", "cl100k_base") == [15339, 1917]


def test_special_token_text_is_one_special_id():
    assert encode_tokens("<|endoftext|>", "cl100k_base") == [100257]
    assert encode_tokens("<|endoftext|>", "o200k_base") == [199999]


def test_round_trip_bytes_exact():
    text = 'naïve café 🚀 \r\n\t  {"a":1}'
    for enc in ("cl100k_base", "o200k_base"):
        assert decode_tokens(encode_tokens(text, enc), enc) == text.encode()


def test_count_is_int_and_marked_exact():
    n = count_tokens("abc", encoding="o200k_base")
    assert isinstance(n, int) and isinstance(n, TokenCount)
    assert n.exact is True and n.encoding == "o200k_base"


def test_unknown_encoding_is_a_tokenizer_error():
    with pytest.raises(TokenizerError, match="unknown encoding"):
        count_tokens("x", encoding="p99k")


def test_llama3_from_configured_path(monkeypatch):
    from m2m import tokenizer

    monkeypatch.setenv("M2M_LLAMA3_VOCAB", f"{SHARED_VOCAB}/llama3.tiktoken")
    assert not tokenizer.llama3_available()  # the library never reads the environment itself
    tokenizer.set_llama3_vocab(f"{SHARED_VOCAB}/llama3.tiktoken")
    tokenizer.get_encoding.cache_clear()
    try:
        ids = encode_tokens("Hello world", "llama3")
        # Llama 3: "Hello" = 9906, " world" = 1917 (same merges as cl100k for these).
        assert ids == [9906, 1917]
        assert encode_tokens("<|begin_of_text|>", "llama3") == [128000]
        assert encode_tokens("<|eot_id|>", "llama3") == [128009]
    finally:
        tokenizer.set_llama3_vocab(None)
        tokenizer.get_encoding.cache_clear()


def test_llama3_unconfigured_is_clear_error(monkeypatch):
    from m2m import tokenizer

    monkeypatch.delenv("M2M_LLAMA3_VOCAB", raising=False)
    tokenizer.get_encoding.cache_clear()
    with pytest.raises(TokenizerError, match="M2M_LLAMA3_VOCAB"):
        count_tokens("x", encoding="llama3")


def test_chat_tokens_add_documented_overhead():
    messages = [{"role": "user", "content": "hello world"}]
    # 3 priming + 3 per message + tokens("user") + tokens("hello world")
    expected = 3 + 3 + count_tokens("user", encoding="o200k_base") + 2
    assert count_chat_tokens(messages, encoding="o200k_base") == expected
