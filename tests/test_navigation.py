"""Menus and pages at the domain level: screens, splitting, Back/Home, stale buttons."""

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.content.model import Fact
from bot.content.schema import MAX_SCREEN_CHARS
from bot.guide.check import load_navigator
from bot.guide.navigation import Prefs
from bot.ui import callbacks
from bot.ui.screens import sources, split_body, visible_text

EN = Prefs(language="en")


def labels(screen):
    return [b.label for row in screen.rows for b in row]


def datas(screen):
    return [b.data for row in screen.rows for b in row]


@pytest.mark.parametrize("limit", [120, 300, 900])
def test_long_text_is_split_into_screens_not_cut(limit):
    body = "\n\n".join(f"Paragraph {i}. " + "Words and more words. " * (i * 7) for i in range(1, 8))
    body += "\n\n" + "x" * (limit * 3)  # one "word" longer than a screen
    screens = split_body(body, limit)
    assert all(len(s) <= limit for s in screens)
    assert "".join(screens).replace(" ", "").replace("\n", "") == body.replace(" ", "").replace("\n", "")


def test_every_page_has_back_and_home_except_the_main_menu(navigator):
    t = navigator.texts_for(EN, None)
    for pid in navigator.content.pages:
        screen = navigator.page(t, EN, pid)
        if pid == "main":
            assert "🏠 Menu" not in labels(screen)
        else:
            assert labels(screen)[-2:] == ["◀ Back", "🏠 Menu"] or labels(screen)[-3:-1] == ["◀ Back", "🏠 Menu"]


def test_back_goes_to_the_page_that_links_here(navigator):
    t = navigator.texts_for(EN, None)
    screen = navigator.page(t, EN, "privacy_stored")
    back = next(b for row in screen.rows for b in row if b.label == "◀ Back")
    assert back.data == callbacks.page("privacy")


def test_welcome_offers_the_other_languages_in_one_tap(navigator):
    t = navigator.texts_for(Prefs(), "fr")
    welcome = navigator.welcome(t, Prefs())
    assert [b.label for b in welcome.rows[0]] == ["English", "Español", "Kiswahili", "العربية"]
    assert "Telegram" in welcome.text  # the safety notice says Telegram can see the chat


def test_choosing_a_language_is_remembered_and_shown_in_it(navigator):
    t = navigator.texts_for(EN, None)
    outcome = navigator.on_button(callbacks.set_language("sw"), t, EN)
    assert outcome.set_language == "sw"
    assert "Kiswahili" in outcome.toast
    assert "Menyu" in outcome.screen.text or "Menyu" in " ".join(labels(outcome.screen))


@pytest.mark.parametrize(
    "data",
    [
        *("", "p:", "p:nope", "p:help:x", "l:de", "c:ZZ", "c:KE:nope", "cp:nope", "zzz", None, 42, "p:help:999999"),
        *("pl:", "pl:nope", "pl:appen:nope", "pp:nope", "pl:" + "x" * 200),
    ],
)
def test_stale_or_foreign_buttons_explain_themselves(navigator, data):
    t = navigator.texts_for(EN, None)
    outcome = navigator.on_button(data, t, EN)
    assert "older menu" in outcome.toast
    assert outcome.screen.text.startswith("That button is from an older menu")
    assert outcome.set_language is None and outcome.set_country is None and outcome.set_platform is None


def test_screen_index_past_the_end_shows_the_last_screen(navigator):
    t = navigator.texts_for(EN, None)
    outcome = navigator.on_button(callbacks.page("help", 5), t, EN)
    assert outcome.screen.text.startswith("<b>Help</b>")


COUNTRY_CONTENT = {
    "pages/core.yaml": """
main:
  buttons:
    - page: pay
    - page: helplines
    - action: country
helplines:
  buttons: []
pay:
  by_country:
    KE: pay_ke
    default: pay_other
pay_ke:
  buttons:
    - page: evidence
pay_other:
  buttons:
    - page: evidence
evidence:
  buttons: []
""",
    "countries.yaml": "KE: {currency: KES}\nUG: {currency: UGX}\n",
    "facts/example.yaml": """
ke_example:
  kind: money
  value: 1000
  currency: KES
  source: https://example.org/ke
  checked: 2026-01-31
""",
    "en/pages/core.yaml": """
main: {title: Menu, body: Pick one.}
pay: {title: Pay, body: Pay rights}
pay_ke: {title: Pay in Kenya, body: "Example amount {ke_example}."}
pay_other: {title: Pay elsewhere, body: We have no figures for your country yet.}
helplines: {title: Helplines, body: Someone to talk to.}
evidence: {title: Evidence, body: Keep your records.}
""",
    "crisis/en.yaml": "phrases: [suicide]\n",
}


