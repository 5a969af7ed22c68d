"""The content check catches each kind of mistake, with the file and line to fix."""

import re
import subprocess
import sys

import pytest

from bot.guide.check import ContentError, load_navigator
from tests.conftest import REPO


def problems(root) -> list[str]:
    with pytest.raises(ContentError) as error:
        load_navigator(root)
    return [str(p) for p in error.value.problems]


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path, needle) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_real_content_is_clean_in_every_language(navigator):
    # Arabic, partial, is offered since its crisis phrases are in (content/crisis/ar.yaml)
    assert navigator.languages == ["en", "es", "fr", "sw", "ar"]


def test_missing_translation_is_reported(content_copy):
    edit(content_copy / "fr/ui.yaml", "button_next:", "removed_next:")
    found = problems(content_copy)
    assert any("content/fr/ui.yaml" in p and "translation missing: 'button_next'" in p for p in found)
    assert any("content/fr/ui.yaml:" in p and "unknown key 'removed_next'" in p for p in found)


def test_missing_page_translation_is_reported(content_copy):
    text = (content_copy / "sw/pages/core.yaml").read_text()
    start = text.index("\nhelp:")
    (content_copy / "sw/pages/core.yaml").write_text(text[:start] + "\n")
    assert any(
        "content/sw/pages" in p and "translation missing: text for page 'help'" in p for p in problems(content_copy)
    )


def test_link_to_a_missing_page_names_file_and_line(content_copy):
    edit(content_copy / "pages/core.yaml", "    - page: privacy_stored", "    - page: no_such_page")
    line = line_of(content_copy / "pages/core.yaml", "no_such_page")
    expected = f"content/pages/core.yaml:{line}: page 'privacy' links to page 'no_such_page', which does not exist"
    assert expected in problems(content_copy)


def test_placeholders_must_match_english(content_copy):
    edit(content_copy / "fr/ui.yaml", "{country}", "{pays}")
    found = problems(content_copy)
    line = line_of(content_copy / "fr/ui.yaml", "{pays}")
    assert any(p.startswith(f"content/fr/ui.yaml:{line}:") and "differ from English" in p for p in found)


def test_unknown_placeholder_in_a_page_is_reported(content_copy):
    edit(content_copy / "en/pages/core.yaml", "Haki gives clear", "Haki {invented_number} gives clear")
    assert any("unknown placeholder {invented_number}" in p for p in problems(content_copy))


def test_text_over_telegrams_limit_is_reported(content_copy):
    edit(content_copy / "en/ui.yaml", 'menu_prompt: "', 'menu_prompt: "' + "x" * 4100)
    assert any("menu_prompt is 41" in p and "Telegram allows 4096" in p for p in problems(content_copy))


def test_callback_data_over_64_bytes_is_reported(content_copy):
    long_id = "p" * 60
    for name in ("pages/core.yaml", "en/pages/core.yaml", "fr/pages/core.yaml", "sw/pages/core.yaml"):
        edit(content_copy / name, "privacy_phone:", f"{long_id}:")
    edit(content_copy / "pages/core.yaml", "- page: privacy_phone", f"- page: {long_id}")
    edit(content_copy / "pages/core.yaml", "- page: privacy_phone", f"- page: {long_id}")
    assert any("too long" in p and "64 bytes" in p for p in problems(content_copy))


def test_a_fact_without_source_or_date_is_refused(content_copy):
    edit(content_copy / "facts/telegram.yaml", "  source: https://telegram.org/privacy\n", "")
    assert any("content/facts/telegram.yaml" in p and "has no source" in p for p in problems(content_copy))


def test_a_fact_with_a_date_that_is_not_a_date_is_refused(content_copy):
    edit(content_copy / "facts/telegram.yaml", "checked: 2026-11-29", "checked: last year")
    assert any("checked must be the date it was verified" in p for p in problems(content_copy))


@pytest.mark.parametrize(
    ("published", "complaint"),
    [
        ("2026-12-25", "published 2026-12-25 is after checked 2026-11-29"),  # the two dates mixed up
        ('"2026-12"', "published 2026-12 is after checked 2026-11-29"),
        ('"2025-13"', 'published is a date, or "YYYY-MM" or "YYYY"'),
        ("March 2025", 'published is a date, or "YYYY-MM" or "YYYY"'),
    ],
)
def test_a_publication_date_must_be_a_date_before_the_check(content_copy, published, complaint):
    edit(content_copy / "facts/telegram.yaml", "checked: 2026-11-29", f"checked: 2026-11-29\n  published: {published}")
    assert any(complaint in p for p in problems(content_copy))


def test_a_publication_date_as_precise_as_the_source_is_accepted(content_copy):
    edit(content_copy / "facts/telegram.yaml", "checked: 2026-11-29", 'checked: 2026-11-29\n  published: "2025-03"')
    navigator = load_navigator(content_copy)
    assert navigator.content.facts["telegram_privacy_policy"].published == "2025-03"


