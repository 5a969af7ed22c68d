"""The fair-pay check, the letter builder and the crisis answer, end to end through the
sandbox in the three languages."""

from decimal import Decimal

import pytest

from bot.guide.navigation import Prefs
from tests.conftest import Chatter


def ui(bot, code: str, key: str) -> str:
    return bot.navigator.content.languages[code].ui[key]


def title_button(bot, code: str, page: str) -> str:
    return bot.navigator.content.languages[code].pages[page].button


def title(bot, code: str, page: str) -> str:
    return bot.navigator.content.languages[code].pages[page].title


async def open_country_page(person: Chatter, bot, code: str, router: str, country: str):
    """From /start: the topic's button, then the country, as a worker would."""
    menu = await person.say("/start")
    picker = await person.press(bot.navigator.content.languages[code].pages[router].button, menu)
    return await person.press(bot.navigator.texts_for(Prefs(language=code), None).country_name(country), picker)


@pytest.mark.parametrize(
    "code, amount, minutes", [("en", "25", "3"), ("es", "12,5", "1,5"), ("fr", "12,5", "1,5"), ("sw", "25", "3")]
)
async def test_fair_pay_check_from_a_country_page(haki, code, amount, minutes):
    person = Chatter(haki, 700 + ["en", "es", "fr", "sw"].index(code), language_code=code)
    page = await open_country_page(person, haki, code, "pay", "KE")
    question = await person.press(ui(haki, code, "button_fairpay"), page)
    assert question.text.startswith(ui(haki, code, "fairpay_unit").split(":")[0])
    await person.press(ui(haki, code, "fairpay_unit_task"), question)
    retry = await person.say("twenty five")
    assert retry.text.startswith(ui(haki, code, "form_not_number")[:20])
    await person.say(amount)
    await person.say(minutes)
    where = await person.say("10")
    # Kenya's minimum depends on the town: the worker picks theirs
    assert where.text == ui(haki, code, "fairpay_reference")
    result = await person.press(title_button(haki, code, "wage_ke_cities"), where)
    assert "KES" in result.text or "Ksh" in result.text
    assert ui(haki, code, "sources_title") in result.text
    # the reference named, and its hourly figure: 16,113.75 a month over 52 h/week x 52 / 12
    assert title(haki, code, "wage_ke_cities") in result.text
    t = haki.navigator.texts_for(Prefs(language=code), None)
    assert t.money(round(Decimal("16113.75") / (Decimal(52 * 52) / 12), 2), "KES") in result.text
    # The form is over: typing a number now is unexpected text again.
    after = await person.say("10")
    assert after.text.startswith(ui(haki, code, "unknown_text")[:15])


async def fair_pay_until_the_reference(person: Chatter, bot, country: str):
    page = await open_country_page(person, bot, "en", "pay", country)
    question = await person.press("🧮 Fair-pay check", page)
    await person.press("Per hour", question)
    await person.say("60")
    return await person.say("0")


async def test_a_kenyan_outside_the_three_cities_is_told_haki_has_no_figure_and_where_to_ask(haki):
    person = Chatter(haki, 720)
    where = await fair_pay_until_the_reference(person, haki, "KE")
    result = await person.press("🌍 Elsewhere in Kenya", where)
    assert "Kenya: other towns and areas" in result.text
    assert "Haki did not find those figures" in result.text and "Ask a labour office or a union" in result.text
    assert "below that minimum" not in result.text and "at or above" not in result.text
    assert "KES60.00 per hour" in result.text  # the worker still learns their own hourly pay


async def test_a_filipino_in_metro_manila_is_compared_with_the_ncr_daily_rate(haki):
    person = Chatter(haki, 721)
    where = await fair_pay_until_the_reference(person, haki, "PH")
    assert person.labels(where)[:2] == ["🏙️ Metro Manila (NCR)", "🌍 Another region"]
    result = await person.press("🏙️ Metro Manila (NCR)", where)
    assert "Compared with: Philippines: Metro Manila (NCR), outside agriculture." in result.text
    assert "₱695.00 per day. Over 8 legal working hours, that is ₱86.88 per hour." in result.text
    assert "31% below that minimum" in result.text  # 60 against 86.875


async def test_one_minimum_is_named_without_a_question(haki):
    person = Chatter(haki, 722)
    result = await fair_pay_until_the_reference(person, haki, "MA")
    assert "Compared with: Morocco: SMIG, outside agriculture." in result.text
    assert "MAD17.92 per hour" in result.text


async def test_leaving_the_form_drops_it(haki):
    person = Chatter(haki, 801)
    page = await open_country_page(person, haki, "en", "pay", "UG")
    question = await person.press("🧮 Fair-pay check", page)
    await person.press("Per hour", question)
    await person.say("/menu")
    assert (await person.say("5000")).text.startswith("I work with buttons")


