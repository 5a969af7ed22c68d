"""Invite links for invite-only topics (content/topics.yaml), as organizers see them: /invite
makes one, /invites lists them with a Revoke button each.

  iv:n:<topic>   make a link for this topic      iv:r:<invite id>   revoke that link
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.model import Content
from bot.privacy.disclosure import THRESHOLD
from bot.ui import callbacks
from bot.ui.screens import Button, Screen
from bot.ui.texts import Texts
from bot.updates.menu import topic_name
from bot.updates.subscriptions import INVITE_PREFIX

PREFIX = callbacks.INVITES


@dataclass(frozen=True)
class Press:
    """What an organizer's button asks for: a new link for `topic`, revoking `invite_id`, or the list."""

    topic: str | None = None
    invite_id: str | None = None


def locked_topics(content: Content) -> list[str]:
    return [tid for tid, topic in content.topics.items() if topic.invite_only]


def parse(data: str, content: Content) -> Press:
    _, action, value = (data + "::").split(":")[:3]
    if action == "n" and value in locked_topics(content):
        return Press(topic=value)
    if action == "r":
        return Press(invite_id=value)
    return Press()


def choose_screen(t: Texts, content: Content) -> Screen:
    rows = tuple((Button(topic_name(t, tid), f"{PREFIX}:n:{tid}"),) for tid in locked_topics(content))
    return Screen(t.ui("invite_choose"), rows)


def link(bot_username: str, token: str) -> str:
    """The link a worker opens: Telegram starts the bot with the invite as /start's payload."""
    return f"https://t.me/{bot_username}?start={INVITE_PREFIX}{token}"


def created_screen(t: Texts, topic: str, url: str) -> Screen:
    return Screen(t.ui("invite_created", topic=topic_name(t, topic), link=url), protected=True)


def list_screen(t: Texts, found: list[tuple[str, str, str]]) -> Screen:
    """The live links (id, topic, created at), each with a Revoke button."""
    if not found:
        return Screen(t.ui("invite_none"))
    rows = tuple(
        (Button(t.plain("invite_revoke", topic=topic_name(t, topic), created=created[:10]), f"{PREFIX}:r:{invite_id}"),)
        for invite_id, topic, created in found
    )
    return Screen(t.ui("invite_list"), rows)


def revoked_notice(t: Texts, removed: int | None) -> str:
    """After Revoke: how many subscriptions lost the topic, or that the link was already gone."""
    if removed is None:
        return t.ui("invite_gone")
    count = f"<{THRESHOLD}" if 0 < removed < THRESHOLD else t.number(removed)
    return t.ui("invite_revoked", count=count)