def test_a_fact_under_a_second_id_is_reported_with_both_ids_and_files(content_copy):
    # Same kind, value and source as telegram_privacy_policy, in another file and another case.
    (content_copy / "facts/tools.yaml").write_text(
        "tg_policy_again:\n  kind: url\n  value: HTTPS://TELEGRAM.ORG/PRIVACY\n"
        "  source: https://telegram.org/privacy/\n  checked: 2026-12-01\n"
    )
    found = problems(content_copy)
    assert any(
        p.startswith("content/facts/tools.yaml:1:")
        and "fact 'tg_policy_again' duplicates fact 'telegram_privacy_policy' in telegram.yaml" in p
        for p in found
    ), found


def test_two_facts_that_share_a_number_may_say_they_differ(content_copy):
    edit(content_copy / "facts/grievance.yaml", "  differs_from: in_claim_years", "  differs_from: no_such_fact")
    found = problems(content_copy)
    assert any("fact 'in_decide_months' duplicates fact 'in_claim_years'" in p for p in found)
    assert any("differs_from names 'no_such_fact', which is not a fact" in p for p in found)


def test_a_drift_word_in_a_french_page_is_reported_with_its_page(content_copy):
    edit(content_copy / "fr/pages/grievance.yaml", "vos bulletins de paie", "vos Fiches de paie")
    found = problems(content_copy)
    assert any(
        p.startswith("content/fr/pages/grievance.yaml:")
        and "page 'griev_evidence' body: 'Fiches de paie' is drift for 'payslip', say 'bulletin de paie'" in p
        for p in found
    ), found


def test_a_glossary_term_used_nowhere_is_a_stale_entry(content_copy):
    edit(content_copy / "glossary.yaml", "fr: {use: bulletin de paie,", "fr: {use: feuille de paie,")
    assert any(
        p.startswith("content/glossary.yaml:") and "'feuille de paie' appears nowhere in content/fr/" in p
        for p in problems(content_copy)
    )


def test_a_glossary_entry_must_name_a_language_and_its_term(content_copy):
    edit(content_copy / "glossary.yaml", "  es: {use: recibo de pago,", "  xx: {use: recibo de pago,")
    edit(content_copy / "glossary.yaml", "  fr: {use: syndicat,", "  fr: {term: syndicat,")
    found = problems(content_copy)
    assert any("glossary 'payslip': 'xx' is not a language of content/" in p for p in found)
    assert any("glossary 'union' fr: needs {use: <term>, avoid: [<variant>, ...]}" in p for p in found)


def test_words_inside_facts_are_not_drift(content_copy):
    # The Spanish pages name {ke_pay_law_payslip}: a fact's id or value is not their wording.
    edit(
        content_copy / "glossary.yaml",
        "es: {use: recibo de pago, avoid: [",
        "es: {use: recibo de pago, avoid: [payslip, ",
    )
    assert "es" in load_navigator(content_copy).content.languages


def test_unknown_keys_in_pages_are_reported(content_copy):
    page = "privacy_phone:\n  buttons: []"
    edit(content_copy / "pages/core.yaml", page, page + "\n  colour: red")
    assert any("unknown key 'colour'" in p for p in problems(content_copy))


def test_invalid_yaml_is_reported_with_its_line(content_copy):
    (content_copy / "sw/ui.yaml").write_text('welcome: "ok"\nmenu_prompt: [unclosed\n')
    assert any(p.startswith("content/sw/ui.yaml:") and "invalid YAML" in p for p in problems(content_copy))


def test_unreachable_page_is_reported(content_copy):
    (content_copy / "pages" / "extra.yaml").write_text("orphan:\n  buttons: []\n")
    for lang in ("en", "es", "fr", "sw"):
        path = content_copy / lang / "pages" / "core.yaml"
        path.write_text(path.read_text() + '\norphan:\n  title: "x"\n  body: "y"\n')
    assert any("'orphan' cannot be reached" in p for p in problems(content_copy))


def test_country_page_needs_a_default(content_copy):
    page = "privacy_phone:\n  buttons: []"
    edit(content_copy / "pages/core.yaml", page, "privacy_phone:\n  by_country:\n    KE: help")
    assert any("needs a `default` page" in p for p in problems(content_copy))