@pytest.mark.parametrize("code", ["en", "es", "fr", "sw"])
async def test_letter_builder_sends_the_letter_as_text_and_file(haki, code):
    person = Chatter(haki, 810 + ["en", "es", "fr", "sw"].index(code), language_code=code)
    page = await open_country_page(person, haki, code, "grievance", "TZ")
    question = await person.press(ui(haki, code, "button_letter"), page)
    await person.press(ui(haki, code, "letter_problem_late"), question)
    await person.say("03/2026")
    skipped = await person.press(ui(haki, code, "form_skip"))
    ready = await person.press(ui(haki, code, "letter_request_pay"), skipped)
    assert ready.text.startswith(ui(haki, code, "letter_ready")[:15])
    document = person.user.documents[-1]
    assert document.file_name == ui(haki, code, "letter_filename")
    text = document.data.decode("utf-8")
    letter, papers = text.split(ui(haki, code, "letter_checklist_title"))
    assert "03/2026" in letter and "[" in letter
    assert ui(haki, code, "letter_says_late") in letter
    assert letter.strip() in ready.text  # the same letter, to copy
    # the file ends with Tanzania's papers: the checklist screen of its page, the CMA form filled in
    checklist = haki.navigator.content.languages[code].pages["griev_tz_deadlines"].body.split("\n---\n")[-1]
    assert checklist.splitlines()[0] in papers and "Form CMA F.1" in papers and "{" not in papers
    # sources written out on paper, each with the source's own date and the day it was checked
    form = haki.navigator.content.facts["tz_cma_form"]
    (line,) = [line for line in papers.splitlines() if "https://www.scribd.com/document/579546770/CMA-FORMS" in line]
    t = haki.navigator.texts_for(Prefs(language=code), None)
    assert t.published(form.published) in line and t.short_date(form.checked) in line
    # the screen only says the checklist is in the file
    assert ui(haki, code, "letter_checklist") in ready.text and checklist.splitlines()[1] not in ready.text


async def test_the_letter_of_a_worker_in_another_country_ends_with_the_international_checklist(haki):
    person = Chatter(haki, 830)
    menu = await person.say("/start")
    picker = await person.press(title_button(haki, "en", "grievance"), menu)
    page = await person.press(ui(haki, "en", "country_other"), picker)
    question = await person.press(ui(haki, "en", "button_letter"), page)
    await person.press(ui(haki, "en", "letter_problem_unpaid"), question)
    await person.say("May")
    await person.say("100")
    await person.press(ui(haki, "en", "letter_request_pay"))
    papers = person.user.documents[-1].data.decode("utf-8").split(ui(haki, "en", "letter_checklist_title"))[1]
    intl = haki.navigator.content.languages["en"].pages["griev_intl_deadlines"].body.split("\n---\n")[-1]
    assert intl.strip() in papers
    assert "CMA" not in papers and "M-Pesa" not in papers  # no other country's papers


@pytest.mark.parametrize(
    "code, text",
    [
        ("en", "I want to end my life"),
        ("en", "SUIIICIDE"),
        ("fr", "je veux me suicider"),
        ("sw", "nataka kujiua"),
        ("es", "quiero morir"),
    ],
)
async def test_words_about_suicide_get_emergency_numbers_first(haki, code, text):
    """No country known yet: that Haki is automatic and nobody reads, then every country's
    emergency number at once, no tap needed, then the country buttons; all under 600 characters."""
    person = Chatter(haki, 900 + len(text), language_code=code)
    reply = await person.say(text)
    lines = reply.text.split("\n")
    assert lines[0] == ui(haki, code, "crisis_automated")
    assert lines[1] == ui(haki, code, "crisis_emergencies")
    countries = haki.navigator.content.countries
    t = haki.navigator.texts_for(Prefs(language=code), None)
    expected = [t.fact(c.emergency) for c in countries.values()]
    assert [line.split(": ", 1)[1].split(" : ", 1)[-1] for line in lines[2 : 2 + len(countries)]] == expected
    assert len(reply.text) < 600
    labels = person.labels(reply)
    assert labels[: len(countries)] == [title_button(haki, code, f"helpl_{c.lower()}") for c in countries]
    assert len(person.user.bot_messages) == 1  # nothing else was said before or after


async def test_crisis_words_in_the_middle_of_a_form_still_come_first(haki):
    person = Chatter(haki, 950)
    page = await open_country_page(person, haki, "en", "pay", "KE")
    question = await person.press("🧮 Fair-pay check", page)
    await person.press("Per task", question)
    reply = await person.say("i dont want to live anymore")
    assert reply.text.startswith("I am an automatic assistant: nobody reads this chat.")
    assert "🚑 Emergency: 999" in reply.text  # Kenya's, the country this worker chose
    more = await person.press(ui(haki, "en", "crisis_more"), reply)
    assert title(haki, "en", "helpl_ke") in more.text and "999" in more.text and "checked on" in more.text


async def test_a_24_hour_line_comes_before_the_emergency_number(haki):
    person = Chatter(haki, 951)
    await open_country_page(person, haki, "en", "pay", "PH")
    reply = await person.say("I want to kill myself")
    lines = reply.text.split("\n")
    assert lines[0].startswith("I am an automatic assistant")
    assert lines[1] == "📞 24-hour helpline: 1553" and lines[2] == "🚑 Emergency: 911"


@pytest.mark.parametrize("text", ["this deadline is killing me", "I'm dying to know my pay", "kill the process"])
async def test_ordinary_phrases_raise_no_alarm(haki, text):
    person = Chatter(haki, 990)
    reply = await person.say(text)
    assert reply.text.startswith("I work with buttons")


def test_the_crisis_answer_of_every_country_and_language_puts_numbers_in_order(navigator):
    """For each offered language and each country (and none): the automated-assistant line,
    then the 24-hour line where one is verified, then the emergency number; under 600 characters."""
    content = navigator.content
    for code in navigator.languages:
        t = navigator.texts_for(Prefs(language=code), None)
        for country in content.countries.values():
            screen = navigator.crisis_help(t, Prefs(language=code, country=country.code))
            lines = screen.plain_text.split("\n")
            expected = [t.ui("crisis_automated")]
            if country.crisis_line:
                expected.append(t.ui("crisis_line", number=t.fact(country.crisis_line)))
            expected.append(t.ui("crisis_emergency", number=t.fact(country.emergency)))
            assert lines[: len(expected)] == expected, (code, country.code)
            assert len(screen.plain_text) < 600
        unknown = navigator.crisis_help(t, Prefs(language=code)).plain_text
        assert unknown.split("\n")[:2] == [t.ui("crisis_automated"), t.ui("crisis_emergencies")]
        assert len(unknown) < 600
