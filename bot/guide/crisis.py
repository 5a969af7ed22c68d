"""Words that signal someone may be thinking of suicide or self-harm, in any language we
know (people mix languages), so the bot can answer with helplines before anything else.

Matching is on whole words after folding case, accents and repeated letters ("suiiicide",
"SUICIDE", "suicidé" all match "suicide"); the phrase lists are content (content/<lang>/crisis.yaml).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NOT_WORD = re.compile(r"[^\w]+")
_REPEATS = re.compile(r"(\w)\1+")


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = _NOT_WORD.sub(" ", plain).replace("_", " ")
    return " ".join(_REPEATS.sub(r"\1", words).split())


class CrisisDetector:
    def __init__(self, phrases: Iterable[str]):
        normalized = sorted({normalize(p) for p in phrases if normalize(p)}, key=len, reverse=True)
        self._pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in normalized) + r")(?!\w)") if normalized else None
        )

    def __call__(self, text: str) -> bool:
        return bool(self._pattern and self._pattern.search(normalize(text)))
