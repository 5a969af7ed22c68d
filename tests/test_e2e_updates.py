"""Workers choose updates, end to end through the sandbox in every language: the Updates
menu and /subscribe, quiet hours, /unsubscribe, invite links for invite-only topics and their
revocation, and Telegram telling the bot it was blocked."""

from datetime import UTC, datetime

import pytest

from bot.guide.navigation import Prefs
from bot.updates.subscriptions import INVITE_PREFIX, Quiet
from tests.conftest import ORGANIZER, Chatter

LANGUAGES = ["en", "es", "fr", "sw"]


def texts(bot, code: str):
    return bot.navigator.texts_for(Prefs(language=code), None)


def services(bot):
    return bot.app.bot_data["haki"]


def made_on(bot) -> str:
    """The date an invite made just now shows (UTC), as /invites lists it."""
    return datetime.now(UTC).strftime("%Y-%m-%d")


def topic_button(bot, code: str, topic: str, on: bool) -> str:
    t = texts(bot, code)
    return t.plain("updates_topic_on" if on else "updates_topic_off", topic=t.plain(f"topic_{topic}"))


@pytest.mark.parametrize("code", LANGUAGES)
async def test_subscribe_from_the_menu_set_quiet_hours_and_stop(organized, code):
    t = texts(organized, code)
    worker = Chatter(organized, 910_000 + ord(code[0]), language_code=code)
    menu = await worker.say("/start")
    screen = await worker.press(t.plain("button_updates"), menu)
    assert t.plain("updates_none") in screen.text
    # Invite-only topics are not offered to someone who was not invited.
    assert topic_button(organized, code, "organizing", on=False) not in worker.labels(screen)

    screen = await worker.press(topic_button(organized, code, "pay", on=False), screen)
    assert topic_button(organized, code, "pay", on=True) in worker.labels(screen)
    assert t.plain("topic_pay") in screen.text and t.plain("updates_none") not in screen.text
    subscription = await services(organized).subscriptions.get(worker.user.id)
    assert subscription.topics == {"pay": None} and subscription.language == code

    # Quiet hours: from 08:00 until 18:00, on the worker's clock.
    screen = await worker.press(t.plain("button_updates_quiet", quiet=t.plain("updates_quiet_none")), screen)
    screen = await worker.press("08:00", screen)
    assert "08:00" not in worker.labels(screen)  # the end cannot be the start
    screen = await worker.press("18:00", screen)
    assert "08:00–18:00" in screen.text
    assert (await services(organized).subscriptions.get(worker.user.id)).quiet == Quiet(8, 18)

    stopped = await worker.press(t.plain("button_updates_stop"), screen)
    assert stopped.text == t.plain("updates_stopped")
    assert await services(organized).subscriptions.get(worker.user.id) is None


@pytest.mark.parametrize("code", LANGUAGES)
async def test_subscribe_and_unsubscribe_commands(organized, code):
    t = texts(organized, code)
    worker = Chatter(organized, 920_000 + ord(code[0]), language_code=code)
    screen = await worker.say("/subscribe")
    await worker.press(topic_button(organized, code, "events", on=False), screen)
    assert (await services(organized).subscriptions.get(worker.user.id)).topics == {"events": None}
    assert (await worker.say("/unsubscribe")).text == t.plain("updates_stopped")
    assert await services(organized).subscriptions.get(worker.user.id) is None
    assert (await worker.say("/unsubscribe")).text == t.plain("updates_none")


async def test_news_about_a_country_and_the_clock_follow_the_worker(organized):
    t = texts(organized, "en")
    worker = Chatter(organized, 930_001)
    menu = await worker.say("/start")
    picker = await worker.press(t.plain("button_country_unset"), menu)
    await worker.press(t.country_name("PH"), picker)
    screen = await worker.say("/subscribe")
    screen = await worker.press(topic_button(organized, "en", "pay", on=False), screen)
    # A first subscription is about the worker's country, on that country's clock.
    assert t.plain("button_updates_country", country=t.country_name("PH")) in worker.labels(screen)
    clock = t.plain("updates_zone_country", country=t.country_name("PH"))
    screen = await worker.press(t.plain("button_updates_zone", zone=clock), screen)
    screen = await worker.press("+05:30", screen)
    assert t.plain("button_updates_zone", zone="UTC+05:30") in worker.labels(screen)
    screen = await worker.press(t.plain("button_updates_country", country=t.country_name("PH")), screen)
    screen = await worker.press(t.plain("updates_any_country"), screen)
    subscription = await services(organized).subscriptions.get(worker.user.id)
    assert subscription.country is None and subscription.zone == "UTC+05:30"


