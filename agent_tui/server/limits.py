"""Refuse request bodies over a size limit with 413, whether or not they announce their length."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_tui.server.problems import PROBLEM_JSON


class BodyLimit:
    """ASGI middleware: 413 problem+json for bodies over `max_bytes`.

    `overrides` gives other limits to paths starting with a prefix (recording uploads are large).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, overrides: tuple[tuple[str, int], ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = overrides

    def limit_for(self, path: str) -> int:
        """The body limit of a request path."""
        for prefix, limit in self.overrides:
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(str(scope.get("path", "")))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    announced = 0
                if announced > max_bytes:
                    await self._refuse(scope, send, max_bytes)
                    return
        seen = 0
        over = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    # The app fails reading the body (the framework may turn that into a 400):
                    # its answer is swapped for the 413 below.
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal refused
            if not over:
                await send(message)
            elif not refused:
                refused = True
                await self._refuse(scope, send, max_bytes)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not over:
                raise
            if not refused:
                await self._refuse(scope, send, max_bytes)

    async def _refuse(self, scope: Scope, send: Send, max_bytes: int) -> None:
        body = json.dumps({
            "type": "about:blank", "title": "Content Too Large", "status": 413,
            "detail": f"request body over {max_bytes} bytes", "instance": scope.get("path", ""),
        }).encode()
        await send({
            "type": "http.response.start", "status": 413,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        })
        await send({"type": "http.response.body", "body": body})