def test_check_content_command_exits_1_with_file_and_line(content_copy, tmp_path):
    edit(content_copy / "sw/ui.yaml", "button_home:", "button_hom:")
    script = (
        "import sys, pathlib, app.cli as c; c.CONTENT_DIR = pathlib.Path(sys.argv[1]); "
        "sys.exit(c.main(['check-content']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(content_copy)], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "content/sw/ui.yaml:" in result.stderr and "button_hom" in result.stderr


def test_check_content_command_passes_on_the_real_content():
    result = subprocess.run(
        [sys.executable, "bot.py", "check-content"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "content OK" in result.stdout


def test_a_new_topic_needs_its_name_in_every_language(content_copy):
    (content_copy / "topics.yaml").write_text((content_copy / "topics.yaml").read_text() + "training: {}\n")
    found = problems(content_copy)
    for code in ("en", "es", "fr", "sw"):
        assert any(f"content/{code}/ui.yaml" in p and "'topic_training'" in p for p in found), code


def test_bad_topics_and_time_zones_name_their_line(content_copy):
    edit(content_copy / "topics.yaml", "events: {}", "Events!: {}\nlive: {invite: true}")
    edit(content_copy / "countries.yaml", "timezone: Africa/Nairobi", "timezone: Africa/Nairobbi")
    found = problems(content_copy)
    topics = content_copy / "topics.yaml"
    assert f"content/topics.yaml:{line_of(topics, 'Events!')}: topic 'Events!': use up to 16" in "\n".join(found)
    assert any(f"content/topics.yaml:{line_of(topics, 'live:')}" in p and "invite" in p for p in found)
    line = line_of(content_copy / "countries.yaml", "Nairobbi")
    assert any(f"content/countries.yaml:{line}" in p and "unknown time zone 'Africa/Nairobbi'" in p for p in found)


def test_a_screen_over_1000_visible_characters_names_page_language_and_length(content_copy):
    # Without the "---" that splits it, the French Indian grievance page is one long screen.
    pages = content_copy / "fr/pages/grievance.yaml"
    edit(pages, "    ---\n    Délai pour les demandes de salaire", "\n    Délai pour les demandes de salaire")
    line = line_of(pages, "griev_in:")
    french, arabic = problems(content_copy)  # Arabic borrows the page: its reader gets the long screen too
    assert re.fullmatch(
        rf"content/fr/pages/grievance\.yaml:{line}: page 'griev_in' \(fr\) screen 1 shows (\d+) characters, "
        r"more than 1000: shorten it or split its body with a --- line",
        french,
    )
    assert int(re.search(r"shows (\d+)", french).group(1)) > 1000
    assert re.fullmatch(
        rf"content/fr/pages/grievance\.yaml:{line}: page 'griev_in' \(ar, shown in fr\) screen 1 shows \d+ "
        r"characters, more than 1000: shorten it in fr or translate it or split its body with a --- line",
        arabic,
    )


def test_screen_length_counts_what_the_user_sees_not_the_link(content_copy):
    facts = content_copy / "facts/pay.yaml"
    long_url = "https://www.tuko.co.ke/" + "a" * 2000
    edit(
        facts,
        "  source: https://www.tuko.co.ke/business-economy/569398-nairobi-househelps-security-guards-earn-ksh-16k-minimum-wage-effect-november/",
        f"  source: {long_url}",
    )
    load_navigator(content_copy)  # a 2,000-character link shows as "tuko.co.ke": nothing to report
    edit(facts, f"  source: {long_url}", f"  source: {long_url}\n  source_name: {'Tuko ' * 150}")
    found = problems(content_copy)  # a 750-character name is shown in full: too long everywhere
    for code in ("en", "fr", "sw"):
        assert any(f"page 'pay_ke_min' ({code}) screen" in p and "more than 1000" in p for p in found), found


def test_profile_texts_over_telegrams_limits_are_reported(content_copy):
    ui_yaml = content_copy / "sw/ui.yaml"
    edit(ui_yaml, 'bot_short_description: "', 'bot_short_description: "' + "x" * 120)
    edit(ui_yaml, 'bot_description: "', 'bot_description: "' + "x" * 512)
    found = problems(content_copy)
    short_line, long_line = line_of(ui_yaml, "bot_short_description:"), line_of(ui_yaml, "bot_description:")
    assert any(
        p.startswith(f"content/sw/ui.yaml:{short_line}: bot_short_description is ") and "Telegram allows 120" in p
        for p in found
    ), found
    assert any(
        p.startswith(f"content/sw/ui.yaml:{long_line}: bot_description is ") and "Telegram allows 512" in p
        for p in found
    ), found


def test_a_minimum_wage_reference_names_an_existing_page_and_wage_and_hours_together(content_copy):
    countries = content_copy / "countries.yaml"
    edit(countries, "    - page: wage_ke_other\n", "    - page: wage_ke_nakuru\n      wage: ke_pay_min_cities\n")
    line = line_of(countries, "page: wage_ke_nakuru")
    found = problems(content_copy)
    assert f"content/countries.yaml:{line}: country 'KE': minimum_wages names no page 'wage_ke_nakuru'" in found
    assert any(f"countries.yaml:{line}: " in p and "wage and hours go together" in p for p in found)


def test_a_minimum_wage_reference_needs_a_money_fact_with_a_period(content_copy):
    edit(content_copy / "countries.yaml", "      wage: ke_pay_min_cities\n", "      wage: ke_pay_hours_month\n")
    assert any("minimum_wages item 1: wage must name a money fact with `per`" in p for p in problems(content_copy))


def test_a_checklist_names_an_existing_page(content_copy):
    edit(content_copy / "countries.yaml", "checklist: griev_ug_deadlines", "checklist: griev_ug_papers")
    assert any("country 'UG': checklist names no page 'griev_ug_papers'" in p for p in problems(content_copy))