async def test_changing_language_changes_the_language_of_updates(organized):
    worker = Chatter(organized, 930_002)
    screen = await worker.say("/subscribe")
    await worker.press(topic_button(organized, "en", "pay", on=False), screen)
    picker = await worker.say("/language")
    await worker.press("Kiswahili", picker)
    assert (await services(organized).subscriptions.get(worker.user.id)).language == "sw"


@pytest.mark.parametrize("code", LANGUAGES)
async def test_an_invite_link_unlocks_a_topic_and_revoking_it_removes_the_topic(organized, code):
    t = texts(organized, code)
    organizer = Chatter(organized, ORGANIZER)
    made = await organizer.say("/invite organizing")
    assert made.protect_content
    link = next(word for word in made.text.split() if "?start=" in word)
    payload = link.split("?start=")[1]
    assert payload.startswith(INVITE_PREFIX)
    assert organized.sandbox.state.bot_user["username"] in link

    worker = Chatter(organized, 940_000 + ord(code[0]), language_code=code)
    joined = await worker.say(f"/start {payload}")
    assert t.plain("updates_joined", topic=t.plain("topic_organizing")) in joined.text
    assert topic_button(organized, code, "organizing", on=True) in worker.labels(joined)
    await worker.press(topic_button(organized, code, "events", on=False), joined)
    assert set((await services(organized).subscriptions.get(worker.user.id)).topics) == {"organizing", "events"}
    # The link itself is not in the database: only an HMAC of its token.
    raw = b"".join(p.read_bytes() for p in organized.data_dir.iterdir() if p.name.startswith("haki.sqlite3"))
    assert payload.removeprefix(INVITE_PREFIX).encode() not in raw

    listing = await organizer.say("/invites")
    en = texts(organized, "en")
    revoke = en.plain("invite_revoke", topic=en.plain("topic_organizing"), created=made_on(organized))
    assert organizer.labels(listing) == [revoke]
    after = await organizer.press(revoke, listing)
    assert "<10" in after.text
    assert (await services(organized).subscriptions.get(worker.user.id)).topics == {"events": None}

    again = await Chatter(organized, 950_000 + ord(code[0]), language_code=code).say(f"/start {payload}")
    assert t.plain("updates_invite_invalid") in again.text


async def test_revoking_the_only_topic_deletes_the_subscription_and_an_invite_only_topic_needs_the_link(organized):
    organizer = Chatter(organized, ORGANIZER)
    made = await organizer.say("/invite")
    made = await organizer.press(texts(organized, "en").plain("topic_organizing"), made)
    payload = next(word for word in made.text.split() if "?start=" in word).split("?start=")[1]
    worker = Chatter(organized, 960_001)
    await worker.say(f"/start {payload}")
    listing = await organizer.say("/invites")
    await organizer.press(listing.button_list[0].text, listing)
    assert await services(organized).subscriptions.get(worker.user.id) is None

    # Pressing the topic's button data without an invite changes nothing.
    screen = await worker.say("/subscribe")
    await worker.press_data("u:t:organizing", screen)
    assert await services(organized).subscriptions.get(worker.user.id) is None


async def test_blocking_the_bot_or_forget_removes_the_subscription(organized):
    t = texts(organized, "en")
    for user_id in (970_001, 970_002):
        worker = Chatter(organized, user_id)
        screen = await worker.say("/subscribe")
        await worker.press(topic_button(organized, "en", "pay", on=False), screen)
    await Chatter(organized, 970_001).press("Kiswahili", await Chatter(organized, 970_001).say("/language"))
    key = services(organized).pseudonyms.preferences(970_001)
    assert await services(organized).store.preferences.get_prefs(key) is not None
    await organized.settle(organized.sandbox.user(970_001).block())
    assert await services(organized).subscriptions.get(970_001) is None
    assert await services(organized).store.preferences.get_prefs(key) is None  # someone who left is forgotten
    assert await services(organized).subscriptions.get(970_002) is not None
    forgot = await Chatter(organized, 970_002).say("/forget")
    assert forgot.text.startswith(t.plain("forget_done")[:20])
    assert await services(organized).subscriptions.get(970_002) is None