def country_content(root: Path, english_ui: Path, other_body: str = "We have no figures for your country yet.") -> Path:
    """A small content folder with a country-dependent page, in English only."""
    (root / "en").mkdir(parents=True)
    (root / "en" / "ui.yaml").write_text(english_ui.read_text())
    (root / "topics.yaml").write_text((english_ui.parent.parent / "topics.yaml").read_text())  # names are in ui.yaml
    for name, text in COUNTRY_CONTENT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    pages = root / "en" / "pages" / "core.yaml"
    pages.write_text(pages.read_text().replace("We have no figures for your country yet.", json.dumps(other_body)))
    return root


@pytest.fixture
def country_navigator(tmp_path: Path, content_copy: Path):
    return load_navigator(country_content(tmp_path / "c", content_copy / "en" / "ui.yaml"))


def test_a_country_page_asks_the_country_once_then_remembers(country_navigator):
    nav = country_navigator
    t = nav.texts_for(Prefs(), None)
    first = nav.on_button(callbacks.page("pay"), t, Prefs())
    assert first.screen.text.startswith("Which country")
    kenya = next(b for row in first.screen.rows for b in row if b.label == "Kenya")
    chosen = nav.on_button(kenya.data, t, Prefs())
    assert chosen.set_country == "KE"
    assert chosen.screen.text.startswith("<b>Pay in Kenya</b>")
    assert "KES1,000.00" in chosen.screen.text
    assert '<a href="https://example.org/ke">example.org</a> (checked on Jan 31, 2026)' in chosen.screen.text
    again = nav.on_button(callbacks.page("pay"), t, Prefs(country="KE"))
    assert again.screen.text.startswith("<b>Pay in Kenya</b>")  # not asked twice
    back = next(b for row in again.screen.rows for b in row if b.label == "◀ Back")
    assert back.data == callbacks.HOME


def test_another_country_gets_the_default_page(country_navigator):
    nav = country_navigator
    t = nav.texts_for(Prefs(), None)
    other = nav.on_button(callbacks.set_country(callbacks.OTHER_COUNTRY, "pay"), t, Prefs())
    assert other.screen.text.startswith("<b>Pay elsewhere</b>")
    assert nav.page(t, Prefs(country="UG"), "pay").text.startswith("<b>Pay elsewhere</b>")


def test_pickers_return_where_they_were_opened(navigator):
    t = navigator.texts_for(EN, None)
    help_page = navigator.page(t, EN, "help")
    language = next(b for row in help_page.rows for b in row if b.label == "🌐 Language")
    picker = navigator.on_button(language.data, t, EN).screen
    assert labels(picker)[-2:] == ["◀ Back", "🏠 Menu"]
    assert datas(picker)[-2] == callbacks.page("help")
    french = next(b for row in picker.rows for b in row if b.label == "Français")
    outcome = navigator.on_button(french.data, t, EN)
    assert outcome.set_language == "fr" and outcome.screen.text.startswith("<b>Aide</b>")


def test_country_page_picker_goes_back_before_the_page(country_navigator):
    nav = country_navigator
    t = nav.texts_for(Prefs(), None)
    picker = nav.on_button(callbacks.page("pay"), t, Prefs()).screen
    assert datas(picker)[-2:] == [callbacks.HOME, callbacks.HOME]  # not back to "pay", which would ask again


def test_a_long_page_becomes_screens_with_next_and_back(tmp_path, content_copy):
    long_body = "\n\n".join(f"Step {i}: " + "read this carefully and keep your records. " * 12 for i in range(1, 7))
    nav = load_navigator(
        country_content(tmp_path / "c", content_copy / "en" / "ui.yaml", long_body + " See {ke_example}.")
    )
    t = nav.texts_for(Prefs(), None)
    first = nav.page(t, Prefs(country="UG"), "pay")
    assert "1/" in first.text and "Sources" not in first.text
    assert labels(first)[-3:] == ["◀ Back", "🏠 Menu", "Next ▶"]
    second = nav.on_button(datas(first)[-1], t, Prefs(country="UG")).screen
    assert "2/" in second.text
    assert datas(second)[-3] == callbacks.page("pay_other")  # Back: the previous screen
    total = len(nav.screens["en", "pay_other"])
    last = nav.page(t, Prefs(country="UG"), "pay_other", total - 1)
    assert f"{total}/{total}" in last.text and "Sources" in last.text and "Next ▶" not in labels(last)
    assert all(len(s) <= 4096 for s in nav.screens["en", "pay_other"])


