"""Updates in Telegram (bot/updates/): for workers, the Updates menu and /subscribe,
/unsubscribe, invite links (/start i_<token>), and Telegram telling us the worker blocked the
bot; for organizers (handlers/roles.py refuses everyone else), /invite and /invites."""

from __future__ import annotations

import asyncio

from telegram import ChatMember, Update
from telegram.ext import ContextTypes

from bot.ui.screens import Screen
from bot.ui.texts import Texts
from bot.updates import invites as invite_links
from bot.updates import menu as updates_menu
from handlers import flows, memory, screens
from handlers.services import Services, viewer


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    flows.end(context)
    s, t, prefs = await viewer(update, context)
    current = await s.subscriptions.get(update.effective_user.id)
    screen = updates_menu.main_screen(t, s.navigator.content, current, prefs.country)
    await screens.send(context, update.effective_chat.id, screen)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    flows.end(context)
    s, t, _ = await viewer(update, context)
    stopped = await s.subscriptions.stop(update.effective_user.id)
    await screens.send(context, update.effective_chat.id, updates_menu.stopped_screen(t, stopped))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    flows.end(context)
    s, t, prefs = await viewer(update, context)
    user_id, content = query.from_user.id, s.navigator.content
    current = await s.subscriptions.get(user_id)
    step = updates_menu.on_press(query.data or "", t, content, current, prefs.country)
    if step.stop:
        screen = updates_menu.stopped_screen(t, await s.subscriptions.stop(user_id))
    elif step.screen is not None:
        screen = step.screen
    else:
        if step.subscription is not None:
            current = await s.subscriptions.save(user_id, update.effective_chat.id, step.subscription)
        screen = updates_menu.main_screen(t, content, current, prefs.country)
    await asyncio.gather(query.answer(step.toast), screens.edit(context, query, screen))


async def join(update: Update, context: ContextTypes.DEFAULT_TYPE, token: str) -> None:
    """/start with an invite link's payload: unlock and subscribe to its topic."""
    s, t, prefs = await viewer(update, context)
    content = s.navigator.content
    base = updates_menu.new_subscription(t, content, prefs.country)
    topic = await s.subscriptions.join(update.effective_user.id, update.effective_chat.id, base, token)
    current = await s.subscriptions.get(update.effective_user.id)
    screen = updates_menu.main_screen(t, content, current, prefs.country)
    if topic is None:
        notice = t.ui("updates_invite_invalid")
    else:
        notice = t.ui("updates_joined", topic=updates_menu.topic_name(t, topic))
    await screens.send(context, update.effective_chat.id, screen.with_notice(notice))


async def member_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """my_chat_member: the worker blocked the bot (or their account is gone): forget them."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        # Someone who blocks the bot has left: nothing about them is kept, choices included.
        s, _, _ = await viewer(update, context)
        await s.subscriptions.stop(change.from_user.id)
        await s.preferences.forget(change.from_user.id)
        memory.forget_chat(context.application, change.chat.id, change.from_user.id)


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/invite [topic]: a new link, or the topics to choose from."""
    s, t, _ = await viewer(update, context)
    wanted = (context.args or [""])[0].lower()
    if wanted in invite_links.locked_topics(s.navigator.content):
        screen = await _created(context, s, t, wanted)
    else:
        screen = invite_links.choose_screen(t, s.navigator.content)
    await screens.send(context, update.effective_chat.id, screen)


async def invites(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/invites: the live links, each with a Revoke button."""
    s, t, _ = await viewer(update, context)
    await screens.send(context, update.effective_chat.id, invite_links.list_screen(t, await s.subscriptions.invites()))


async def invite_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    s, t, _ = await viewer(update, context)
    press = invite_links.parse(query.data or "", s.navigator.content)
    if press.topic is not None:
        screen = await _created(context, s, t, press.topic)
    elif press.invite_id is not None:
        removed = await s.subscriptions.revoke(press.invite_id)
        listing = invite_links.list_screen(t, await s.subscriptions.invites())
        screen = listing.with_notice(invite_links.revoked_notice(t, removed))
    else:
        screen = invite_links.list_screen(t, await s.subscriptions.invites())
    await asyncio.gather(query.answer(), screens.edit(context, query, screen))


async def _created(context, s: Services, t: Texts, topic: str) -> Screen:
    token = await s.subscriptions.create_invite(topic)
    return invite_links.created_screen(t, topic, invite_links.link(context.bot.username, token))
