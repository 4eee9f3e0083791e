"""The probes' HTTP client (`signoff.probes.exchanges`) on a server that drops a connection after
an error, as uvicorn does after an unhandled exception: the next request still gets its answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from signoff.probes.exchanges import Exchanges


class _DropsAfterError(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server speaks

    def do_GET(self) -> None:
        failed = self.path == "/boom"
        body = b"Internal Server Error" if failed else b"ok"
        self.send_response(500 if failed else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        if failed:  # the connection is closed a moment after the answer, without saying so
            time.sleep(0.3)
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    found = ThreadingHTTPServer(("127.0.0.1", 0), _DropsAfterError)
    threading.Thread(target=found.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{found.server_address[1]}"
    found.shutdown()
    found.server_close()


def test_a_request_after_an_error_that_closed_the_connection_is_answered(server: str) -> None:
    exchanges = Exchanges({"owner": {}}, 5.0)
    try:
        failed = exchanges.send("owner", "GET", f"{server}/boom")
        after = exchanges.send("owner", "GET", f"{server}/ok")
    finally:
        exchanges.close()
    assert failed.status == 500
    assert (after.status, after.error) == (200, "")
