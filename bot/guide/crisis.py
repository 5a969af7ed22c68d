"""Words that signal someone may be thinking of suicide or self-harm, in any language we
know (people mix languages, and write in languages the bot's menus are not in), so the bot
can answer with helplines before anything else.

The phrase lists are content, one per language whether or not the interface exists in it
(content/crisis/<code>.yaml), and are all matched at once, whatever language the user chose.
Matching is on whole words after `normalize`: case, accents, punctuation and repeated letters
are folded ("suiiicide", "SUICIDE", "suicidé" all match "suicide"); in Arabic script the
diacritics (tashkeel) and tatweel are dropped and the variants of alef, yaa and taa marbuta
are made one; Devanagari keeps its vowel signs and virama (they are letters there) but drops
the nukta, and candrabindu is read as anusvara.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_REPEATS = re.compile(r"(\S)\1+")
_DEVANAGARI = range(0x0900, 0x0980)
_FOLD = str.maketrans(
    {
        "\u0671": "\u0627",  # alef wasla -> alef (hamza and madda forms lose their mark below)
        "\u0649": "\u064a",  # alef maksura -> yaa
        "\u06cc": "\u064a",  # Persian/Urdu yeh -> yaa
        "\u0629": "\u0647",  # taa marbuta -> haa
        "\u06a9": "\u0643",  # keheh -> kaf
        "\u0640": None,  # tatweel (kashida), a stretch of the line
        "\u200c": None,  # zero-width non-joiner and joiner: inside words, not between them
        "\u200d": None,
        "\u093c": None,  # Devanagari nukta: written or not (ज़िंदगी, जिंदगी)
        "\u0901": "\u0902",  # candrabindu -> anusvara (हूँ, हूं)
    }
)


def _keeps(ch: str) -> bool:
    """A combining mark is kept where it is a letter (Devanagari vowel signs, virama);
    elsewhere it is an accent or a vowel mark (Latin accents, Arabic tashkeel) and dropped."""
    return ord(ch) in _DEVANAGARI or unicodedata.category(ch) == "Mc"


def normalize(text: str) -> str:
    """Words of lowercase letters and digits, one space between them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_FOLD)
    chars = []
    for ch in decomposed:
        kind = unicodedata.category(ch)
        if kind[0] == "M":
            if _keeps(ch):
                chars.append(ch)
        elif kind[0] in "LN":
            chars.append(ch)
        else:
            chars.append(" ")
    return " ".join(_REPEATS.sub(r"\1", "".join(chars)).split())


def _pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    normalized = sorted({n for n in map(normalize, phrases) if n}, key=len, reverse=True)
    if not normalized:
        return None
    # Whole words: normalized text is words separated by single spaces.
    return re.compile(r"(?<!\S)(?:" + "|".join(map(re.escape, normalized)) + r")(?!\S)")


class CrisisDetector:
    """`detector(text)`: does the text speak of suicide or self-harm? `detector.languages(text)`:
    the languages (list codes) whose phrases it contains, empty when none."""

    def __init__(self, lists: Mapping[str, Iterable[str]]):
        self._by_language = {code: p for code, phrases in lists.items() if (p := _pattern(phrases))}
        self._any = _pattern(p for phrases in lists.values() for p in phrases) if self._by_language else None

    def __call__(self, text: str) -> bool:
        return bool(self._any and self._any.search(normalize(text)))

    def languages(self, text: str) -> tuple[str, ...]:
        """Which lists matched, sorted: so a crisis answer can be given in the language the
        message was written in when the user's own is unknown."""
        plain = normalize(text)
        if not (self._any and self._any.search(plain)):
            return ()
        return tuple(sorted(code for code, pattern in self._by_language.items() if pattern.search(plain)))


def spelling_variants(phrase: str) -> list[str]:
    """The same phrase as people also type it: shouting, elongated, without accents, with
    punctuation around and between the words, inside a sentence; in Arabic script with
    tashkeel and tatweel. The content check proves every phrase matches all of them."""
    words = phrase.split()
    no_accents = "".join(
        ch for ch in unicodedata.normalize("NFKD", phrase) if unicodedata.category(ch) != "Mn" or _keeps(ch)
    )
    variants = [
        phrase,
        phrase.upper() + "!!!",
        " ".join(w[:-1] + w[-1] * 3 for w in words),  # "suicideee", "nmouuut"
        no_accents,
        "... " + ", ".join(words) + "?!",
        f"ok. {phrase}. ok",
    ]
    if any("\u0600" <= ch <= "\u06ff" for ch in phrase):
        # a fatha after each letter, and a tatweel inside each word
        variants.append("".join(ch + "\u064e" if ch.isalpha() else ch for ch in phrase))
        variants.append(" ".join(w[:1] + "\u0640" + w[1:] for w in words))
    return variants
