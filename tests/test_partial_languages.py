"""Partial languages: a language joins before it is complete. What it lacks is shown in its
fallback's words, with one line saying so in the user's language; it is offered in the menu only
once its interface, its crisis phrases and its crisis and helpline pages are its own."""

import shutil

import yaml

from bot.content.schema import MAX_SCREEN_CHARS
from bot.content.status import completeness, not_yet_offered
from bot.guide.check import load_navigator
from bot.guide.navigation import Prefs
from bot.ui.screens import visible_text
from tests.conftest import CONTENT_DIR

NOTE = "Ukurasa huu bado haupo"  # the Swahili fallback note's opening words


def partial_copy(content_copy, pages=(), full_ui=False, crisis=True):
    """A made-up partial language "rw" (Kinyarwanda's code), borrowing from Swahili: here written
    by copying Swahili texts, enough to test the engine, never shipped."""
    folder = content_copy / "rw"
    (folder / "pages").mkdir(parents=True)
    (folder / "language.yaml").write_text("fallback: sw\n", encoding="utf-8")
    sw_ui = yaml.safe_load((CONTENT_DIR / "sw" / "ui.yaml").read_text(encoding="utf-8"))
    ui = sw_ui if full_ui else {"fallback_note": sw_ui["fallback_note"], "welcome": sw_ui["welcome"]}
    (folder / "ui.yaml").write_text(yaml.safe_dump(ui, allow_unicode=True), encoding="utf-8")
    sw_pages = {}
    for file in (CONTENT_DIR / "sw" / "pages").glob("*.yaml"):
        sw_pages |= yaml.safe_load(file.read_text(encoding="utf-8"))
    own = {pid: sw_pages[pid] for pid in pages}
    (folder / "pages" / "own.yaml").write_text(yaml.safe_dump(own, allow_unicode=True), encoding="utf-8")
    if crisis:
        shutil.copy(CONTENT_DIR / "crisis" / "sw.yaml", content_copy / "crisis" / "rw.yaml")
    return content_copy


def crisis_pages(navigator):
    spec = navigator.content.pages["helplines"]
    return ["helplines", *spec.by_country.values()]


def near_the_limit(navigator):
    """Swahili pages the fallback line would push over 1,000 characters: an offered language must
    have them in its own words first (the content check says so), so the made-up one owns them."""
    room = MAX_SCREEN_CHARS - len(navigator.content.languages["sw"].ui["fallback_note"]) - 10
    return [
        pid
        for (code, pid), screens in navigator.screens.items()
        if code == "sw" and any(len(visible_text(text)) > room for text in screens)
    ]


def test_a_partial_language_shows_what_it_lacks_in_its_fallback_with_a_note(content_copy, navigator):
    root = partial_copy(content_copy, pages=[*crisis_pages(navigator), "pay", *near_the_limit(navigator)], full_ui=True)
    partial = load_navigator(root)
    pack = partial.content.languages["rw"]
    assert pack.fallback == "sw" and pack.borrows_page("health") and not pack.borrows_page("pay")
    prefs = Prefs(language="rw")
    t = partial.texts_for(prefs, None)
    assert t.code == "rw"
    borrowed = partial.page(t, prefs, "health").text
    first_line = borrowed.split("\n")[0]
    assert first_line.startswith(f"<i>{NOTE}") and t.locale.languages["sw"] in first_line
    assert "Afya ya akili" in borrowed or partial.content.languages["sw"].pages["health"].title in borrowed
    assert NOTE not in partial.page(t, prefs, "pay").text


def test_not_offered_while_its_interface_is_not_its_own(content_copy):
    partial = load_navigator(partial_copy(content_copy, pages=["pay"]))
    assert "rw" not in partial.languages
    assert partial.texts_for(Prefs(language="rw"), "rw").code == "en"  # neither chosen nor negotiated
    assert "interface strings not translated" in "; ".join(not_yet_offered(partial.content, "rw"))


def test_offered_only_once_interface_crisis_phrases_and_helplines_are_its_own(content_copy, navigator):
    pages = crisis_pages(navigator)
    for missing in ("ui", "crisis", "helpl_ke"):
        root = content_copy.parent / f"c-{missing}"
        shutil.copytree(CONTENT_DIR, root)
        partial_copy(
            root,
            pages=[p for p in pages if p != missing],
            full_ui=missing != "ui",
            crisis=missing != "crisis",
        )
        assert "rw" not in load_navigator(root).languages, missing
    root = partial_copy(content_copy, pages=[*pages, *near_the_limit(navigator)], full_ui=True)
    offered = load_navigator(root)
    assert "rw" in offered.languages
    assert offered.texts_for(Prefs(), "rw").code == "rw"
    lines = completeness(root, offered.content)
    (line,) = [line for line in lines if line.startswith("rw:")]
    assert "partial" in line and "the rest in sw" in line and line.endswith("offered")


def test_a_fallback_must_be_a_complete_language(content_copy):
    root = partial_copy(content_copy)
    (root / "rw" / "language.yaml").write_text("fallback: xx\n", encoding="utf-8")
    try:
        load_navigator(root)
    except Exception as error:  # ContentError lists the problem
        assert "fallback 'xx' is not a complete language" in str(error)
    else:
        raise AssertionError("a fallback that does not exist was accepted")


async def test_arabic_is_offered_right_to_left_with_french_where_it_has_no_page_yet(haki):
    """The real partial language: an Arabic Telegram app lands in Arabic; a page not yet
    translated comes in French under one Arabic line that says so."""
    from tests.conftest import Chatter

    arabic = haki.navigator.content.languages["ar"]
    assert arabic.fallback == "fr" and "ar" in haki.navigator.languages
    person = Chatter(haki, 4242, language_code="ar")
    home = await person.say("/start")
    assert home.text.startswith(arabic.ui["welcome"][:12])
    assert arabic.borrows_page("health") and not arabic.borrows_page("health_breathe")
    page = await person.press(arabic.pages["health"].button, home)
    note = arabic.ui["fallback_note"].split("{")[0]
    assert page.text.startswith(note) and "الفرنسية" in page.text.split("\n")[0]  # French, named in Arabic
    assert haki.navigator.content.languages["fr"].pages["health"].title in page.text
    own = await person.press(arabic.pages["health_breathe"].button, page)
    assert note not in own.text and arabic.pages["health_breathe"].title in own.text
