"""HTTP front of the sandbox: routes Bot API calls, parses bodies, writes Telegram's envelopes."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .control import add_control_routes
from .errors import ApiError
from .params import Params, UploadedFile

if TYPE_CHECKING:
    from .emulator import Sandbox

MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's limit for files uploaded by bots


def build_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD)

    async def bot_api(request: web.Request) -> web.Response:
        if sandbox.latency:
            await asyncio.sleep(sandbox.latency)
        try:
            params = await read_params(request)
        except ApiError as exc:
            return envelope(exc.status, exc.envelope())
        answer = await sandbox.call(request.match_info["token"], request.match_info["method"], params)
        if answer.hold:
            await asyncio.sleep(answer.hold)
        return envelope(answer.status, answer.body)

    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    add_control_routes(app, sandbox)
    return app


def envelope(status: int, body: dict[str, Any]) -> web.Response:
    # PTB decides success from the HTTP status alone, so it must match error_code.
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
    )


async def read_params(request: web.Request) -> Params:
    """Query string plus a JSON, url-encoded or multipart body, as Telegram accepts them."""
    values: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return Params(values)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON body") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON body must be an object")
        values.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                values[key] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                values[key] = value
    return Params(values)
