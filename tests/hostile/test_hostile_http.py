"""A platform (or a proxy at `base_url`) that answers with a body without end.

The HTTP client reads each answer in chunks and refuses one past
`MAX_RESPONSE_BYTES`, so no answer can fill the memory (issue 10).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import responses

from auditor.connectors.http import HttpClient, HttpPolicy
from auditor.connectors.http import transport as http_transport
from auditor.core.errors import SourceResponseError


def _client(base_url: str) -> HttpClient:
    return HttpClient(HttpPolicy("Testplat", max_tries=1), base_url, sleep=lambda _s: None)


def test_a_body_past_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_transport, "MAX_RESPONSE_BYTES", 1000)
    with responses.RequestsMock() as api:
        api.get("https://api.example.test/big", body=b"[" + b"1," * 600 + b"1]")
        api.get("https://api.example.test/small", json=[1, 2, 3])
        client = _client("https://api.example.test")
        with pytest.raises(
            SourceResponseError, match="body of more than 1000 bytes, the limit for one answer"
        ):
            client.get_json("/big")
        assert client.get_json("/small") == [1, 2, 3]


class _Endless(BaseHTTPRequestHandler):
    """Sends a chunked JSON array that never ends, until the client hangs up."""

    sent = 0

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        piece = b"1," * 32768
        chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        try:
            self.wfile.write(b"1\r\n[\r\n")
            for _ in range(4096):  # at most 256 MiB: bounded even if the client never stops
                self.wfile.write(chunk)
                type(self).sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def endless_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_endless_body_on_loopback_stops_at_the_limit(
    endless_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_transport, "MAX_RESPONSE_BYTES", 2 * 1024 * 1024)
    with pytest.raises(SourceResponseError, match="the limit for one answer"):
        _client(endless_server).get_json("/stats")
    assert _Endless.sent < 64 * 1024 * 1024  # stopped reading long before the server's cap
