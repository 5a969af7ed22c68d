"""Every topic for every country, in every language, from the main menu: what a worker in
each place sees after two taps."""

import pytest

from bot.guide.navigation import Prefs
from bot.ui import callbacks
from tests.conftest import Chatter

COUNTRIES = ["KE", "UG", "TZ", "MG", "MA", "PH", "IN", "VE", callbacks.OTHER_COUNTRY]
TOPICS = [("pay", "pay"), ("grievance", "grievance"), ("health", "helplines")]


@pytest.mark.parametrize("code", ["en", "es", "fr", "sw"])
@pytest.mark.parametrize("country", COUNTRIES)
async def test_each_topic_for_each_country(haki, code, country):
    content = haki.navigator.content
    pages = content.languages[code].pages
    t = haki.navigator.texts_for(Prefs(language=code), None)
    person = Chatter(
        haki, 3000 + COUNTRIES.index(country) * 10 + ["en", "es", "fr", "sw"].index(code), language_code=code
    )
    menu = await person.say("/start")
    label = t.plain("country_other") if country == callbacks.OTHER_COUNTRY else t.country_name(country)
    await person.press(pages["pay"].button, menu)
    await person.press(label)  # asked once...
    for topic, router in TOPICS:
        await person.say("/menu")
        if topic != router:
            await person.press(pages[topic].button)
        shown = await person.press(pages[router].button)  # ...then remembered for every topic
        spec = content.pages[router]
        target = spec.by_country.get(country, spec.by_country["default"])
        assert shown.text.startswith(pages[target].title.split(":")[0]), (topic, shown.text[:80])
        if code != "en":
            assert pages[target].body != content.languages["en"].pages[target].body
