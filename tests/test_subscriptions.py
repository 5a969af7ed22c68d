"""Quiet hours and clocks of updates (bot/updates/subscriptions.py), and who a broadcast reaches."""

from datetime import UTC, datetime

import pytest

from bot.privacy.chat_cipher import ChatCipher
from bot.privacy.pseudonyms import Pseudonyms
from bot.store import Store
from bot.updates.subscriptions import OFFSETS, Quiet, Subscription, Subscriptions, next_send_time, parse_offset, zone_of

SECRET = b"k" * 40


def at(hour: int, minute: int = 0, day: int = 30) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_quiet_hours_hold_a_message_until_they_end_on_the_workers_clock(navigator):
    nairobi = zone_of(Subscription("en", country="KE"), navigator.content)  # UTC+3, no daylight saving
    work = Quiet(8, 18)
    # 06:30 UTC is 09:30 in Nairobi, inside 08-18: it waits until 18:00 Nairobi = 15:00 UTC.
    assert next_send_time(at(6, 30), work, nairobi) == at(15)
    # 16:00 UTC is 19:00 in Nairobi: free to send now.
    assert next_send_time(at(16), work, nairobi) == at(16)
    # Exactly at the end it may go; exactly at the start it may not.
    assert next_send_time(at(15), work, nairobi) == at(15)
    assert next_send_time(at(5), work, nairobi) == at(15)


def test_quiet_hours_across_midnight(navigator):
    manila = zone_of(Subscription("en", country="PH"), navigator.content)  # UTC+8
    night = Quiet(22, 6)
    # 15:00 UTC = 23:00 Manila: waits until 06:00 Manila the next day = 22:00 UTC today.
    assert next_send_time(at(15), night, manila) == at(22)
    # 20:00 UTC = 04:00 Manila (next day): waits until 06:00 Manila = 22:00 UTC.
    assert next_send_time(at(20), night, manila) == at(22)
    # 23:00 UTC = 07:00 Manila: fine.
    assert next_send_time(at(23), night, manila) == at(23)


def test_a_chosen_offset_wins_over_the_country_and_no_country_means_utc(navigator):
    content = navigator.content
    assert zone_of(Subscription("en", country="KE", zone="UTC+05:30"), content).utcoffset(None).seconds == 5.5 * 3600
    assert zone_of(Subscription("en"), content) is UTC
    assert next_send_time(at(10), Quiet(9, 17), zone_of(Subscription("en"), content)) == at(17)
    assert "UTC+05:45" in OFFSETS and "UTC-03:00" in OFFSETS
    with pytest.raises(ValueError):
        parse_offset("UTC+99:00")


@pytest.mark.parametrize("start, end", [(3, 3), (-1, 5), (5, 24)])
def test_quiet_hours_must_be_two_different_hours_of_the_day(start, end):
    with pytest.raises(ValueError):
        Quiet(start, end)


async def test_audience_filters_by_language_country_and_topic_and_times_quiet_hours(navigator, tmp_path):
    store = await Store.open(tmp_path / "haki.sqlite3")
    try:
        subs = Subscriptions(store.subscriptions, Pseudonyms(SECRET), ChatCipher(SECRET), navigator.content)
        await subs.save(1, 1, Subscription("en", {"pay": None}, "KE"))
        await subs.save(2, 2, Subscription("sw", {"pay": None, "events": None}, "TZ", Quiet(8, 18)))
        await subs.save(3, 3, Subscription("fr", {"events": None}, None))
        await subs.save(4, 4, Subscription("en", {}, "KE"))  # no topic: not subscribed at all
        now = at(6, 30)  # 09:30 in Dar es Salaam: inside 2's quiet hours

        everyone = await subs.audience(["en", "fr", "sw"], None, ["pay", "events"], now)
        assert len(everyone) == 3
        held = [r for r in everyone if r.not_before]
        assert len(held) == 1 and held[0].language == "sw" and held[0].not_before == at(15).timestamp()

        assert [r.language for r in await subs.audience(["en", "fr", "sw"], ["KE"], ["pay"], now)] == ["en"]
        # Someone who wants news about any country only gets broadcasts meant for every country.
        assert await subs.audience(["fr"], ["KE", "TZ"], ["events"], now) == []
        assert await subs.audience(["en"], None, ["events"], now) == []
        assert await subs.get(4) is None
    finally:
        await store.close()


async def test_the_database_alone_names_no_subscriber(navigator, tmp_path):
    path = tmp_path / "haki.sqlite3"
    store = await Store.open(path)
    chat = 987654321012
    try:
        subs = Subscriptions(store.subscriptions, Pseudonyms(SECRET), ChatCipher(SECRET), navigator.content)
        await subs.save(chat, chat, Subscription("en", {"pay": None}, "KE"))
    finally:
        await store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("haki.sqlite3"))
    for form in (str(chat).encode(), chat.to_bytes(8, "big"), chat.to_bytes(8, "little")):
        assert form not in raw


async def test_leaving_unlinks_every_broadcast_row_but_keeps_the_counts(navigator, tmp_path):
    from bot.store.broadcasts import Outcome

    store = await Store.open(tmp_path / "haki.sqlite3")
    try:
        subs = Subscriptions(store.subscriptions, Pseudonyms(SECRET), ChatCipher(SECRET), navigator.content)
        for user in (1, 2):
            await subs.save(user, user, Subscription("en", {"pay": None}, "KE", Quiet(8, 18)))
        (first, second) = sorted(await subs.audience(["en"], None, ["pay"], at(10)), key=lambda r: r.id)
        sent = await store.broadcasts.create_broadcast({"en": "a"}, [first, second])
        await store.broadcasts.record_outcomes([Outcome(sent, first.id, "sent"), Outcome(sent, second.id, "sent")])
        waiting = await store.broadcasts.create_broadcast({"en": "b"}, [first, second])
        before = await store.broadcasts.outbox_counts(sent)

        await store.subscriptions.delete_subscription_id(first.id)
        rows = await store._database.connection.execute_fetchall(
            "SELECT broadcast_id, recipient, not_before FROM outbox"
        )
        assert not [row for row in rows if row[1] == first.id]  # nothing says what they received
        assert await store.broadcasts.outbox_counts(sent) == before  # the organizer's counts stay right
        assert (await store.broadcasts.outbox_counts(waiting))["pending"] == 1  # their waiting message is gone
        assert all(row[2] == 0 for row in rows if row[0] == sent)  # no quiet hours left in sent rows
    finally:
        await store.close()
