"""The Updates menu (main menu → Updates, or /subscribe): a worker's choices as screens.

Callback data, all under "u":
  u               the Updates screen            u:t:<topic>      add or remove a topic
  u:c             which country the news is about     u:c:<CC>|u:c:*   set it (* = any)
  u:q             quiet hours: from what hour   u:q:<h>          ... until what hour
  u:q:<h>:<h>     set them                      u:q:-            no quiet hours
  u:z             time zone picker              u:z:UTC+0530|u:z:*  set it (* = the country's)
  u:stop          stop every update

  Updates ──t──▶ Updates (topic added or removed; the first one subscribes)
     ├─c─▶ country list ──▶ Updates
     ├─q─▶ start hour ──▶ end hour ──▶ Updates
     ├─z─▶ offsets ──▶ Updates
     └─stop─▶ "stopped"
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo

from bot.content.model import Content
from bot.content.schema import TOPIC_UI_PREFIX
from bot.ui import callbacks
from bot.ui.screens import Button, Screen
from bot.ui.texts import Texts
from bot.updates.subscriptions import OFFSETS, Quiet, Subscription, zone_of

PREFIX = callbacks.UPDATES
ANY = "*"
_OFFSET_OF = {name.replace(":", ""): name for name in OFFSETS}  # in callback data ':' separates fields


@dataclass(frozen=True)
class Step:
    """What a press asks for: a new subscription to save, and/or a screen to show."""

    screen: Screen | None = None  # None: show the Updates screen of the (saved) subscription
    subscription: Subscription | None = None  # to save (a topic left → deleted)
    stop: bool = False
    toast: str | None = None


def topic_name(t: Texts, topic: str) -> str:
    return t.plain(TOPIC_UI_PREFIX + topic)


def main_screen(t: Texts, content: Content, subscription: Subscription | None, pref_country: str | None) -> Screen:
    sub = subscription or Subscription(t.code)
    offered = [tid for tid, topic in content.topics.items() if not topic.invite_only or tid in sub.topics]
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                t.plain("updates_topic_on" if tid in sub.topics else "updates_topic_off", topic=topic_name(t, tid)),
                f"{PREFIX}:t:{tid}",
            ),
        )
        for tid in offered
    ]
    if subscription is None:
        status = t.ui("updates_none")
    else:
        rows += [
            (Button(t.plain("button_updates_country", country=_country(t, sub.country)), f"{PREFIX}:c"),),
            (Button(t.plain("button_updates_quiet", quiet=_quiet(t, sub.quiet)), f"{PREFIX}:q"),),
            (Button(t.plain("button_updates_zone", zone=_zone(t, content, sub, pref_country)), f"{PREFIX}:z"),),
            (Button(t.plain("button_updates_stop"), f"{PREFIX}:stop"),),
        ]
        status = t.ui(
            "updates_status",
            topics=", ".join(topic_name(t, tid) for tid in content.topics if tid in sub.topics),
            country=_country(t, sub.country),
            quiet=_quiet(t, sub.quiet),
        )
    rows.append((Button(t.plain("button_home"), callbacks.HOME),))
    return Screen(f"{t.ui('updates_intro')}\n\n{status}", tuple(rows))


def stopped_screen(t: Texts, stopped: bool) -> Screen:
    """After /unsubscribe or Stop: what happened, and the way back to updates or the menu."""
    rows = ((Button(t.plain("button_updates"), PREFIX), Button(t.plain("button_home"), callbacks.HOME)),)
    return Screen(t.ui("updates_stopped" if stopped else "updates_none"), rows)


def on_press(
    data: str, t: Texts, content: Content, subscription: Subscription | None, pref_country: str | None
) -> Step:
    """The answer to a press of an Updates button; unknown data just shows the Updates screen."""
    parts = data.split(":")[1:] if data.startswith(f"{PREFIX}:") else []
    base = subscription or new_subscription(t, content, pref_country)
    base = replace(base, language=t.code)  # updates come in the language the worker uses now
    match parts:
        case ["t", topic] if topic in content.topics:
            if content.topics[topic].invite_only and topic not in base.topics:
                return Step(toast=t.plain("updates_topic_locked"))
            return Step(subscription=base.toggled(topic))
        case ["stop"]:
            return Step(stop=True)
        case _ if subscription is None:
            return Step()  # settings of a subscription that no longer exists
        case ["c"]:
            return Step(_country_picker(t, content))
        case ["c", code] if code == ANY or code in content.countries:
            return Step(subscription=replace(base, country=None if code == ANY else code))
        case ["q"]:
            return Step(_hour_picker(t, content, base, pref_country, "updates_quiet_start", f"{PREFIX}:q:", none=True))
        case ["q", "-"]:
            return Step(subscription=replace(base, quiet=None))
        case ["q", start] if _hour(start) is not None:
            return Step(
                _hour_picker(
                    t, content, base, pref_country, "updates_quiet_end", f"{PREFIX}:q:{start}:", skip=int(start)
                )
            )
        case ["q", start, end] if _hour(start) is not None and _hour(end) is not None and start != end:
            return Step(subscription=replace(base, quiet=Quiet(int(start), int(end))))
        case ["z"]:
            return Step(_zone_picker(t, content, base, pref_country))
        case ["z", zone] if zone == ANY or zone in _OFFSET_OF:
            return Step(subscription=replace(base, zone=_OFFSET_OF.get(zone)))
    return Step()


def new_subscription(t: Texts, content: Content, pref_country: str | None) -> Subscription:
    """A first subscription: news about the worker's country when Haki knows it."""
    return Subscription(t.code, country=pref_country if pref_country in content.countries else None)


