"""Client for a sandbox running in another process (python -m sandbox), via /sandbox/ endpoints."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

import httpx

JSON = dict[str, Any]


class RemoteSandbox:
    def __init__(self, url: str, timeout: float = 30.0, max_concurrency: int = 8) -> None:
        """url: the server root, e.g. "http://127.0.0.1:8081".

        httpx slows down badly with hundreds of requests in flight (1000 concurrent control
        calls took 23 s, 8 at a time 1.2 s), so short calls queue here for one of
        max_concurrency slots. Long polls (events, wait_delivered) skip the queue so they
        cannot starve it.
        """
        self._client = httpx.AsyncClient(
            base_url=f"{url.rstrip('/')}/sandbox",
            timeout=timeout,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=max_concurrency + 8),
        )
        self._slots = asyncio.Semaphore(max_concurrency)

    async def __aenter__(self) -> RemoteSandbox:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> JSON:
        async with self._slots:
            return await self._request(method, path, **kwargs)

    async def _request(self, method: str, path: str, **kwargs: Any) -> JSON:
        response = await self._client.request(method, path, **kwargs)
        if response.status_code == 400:
            raise ValueError(response.json()["error"])
        response.raise_for_status()
        data: JSON = response.json()
        return data

    async def send_text(self, user_id: int, text: str, language_code: str = "en", first_name: str | None = None) -> int:
        body: JSON = {"text": text, "language_code": language_code}
        if first_name:
            body["first_name"] = first_name
        return int((await self._call("POST", f"/users/{user_id}/text", json=body))["update_id"])

    async def press(self, user_id: int, message_id: int, data: str) -> int:
        body = {"message_id": message_id, "data": data}
        return int((await self._call("POST", f"/users/{user_id}/press", json=body))["update_id"])

    async def press_button(self, user_id: int, message_id: int, index: int) -> int:
        body = {"message_id": message_id, "index": index}
        return int((await self._call("POST", f"/users/{user_id}/press", json=body))["update_id"])

    async def block(self, user_id: int) -> int:
        return int((await self._call("POST", f"/users/{user_id}/block"))["update_id"])

    async def unblock(self, user_id: int) -> int:
        return int((await self._call("POST", f"/users/{user_id}/unblock"))["update_id"])

    async def messages(self, chat_id: int) -> list[JSON]:
        """Visible messages of a chat as Message JSON, plus "edit_count"."""
        return list((await self._call("GET", f"/chats/{chat_id}/messages"))["messages"])

    async def events(self, after: int = 0, timeout: float = 0.0, limit: int | None = None) -> list[JSON]:
        """Logged calls with seq > after; waits up to timeout seconds for at least one."""
        query: JSON = {"after": after, "timeout": timeout}
        if limit is not None:
            query["limit"] = limit
        answer = await self._request("GET", "/events", params=query, timeout=timeout + 30)
        return list(answer["events"])

    async def wait_delivered(self, update_id: int, timeout: float = 5.0, confirmed: bool = False) -> bool:
        query = {"timeout": timeout, "confirmed": int(confirmed)}
        path = f"/updates/{update_id}/delivered"
        answer = await self._request("GET", path, params=query, timeout=timeout + 30)
        return bool(answer["delivered"])

    async def stats(self) -> JSON:
        return await self._call("GET", "/stats")

    async def fail_next(self, method: str, status: int, **options: Any) -> None:
        await self._call(
            "POST",
            "/faults",
            json={"kind": "fail_next", "method": method, "status": status, **options},
        )

    async def fail_for(self, seconds: float, status: int, **options: Any) -> None:
        await self._call(
            "POST",
            "/faults",
            json={"kind": "fail_for", "seconds": seconds, "status": status, **options},
        )

    async def hang(self, method: str, seconds: float, count: int = 1, chat_id: int | None = None) -> None:
        await self._call(
            "POST",
            "/faults",
            json={"kind": "hang", "method": method, "seconds": seconds, "count": count, "chat_id": chat_id},
        )

    async def clear_faults(self) -> None:
        await self._call("DELETE", "/faults")

    async def advance_clock(self, seconds: float) -> None:
        await self._call("POST", "/clock", json={"advance": seconds})