def test_three_dashes_force_a_new_screen():
    body = "Breathe in slowly.\n---\nHold for four.\n\n---\nBreathe out."
    assert split_body(body) == ["Breathe in slowly.", "Hold for four.", "Breathe out."]


def test_a_shared_page_goes_back_where_the_user_came_from(country_navigator):
    nav = country_navigator
    t = nav.texts_for(Prefs(), None)
    other = nav.page(t, Prefs(country="UG"), "pay")  # Uganda gets the "another country" page
    evidence = nav.on_button(datas(other)[0], t, Prefs(country="UG")).screen
    assert evidence.text.startswith("<b>Evidence</b>")
    assert datas(evidence)[-2] == callbacks.page("pay_other")  # not pay_ke, the first page linking here
    kenya = nav.page(t, Prefs(country="KE"), "pay")
    assert datas(nav.on_button(datas(kenya)[0], t, Prefs(country="KE")).screen)[-2] == callbacks.page("pay_ke")


def test_sources_are_short_linked_names_with_their_dates(navigator):
    t = navigator.texts_for(Prefs(), None)
    day = dt.date(2026, 1, 31)
    facts = [
        Fact("a", "number", 1, "https://www.kenyalaw.org:8181/exist/kenyalex/actview.xql?actid=No.%2011&x=1", day),
        Fact("b", "number", 2, "https://www.kenyalaw.org:8181/exist/kenyalex/actview.xql?actid=No.%2012", day),
        Fact("c", "number", 3, "https://fair.work/en/ratings/kenya/", dt.date(2025, 3, 1), source_name="Fairwork"),
        Fact("d", "number", 4, "https://www.kenyalaw.org:8181/exist/kenyalex/actview.xql?actid=No.%2011&x=1", day),
    ]
    block = sources(t, facts)
    assert block.split("\n") == [
        "<i>Sources</i>",
        '• <a href="https://www.kenyalaw.org:8181/exist/kenyalex/actview.xql?actid=No.%2011&amp;x=1">kenyalaw.org</a>'
        " (checked on Jan 31, 2026)",
        '• <a href="https://www.kenyalaw.org:8181/exist/kenyalex/actview.xql?actid=No.%2012">kenyalaw.org 2</a>'
        " (checked on Jan 31, 2026)",
        '• <a href="https://fair.work/en/ratings/kenya/">Fairwork</a> (checked on Mar 1, 2025)',
    ]
    assert visible_text(block) == (
        "Sources\n• kenyalaw.org (checked on Jan 31, 2026)\n• kenyalaw.org 2 (checked on Jan 31, 2026)\n"
        "• Fairwork (checked on Mar 1, 2025)"
    )


def test_a_source_shows_its_own_date_apart_from_the_day_it_was_checked(navigator):
    """A court ruling of 2 March 2023 read on 29 November 2026 says both, each for what it is,
    and only as precisely as the source gives its date."""
    checked = dt.date(2026, 11, 29)
    ruling = Fact("a", "number", 3, "https://kenyalaw.org/caselaw/252812", checked, published="2023-03-02")
    monthly = Fact("b", "number", 3, "https://example.org/m", checked, published="2024-12")
    yearly = Fact("c", "number", 3, "https://example.org/y", checked, published="2016")
    for code, expected in [
        (
            "en",
            [
                "kenyalaw.org, Mar 2, 2023 (checked on Nov 29, 2026)",
                "example.org, Dec 2024 (checked on Nov 29, 2026)",
                "example.org 2, 2016 (checked on Nov 29, 2026)",
            ],
        ),
        (
            "fr",
            [
                "kenyalaw.org, 2 mars 2023 (vérifié le 29 nov. 2026)",
                "example.org, déc. 2024 (vérifié le 29 nov. 2026)",
                "example.org 2, 2016 (vérifié le 29 nov. 2026)",
            ],
        ),
    ]:
        t = navigator._texts[code]
        assert visible_text(sources(t, [ruling, monthly, yearly])).split("\n")[1:] == [f"• {e}" for e in expected]


def test_every_screen_shows_at_most_1000_characters_in_every_language(navigator):
    assert set(navigator.languages) >= {"en", "fr", "sw"}
    longest = max(
        (len(visible_text(text)), code, pid)
        for (code, pid), screens in navigator.screens.items()
        if code in navigator.languages  # offered; a partial language's borrowed pages wait for it
        for text in screens
    )
    assert longest[0] <= MAX_SCREEN_CHARS == 1000, longest
    for (code, pid), screens in navigator.screens.items():  # no raw URL in any sources block
        title = f"<i>{navigator.content.languages[code].ui['sources_title']}</i>\n"
        if title in screens[-1]:
            assert "://" not in visible_text(screens[-1].split(title)[1]), (code, pid)