def _hour(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 <= int(value) <= 23 else None


def _country(t: Texts, code: str | None) -> str:
    return t.plain("updates_any_country") if code is None else t.country_name(code)


def _quiet(t: Texts, quiet: Quiet | None) -> str:
    if quiet is None:
        return t.plain("updates_quiet_none")
    return f"{quiet.start:02d}:00–{quiet.end:02d}:00"


def _zone(t: Texts, content: Content, sub: Subscription, pref_country: str | None) -> str:
    if sub.zone:
        return sub.zone
    country = sub.country or pref_country
    if country in content.countries and content.countries[country].timezone:
        return t.plain("updates_zone_country", country=t.country_name(country))
    return "UTC"


def _country_picker(t: Texts, content: Content) -> Screen:
    names = [(t.plain("updates_any_country"), f"{PREFIX}:c:{ANY}")]
    names += [(t.country_name(cc), f"{PREFIX}:c:{cc}") for cc in content.countries]
    rows = tuple(tuple(Button(label, data) for label, data in names[i : i + 2]) for i in range(0, len(names), 2))
    return Screen(t.ui("updates_country_prompt"), (*rows, _back(t)))


def _hour_picker(
    t: Texts,
    content: Content,
    sub: Subscription,
    pref_country: str | None,
    key: str,
    data: str,
    none: bool = False,
    skip: int | None = None,
) -> Screen:
    hours = [Button(f"{h:02d}:00", f"{data}{h}") for h in range(24) if h != skip]
    rows = [tuple(hours[i : i + 4]) for i in range(0, len(hours), 4)]
    if none:
        rows.append((Button(t.plain("button_quiet_none"), f"{PREFIX}:q:-"),))
    text = t.ui(key, zone=_zone(t, content, sub, pref_country))
    return Screen(text, (*rows, _back(t)))


def _zone_picker(t: Texts, content: Content, sub: Subscription, pref_country: str | None) -> Screen:
    country = sub.country or pref_country
    rows: list[tuple[Button, ...]] = []
    if country in content.countries and content.countries[country].timezone:
        rows.append((Button(t.plain("updates_zone_country", country=t.country_name(country)), f"{PREFIX}:z:{ANY}"),))
    offsets = [Button(name.removeprefix("UTC"), f"{PREFIX}:z:{code}") for code, name in _OFFSET_OF.items()]
    rows += [tuple(offsets[i : i + 4]) for i in range(0, len(offsets), 4)]
    now = zone_of(sub, content, pref_country)
    return Screen(
        t.ui("updates_zone_prompt", zone=_zone(t, content, sub, pref_country), now=_clock(now)), (*rows, _back(t))
    )


def _clock(zone: tzinfo) -> str:
    return datetime.now(UTC).astimezone(zone).strftime("%H:%M")


def _back(t: Texts) -> tuple[Button, ...]:
    return (Button(t.plain("button_back"), PREFIX), Button(t.plain("button_home"), callbacks.HOME))
