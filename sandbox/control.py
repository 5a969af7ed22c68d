"""HTTP control endpoints under /sandbox/, so another process (a benchmark) can play the users
and watch the bot. sandbox.remote.RemoteSandbox is the matching client."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .events import Event

if TYPE_CHECKING:
    from .emulator import Sandbox
    from .users import SandboxUser

Handler = Callable[[web.Request], Awaitable[Any]]
_MAX_EVENTS_PER_ANSWER = 5000


def add_control_routes(app: web.Application, sandbox: Sandbox) -> None:
    def route(method: str, path: str, handler: Handler) -> None:
        async def wrapped(request: web.Request) -> web.Response:
            try:
                result = await handler(request)
            except (LookupError, ValueError, TypeError) as exc:  # bad input from the driver
                return _json({"error": str(exc)}, status=400)
            return _json(result)

        app.router.add_route(method, f"/sandbox{path}", wrapped)

    async def body(request: web.Request) -> dict[str, Any]:
        data = await request.json() if request.body_exists else {}
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return data

    def user(request: web.Request, data: dict[str, Any] | None = None) -> SandboxUser:
        data = data or {}
        return sandbox.user(
            int(request.match_info["user_id"]),
            first_name=data.get("first_name"),
            language_code=data.get("language_code", "en"),
        )

    async def send_text(request: web.Request) -> Any:
        data = await body(request)
        return {"update_id": user(request, data).send_text(str(data["text"]))}

    async def press(request: web.Request) -> Any:
        data = await body(request)
        message_id = int(data["message_id"])
        if "index" in data:
            return {"update_id": user(request).press_button(message_id, int(data["index"]))}
        return {"update_id": user(request).press(message_id, str(data["data"]))}

    async def block(request: web.Request) -> Any:
        return {"update_id": user(request).block()}

    async def unblock(request: web.Request) -> Any:
        return {"update_id": user(request).unblock()}

    async def messages(request: web.Request) -> Any:
        chat = sandbox.chat(int(request.match_info["chat_id"]))
        return {"messages": [m.to_json() | {"edit_count": m.edit_count} for m in chat.visible_messages]}

    async def events(request: web.Request) -> Any:
        after = int(request.query.get("after", 0))
        timeout = float(request.query.get("timeout", 0))
        limit = min(int(request.query.get("limit", _MAX_EVENTS_PER_ANSWER)), _MAX_EVENTS_PER_ANSWER)
        log = sandbox.log
        if log.last_seq <= after and timeout > 0:
            with contextlib.suppress(TimeoutError):
                await log.wait_until(lambda: log.last_seq > after, timeout)
        found = log.after(after, limit)
        return {"events": [_event_json(e) for e in found], "last_seq": log.last_seq}

    async def delivered(request: web.Request) -> Any:
        update_id = int(request.match_info["update_id"])
        timeout = float(request.query.get("timeout", 5))
        confirmed = request.query.get("confirmed") in ("1", "true")
        wait = sandbox.wait_confirmed if confirmed else sandbox.wait_delivered
        try:
            await wait(update_id, timeout)
        except TimeoutError:
            return {"delivered": False}
        except LookupError:  # dropped: it will never arrive
            return {"delivered": False, "dropped": True}
        return {"delivered": True}

    async def stats(request: web.Request) -> Any:
        return sandbox.stats()

    async def add_fault(request: web.Request) -> Any:
        data = await body(request)
        kind = data.pop("kind")
        injectors: dict[str, Callable[..., None]] = {
            "fail_next": sandbox.fail_next,
            "fail_for": sandbox.fail_for,
            "hang": sandbox.hang,
        }
        injectors[kind](**data)
        return {"ok": True}

    async def clear_faults(request: web.Request) -> Any:
        sandbox.clear_faults()
        return {"ok": True}

    async def clock(request: web.Request) -> Any:
        sandbox.advance_clock(float((await body(request))["advance"]))
        return {"ok": True}

    route("POST", "/users/{user_id}/text", send_text)
    route("POST", "/users/{user_id}/press", press)
    route("POST", "/users/{user_id}/block", block)
    route("POST", "/users/{user_id}/unblock", unblock)
    route("GET", "/chats/{chat_id}/messages", messages)
    route("GET", "/events", events)
    route("GET", "/updates/{update_id}/delivered", delivered)
    route("GET", "/stats", stats)
    route("POST", "/faults", add_fault)
    route("DELETE", "/faults", clear_faults)
    route("POST", "/clock", clock)


def _event_json(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "time": event.time,
        "method": event.method,
        "chat_id": event.chat_id,
        "params": event.params,
        "status": event.status,
        "description": event.description,
        "result": event.result,
    }


def _json(data: Any, status: int = 200) -> web.Response:
    # default=repr covers uploaded files inside logged params.
    return web.Response(
        text=json.dumps(data, ensure_ascii=False, default=repr),
        status=status,
        content_type="application/json",
    )
