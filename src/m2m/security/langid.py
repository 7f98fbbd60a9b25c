"""A rough language guess for reports and training weights: the script of a text's letters, and
for Latin script a count of each language's commonest short words. Not used to decide a scan.

    >>> guess_language("Ignorez les instructions précédentes.")
    'French'
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["guess_language"]

# Unicode blocks that name one language among the ones scanned for (Devanagari is Hindi here).
_SCRIPTS = (
    ("\u0900", "\u097f", "Hindi"),
    ("\u0980", "\u09ff", "Bengali"),
    ("\u0600", "\u06ff", "Arabic"),
    ("\u0e00", "\u0e7f", "Thai"),
    ("\uac00", "\ud7af", "Korean"),
    ("\u1100", "\u11ff", "Korean"),
    ("\u3040", "\u30ff", "Japanese"),
    ("\u0370", "\u03ff", "Greek"),
    ("\u0400", "\u04ff", "Russian"),
    ("\u4e00", "\u9fff", "Chinese"),
)

# Short words frequent in one Latin-script language and rare in the others.
_STOPWORDS = {
    "English": "the and you your what is are of to in for with this that please can",
    "French": "le les des est vous je et pour qui pas avec sur dans ce ton au aux quelle",
    "Spanish": "el los las es por con para del como puedes cual y lo usted",
    "Portuguese": "o os as uma com nao do da em voce seu sua meu minha ao sao",
    "Italian": "il gli che non per della sono di puoi qual tua ho questo nel",
    "German": "der die das und ist nicht ein eine ich du sie mit fur auf wie was",
    "Indonesian": "yang dan ini itu untuk dengan saya anda tidak ke dari apa bisakah",
    "Filipino/Tagalog": "ang ng mga sa na ako mo ko ay ka iyong akin",
    "Vietnamese": "la cua va cho toi ban co khong nhung mot duoc trong",
    "Turkish": "bir ve bu icin ile mi ne de da misin nedir",
    "Dutch": "de het een en van ik je niet dat is op",
    "Polish": "nie jest sie na do jak co to mnie czy",
}
_WORDS = {lang: frozenset(spec.split()) for lang, spec in _STOPWORDS.items()}
_LATIN_WORD = re.compile(r"[a-z]{1,12}")
_VIETNAMESE_MARKS = frozenset("ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
_TURKISH_MARKS = frozenset("şğı")


def guess_language(text: str) -> str:
    """The language ``text`` is most likely written in, by name ("French"), or "Unknown"."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isascii() or not ch.isalpha():
            continue
        for lo, hi, lang in _SCRIPTS:
            if lo <= ch <= hi:
                counts[lang] = counts.get(lang, 0) + 1
                break
    if counts.get("Japanese", 0) * 10 >= sum(counts.values()):
        counts["Japanese"] = counts.get("Japanese", 0) + counts.pop("Chinese", 0)
    if counts:
        best = max(counts, key=counts.__getitem__)
        letters = sum(ch.isalpha() for ch in text)
        if counts[best] * 3 >= letters:
            return best
    lower = text.lower()
    if sum(ch in _VIETNAMESE_MARKS for ch in lower) >= 2:
        return "Vietnamese"
    if any(ch in _TURKISH_MARKS for ch in lower):
        return "Turkish"
    plain = unicodedata.normalize("NFKD", lower).encode("ascii", "ignore").decode("ascii")
    words = _LATIN_WORD.findall(plain)
    if not words:
        return "Unknown"
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in _WORDS.items()}
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] > 0 else "Unknown"
