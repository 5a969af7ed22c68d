"""Each translation reads as its own language, and Spanish is never longer than the English.

Language detection is lingua's (lingua-language-detector), run on every long text of a language
folder: interface strings, the report's wording and page bodies over LONG characters once
placeholders, URLs and HTML are taken out. A text left in English, or slid into Portuguese or
Italian, shows up here even when every key and placeholder is right (check-content cannot see it).
"""

import re

import pytest
import yaml
from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

from bot.content import CONTENT_DIR
from bot.content.schema import REFERENCE_LANGUAGE
from bot.content.wording import placeholders

LONG = 80  # characters: below this, detection is a guess
SHARE = 0.95  # of a language's long texts must be detected as that language
TRANSLATIONS = sorted(
    p.name for p in CONTENT_DIR.iterdir() if (p / "ui.yaml").exists() and p.name != REFERENCE_LANGUAGE
)
# The candidates: English, the languages of the content, and what a translation could slide into
# or be mistaken for: its neighbours (Portuguese, Italian, Catalan...) and the languages of the
# countries served that lingua knows (Ganda, Tagalog, Swahili's neighbours; Arabic's neighbours).
CANDIDATES = [
    Language.ENGLISH,
    Language.FRENCH,
    Language.SPANISH,
    Language.SWAHILI,
    Language.PORTUGUESE,
    Language.ITALIAN,
    Language.CATALAN,
    Language.ROMANIAN,
    Language.LATIN,
    Language.GERMAN,
    Language.DUTCH,
    Language.TAGALOG,
    Language.INDONESIAN,
    Language.MALAY,
    Language.GANDA,
    Language.SOMALI,
    Language.YORUBA,
    Language.ZULU,
    Language.XHOSA,
    Language.SHONA,
    Language.SOTHO,
    Language.TSWANA,
    Language.TSONGA,
    Language.ARABIC,
    Language.PERSIAN,
    Language.URDU,
]

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_URL = re.compile(r"https?://\S+|www\.\S+")
_HTML = re.compile(r"<[^>]+>")
_COMMAND = re.compile(r"/[a-z_]+\b")


def plain(text: str) -> str:
    """What a reader reads as words: no placeholders, links, HTML or /commands."""
    for pattern in (_PLACEHOLDER, _URL, _HTML, _COMMAND):
        text = pattern.sub(" ", text)
    return " ".join(text.split())


def _yaml(path):
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def long_texts(code: str) -> dict[str, str]:
    """Where -> plain text, for every text of a language folder over LONG characters."""
    folder = CONTENT_DIR / code
    found = {f"ui.{key}": value for key, value in _yaml(folder / "ui.yaml").items()}
    if (folder / "survey.yaml").exists():
        questions = _yaml(folder / "survey.yaml").get("questions") or {}
        found |= {f"survey.{qid}": q.get("text", "") for qid, q in questions.items()}
    for path in sorted((folder / "pages").glob("*.yaml")):
        found |= {f"page.{pid}": (raw or {}).get("body", "") for pid, raw in _yaml(path).items()}
    texts = {where: plain(text) for where, text in found.items() if isinstance(text, str)}
    return {where: text for where, text in texts.items() if len(text) > LONG}


@pytest.fixture(scope="module")
def detector():
    return LanguageDetectorBuilder.from_languages(*CANDIDATES).build()


def test_every_translation_is_checked():
    assert {"es", "fr", "sw"} <= set(TRANSLATIONS)


@pytest.mark.parametrize("code", TRANSLATIONS)
def test_long_texts_read_as_their_language(detector, code):
    try:
        language = Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
    except ValueError:
        pytest.skip(f"lingua does not know {code!r}")
    assert language in CANDIDATES, f"add {language.name} to CANDIDATES"
    texts = long_texts(code)
    assert len(texts) >= 20, f"{code}: only {len(texts)} long texts"
    wrong = {where: detector.detect_language_of(text) for where, text in texts.items()}
    wrong = {where: found for where, found in wrong.items() if found != language}
    share = 1 - len(wrong) / len(texts)
    listed = "\n".join(f"  {where}: {found.name if found else 'unknown'}" for where, found in sorted(wrong.items()))
    assert share >= SHARE, f"{code}: {share:.1%} of {len(texts)} long texts read as {language.name}:\n{listed}"


def test_plain_takes_out_what_is_not_words():
    text = "Send /withdraw {code} <b>now</b>, see https://example.org/a?b=1 (checked on {date})."
    assert plain(text) == "Send now , see (checked on )."


# Spanish is read on small phone screens by people paying for their data: no text may be longer
# than its English. Placeholders count as the same length in both. These one-word labels are the
# exceptions, a letter or two over because Spanish has no shorter word for them, and Next,
# which the Spanish pages name as "Siguiente ▶".
SPANISH_LONGER = {
    "ui.button_back": "◀ Atrás",
    "ui.button_next": "Siguiente ▶",  # the pages say "Toque Siguiente ▶" (content/es/pages/health.yaml)
    "ui.button_exit": "✖ Salir",
    "ui.report_send": "✅ Enviar",
    "ui.crisis_emergency": "🚑 Emergencia: {number}",
    "ui.button_platform": "🧩 Plataforma: {platform}",  # "Plataforma" is the word workers use
    "ui.platform_changed": "Plataforma: {platform}",
    "ui.topic_pay": "Pago",
    "ui.topic_events": "Eventos",
    "ui.fairpay_unit_task": "Por tarea",
    "ui.fairpay_period_week": "semana",
    "ui.stats_unit_task": "por tarea",
    "ui.stats_reports": "{count} reportes",
    "ui.broadcast_status_sending": "enviando",
    "survey.pay_unit.task": "Por tarea",
    "survey.contract.none": "Sin contrato escrito",
    "ui.review_edit": "✏️ Editar",
    "ui.review_skip": "⏭ Pasar",
}


def _shown(text: str) -> int:
    return len(_PLACEHOLDER.sub("X", text))


def _wording(code: str) -> dict[str, str]:
    folder = CONTENT_DIR / code
    found = {f"ui.{key}": value for key, value in _yaml(folder / "ui.yaml").items()}
    for qid, q in (_yaml(folder / "survey.yaml").get("questions") or {}).items():
        found[f"survey.{qid}"] = q["text"]
        found |= {f"survey.{qid}.{option}": label for option, label in (q.get("options") or {}).items()}
    return found


def test_spanish_is_never_longer_than_the_english():
    english, spanish = _wording(REFERENCE_LANGUAGE), _wording("es")
    assert spanish.keys() == english.keys()
    longer = {key: text for key, text in spanish.items() if _shown(text) > _shown(english[key])}
    assert longer == SPANISH_LONGER
    for key, text in SPANISH_LONGER.items():
        assert _shown(text) <= _shown(english[key]) + (5 if key == "ui.button_next" else 2), key
        assert placeholders(text) == placeholders(english[key])


def test_no_page_title_names_a_union_or_a_complaint_in_any_language(navigator):
    """A title is the first line of a message and of the phone's notification: whoever glances at
    the screen (a supervisor on the floor) must not read "union" or "complaint" there. The words
    are each language's own, from content/glossary.yaml."""
    glossary = yaml.safe_load((CONTENT_DIR / "glossary.yaml").read_text())
    for code, pack in navigator.content.languages.items():
        words = [
            glossary[concept][code]["use"].lower() for concept in ("union", "complaint") if code in glossary[concept]
        ]
        assert words or code == "ar", code
        for pid, page in pack.pages.items():
            assert not [w for w in words if w in page.title.lower()], (code, pid, page.title)
