"""The access checks of :class:`~exercise.server.security.AccessPolicy`, as ASGI middleware
in front of the page, the REST API and the websocket."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exercise.server.security import TOKEN_COOKIE, AccessPolicy


class AccessMiddleware:
    """Token, Host and Origin checks of :class:`AccessPolicy` in front of everything."""

    def __init__(self, app: ASGIApp, policy: AccessPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        headers, query, cookies = connection.headers, connection.query_params, connection.cookies
        host, origin = headers.get("host"), headers.get("origin")
        if scope["type"] == "websocket":
            allowed = (
                self.policy.host_ok(host)
                and self.policy.token_ok(query, cookies, headers)
                and self.policy.origin_ok(origin, host)
            )
            if not allowed:  # closing before accept makes the server answer 403
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        if not self.policy.host_ok(host):
            await PlainTextResponse("unknown host name; open the page at 127.0.0.1", 400)(
                scope, receive, send
            )
            return
        if not self.policy.token_ok(query, cookies, headers):
            await PlainTextResponse(
                "access token needed: open the URL that 'digit-classifier serve' printed", 401
            )(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and not self.policy.origin_ok(origin, host):
            await PlainTextResponse("requests from another site are refused", 403)(scope, receive, send)
            return
        if (
            self.policy.token is not None
            and query.get("token")
            and cookies.get(TOKEN_COOKIE) != query["token"]
        ):
            send = self._with_cookie(send, query["token"])
        await self.app(scope, receive, send)

    @staticmethod
    def _with_cookie(send: Send, token: str) -> Send:
        cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + [(b"set-cookie", cookie)]
            await send(message)

        return sending
