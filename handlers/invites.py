"""Invite links for invite-only topics (content/topics.yaml): /invite makes one, /invites
lists them with a Revoke button each. Only organizers get here (handlers/roles.py).

  iv:n:<topic>   make a link for this topic      iv:r:<invite id>   revoke that link
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ContextTypes

from bot.privacy.disclosure import THRESHOLD
from bot.ui.screens import Button, Screen
from bot.ui.texts import Texts
from bot.updates.menu import topic_name
from bot.updates.subscriptions import INVITE_PREFIX
from handlers import screens
from handlers.services import Services, viewer

PREFIX = "iv"


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/invite [topic]: a new link, or the topics to choose from."""
    s, t, _ = await viewer(update, context)
    wanted = (context.args or [""])[0].lower()
    locked = [tid for tid, topic in s.navigator.content.topics.items() if topic.invite_only]
    if wanted in locked:
        screen = await _created(context, s, t, wanted)
    else:
        rows = tuple((Button(topic_name(t, tid), f"{PREFIX}:n:{tid}"),) for tid in locked)
        screen = Screen(t.ui("invite_choose"), rows)
    await screens.send(context, update.effective_chat.id, screen)


async def invites(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/invites: the live links, each with a Revoke button."""
    s, t, _ = await viewer(update, context)
    await screens.send(context, update.effective_chat.id, await _list(s, t))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    s, t, _ = await viewer(update, context)
    _, action, value = ((query.data or "") + "::").split(":")[:3]
    if action == "n" and value in s.navigator.content.topics and s.navigator.content.topics[value].invite_only:
        screen = await _created(context, s, t, value)
    elif action == "r":
        removed = await s.subscriptions.revoke(value)
        listing = await _list(s, t)
        if removed is None:
            screen = listing.with_notice(t.ui("invite_gone"))
        else:
            screen = listing.with_notice(t.ui("invite_revoked", count=_count(t, removed)))
    else:
        screen = await _list(s, t)
    await asyncio.gather(query.answer(), screens.edit(context, query, screen))


async def _created(context, s: Services, t: Texts, topic: str) -> Screen:
    token = await s.subscriptions.create_invite(topic)
    link = f"https://t.me/{context.bot.username}?start={INVITE_PREFIX}{token}"
    return Screen(t.ui("invite_created", topic=topic_name(t, topic), link=link), protected=True)


async def _list(s: Services, t: Texts) -> Screen:
    found = await s.subscriptions.invites()
    if not found:
        return Screen(t.ui("invite_none"))
    rows = tuple(
        (Button(t.plain("invite_revoke", topic=topic_name(t, topic), created=created[:10]), f"{PREFIX}:r:{invite_id}"),)
        for invite_id, topic, created in found
    )
    return Screen(t.ui("invite_list"), rows)


def _count(t: Texts, n: int) -> str:
    return f"<{THRESHOLD}" if 0 < n < THRESHOLD else t.number(n)
