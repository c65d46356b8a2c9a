"""Who may use the server: the access token and the websocket's Origin check.

* Bound to loopback (the default) no token is needed, but the ``Host`` header must name a
  loopback host, so a web page that rebinds its own domain name to 127.0.0.1 gets nothing.
* Bound to anything else a token is required for the page, the API and the websocket: as
  ``?token=``, as the cookie the page gets when opened with the token (like Jupyter), or as
  ``Authorization: Bearer``.
* A websocket (and a state-changing request) whose ``Origin`` is another site is refused:
  otherwise any page the student visits could connect and run code on their machine.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Mapping, Optional
from urllib.parse import urlsplit

from exercise.server.config import is_loopback

TOKEN_COOKIE = "digit_classifier_token"


def new_token() -> str:
    """A fresh random access token (URL-safe, 32 bytes of entropy)."""
    return secrets.token_urlsafe(32)


def _host_of(host_header: str) -> str:
    """``"localhost:7164"`` -> ``"localhost"``; ``"[::1]:80"`` -> ``"::1"``."""
    host_header = host_header.strip().lower()
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class AccessPolicy:
    """The checks for one server; ``token`` None means loopback-only without a token."""

    def __init__(self, token: Optional[str]) -> None:
        self.token = token

    def token_ok(
        self, query: Mapping[str, str], cookies: Mapping[str, str], headers: Mapping[str, str]
    ) -> bool:
        """True when no token is needed or one of the three places carries the right one."""
        if self.token is None:
            return True
        offered = [query.get("token"), cookies.get(TOKEN_COOKIE)]
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            offered.append(authorization[7:].strip())
        return any(candidate and hmac.compare_digest(candidate, self.token) for candidate in offered)

    def host_ok(self, host_header: Optional[str]) -> bool:
        """Without a token only loopback host names are served (defeats DNS rebinding)."""
        if self.token is not None:
            return True
        if not host_header:
            return True  # HTTP/1.0 clients; they cannot be a browser page
        return is_loopback(_host_of(host_header))

    @staticmethod
    def origin_ok(origin: Optional[str], host_header: Optional[str]) -> bool:
        """No Origin (not a browser), or an Origin whose host:port is the one addressed."""
        if origin is None:
            return True
        parts = urlsplit(origin.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or not host_header:
            return False
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:  # "http://host:abc": no page can be served from there
            return False
        host_header = host_header.strip().lower()
        wanted_host = _host_of(host_header)
        tail = host_header.rsplit("]", 1)[-1]
        wanted_port = int(tail.rsplit(":", 1)[1]) if ":" in tail and tail.rsplit(":", 1)[1].isdigit() else 80
        return parts.hostname.lower() == wanted_host and port == wanted_port
