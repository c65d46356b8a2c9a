"""The page's ES modules on their own, in real Chromium: the binary header against the
server's own ``struct`` codec, the message envelope, reconnect backoff, URLs with a token,
the console's cap and the drawing pad's PNG. Served by a plain static file server (no
exercise server needed), so these run while the server is down or being written.
"""

from __future__ import annotations

import functools
import http.server
import threading
from typing import Iterator

import pytest

from exercise.server.protocol import pack_binary, unpack_binary

from .conftest import ROOT

pytestmark = pytest.mark.browser


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def static_url() -> Iterator[str]:
    """Base URL of a static file server over the repository root (the page is at /static/)."""
    handler = functools.partial(_QuietHandler, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def modules(page, static_url):
    """A tab on the static server's origin, so the page's modules can be imported."""
    page.goto(f"{static_url}/static/")
    return page


def test_browser_frame_header_is_what_the_server_unpacks(modules) -> None:
    data = modules.evaluate(
        """async () => {
            const p = await import('/static/js/protocol.js');
            const jpeg = new Uint8Array([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
            const times = {seq: 4000000001, captured: 1700000000.25, sent: 1700000000.5};
            const buf = p.buildBinary(p.Kind.BROWSER_FRAME, jpeg, times);
            return Array.from(new Uint8Array(buf));
        }"""
    )
    message = unpack_binary(bytes(data))
    assert (message.kind, message.flags, message.seq) == (2, 0, 4000000001)
    assert (message.captured, message.sent) == (1700000000.25, 1700000000.5)
    assert message.payload == bytes([0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9])


def test_server_binary_is_what_the_page_parses(modules) -> None:
    packed = pack_binary(3, bytes(range(200)) * 4, seq=77, captured=12.5, sent=13.75, flags=1)
    parsed = modules.evaluate(
        """async (bytes) => {
            const p = await import('/static/js/protocol.js');
            const f = p.parseBinary(new Uint8Array(bytes).buffer);
            return {kind: f.kind, flags: f.flags, seq: f.seq, captured: f.captured, sent: f.sent,
                    length: f.payload.length, first: f.payload[0], last: f.payload[f.payload.length - 1]};
        }""",
        list(packed),
    )
    assert parsed == {
        "kind": 3,
        "flags": 1,
        "seq": 77,
        "captured": 12.5,
        "sent": 13.75,
        "length": 800,
        "first": 0,
        "last": 199,
    }


def test_longer_future_header_is_skipped_and_short_messages_refused(modules) -> None:
    result = modules.evaluate(
        """async () => {
            const p = await import('/static/js/protocol.js');
            const buf = new ArrayBuffer(32 + 3);
            const v = new DataView(buf);
            v.setUint8(0, 1); v.setUint16(2, 32);
            new Uint8Array(buf, 32).set([9, 8, 7]);
            const f = p.parseBinary(buf);
            const overlong = new ArrayBuffer(24);
            new DataView(overlong).setUint16(2, 40);
            return {payload: Array.from(f.payload), short: p.parseBinary(new ArrayBuffer(10)),
                    overlong: p.parseBinary(overlong)};
        }"""
    )
    assert result == {"payload": [9, 8, 7], "short": None, "overlong": None}


def test_text_messages_carry_the_version_and_others_are_ignored(modules) -> None:
    result = modules.evaluate(
        """async () => {
            const p = await import('/static/js/protocol.js');
            return {
                sent: JSON.parse(p.command('set_frequency', {hz: 30, id: 7})),
                ok: p.parseText('{"v": 1, "type": "pong"}'),
                wrongVersion: p.parseText('{"v": 2, "type": "pong"}'),
                notJson: p.parseText('nope'),
                array: p.parseText('[1]'),
            };
        }"""
    )
    assert result["sent"] == {"v": 1, "type": "set_frequency", "hz": 30, "id": 7}
    assert result["ok"] == {"v": 1, "type": "pong"}
    assert result["wrongVersion"] is None and result["notJson"] is None and result["array"] is None


def test_urls_carry_the_token(modules) -> None:
    result = modules.evaluate(
        """async () => {
            const p = await import('/static/js/protocol.js');
            const http = {protocol: 'http:', host: 'robot:7164', search: '?token=a b&x=1'};
            const https = {protocol: 'https:', host: 'lab.example', search: ''};
            const token = p.tokenFromLocation(http);
            return [token, p.websocketUrl(http, token), p.websocketUrl(https, ''),
                    p.apiUrl('/api/model', token), p.apiUrl('/api/model?x=1', token),
                    p.apiUrl('/api/health', '')];
        }"""
    )
    assert result == [
        "a b",
        "ws://robot:7164/ws?token=a%20b",
        "wss://lab.example/ws",
        "/api/model?token=a%20b",
        "/api/model?x=1&token=a%20b",
        "/api/health",
    ]


def test_reconnect_backoff_grows_to_a_cap(modules) -> None:
    delays = modules.evaluate(
        """async () => {
            const p = await import('/static/js/protocol.js');
            const mid = () => 0.5;  // no jitter
            return [0, 1, 2, 3, 4, 5, 10, 50].map((n) => p.backoffDelay(n, mid));
        }"""
    )
    assert delays == [500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]
    jittered = modules.evaluate(
        """async () => {
            const p = await import('/static/js/protocol.js');
            return [p.backoffDelay(0, () => 0), p.backoffDelay(0, () => 0.999)];
        }"""
    )
    assert 375 <= jittered[0] < 500 < jittered[1] <= 625


def test_console_keeps_the_newest_lines_and_follows_output(modules) -> None:
    result = modules.evaluate(
        """async () => {
            const {ConsolePanel, MAX_LINES} = await import('/static/js/console.js');
            const el = document.createElement('div');
            el.style.cssText = 'height: 100px; overflow: auto';
            document.body.append(el);
            const panel = new ConsolePanel(el);
            for (let i = 0; i < MAX_LINES + 250; i += 1) {
                panel.append([{stream: 'stdout', text: `line ${i}`}]);
            }
            const followed = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
            el.scrollTop = 0;  // the user scrolls up to read
            panel.append([{stream: 'stderr', text: 'boom'}]);
            return {count: el.childElementCount, first: el.firstElementChild.textContent, max: MAX_LINES,
                    followed, stayed: el.scrollTop === 0, last: el.lastElementChild.className};
        }"""
    )
    assert result["count"] == result["max"]
    assert result["first"] == "line 251"
    assert result["followed"] is True and result["stayed"] is True
    assert result["last"] == "line stderr"


def test_digit_result_highlights_the_most_likely_class(modules) -> None:
    result = modules.evaluate(
        """async () => {
            const {DigitResult} = await import('/static/js/results.js');
            const digit = document.createElement('div'), bars = document.createElement('div');
            document.body.append(digit, bars);
            const r = new DigitResult(digit, bars);
            r.show(7, [0, 0, 0.05, 0, 0, 0, 0, 0.9, 0.05, 0]);
            const best = [...bars.querySelectorAll('.best')].map((e) => e.dataset.digit);
            const shown = {text: digit.textContent, best,
                           value: bars.children[7].querySelector('.bar-value').textContent};
            r.show(null, null);
            return {shown, none: digit.textContent, bestAfter: bars.querySelectorAll('.best').length};
        }"""
    )
    assert result["shown"] == {"text": "7", "best": ["7"], "value": "90.0%"}
    assert result["none"] == "no digit" and result["bestAfter"] == 0
