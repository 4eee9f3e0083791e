"""A minimal HTTP target that is never the bottleneck of a Python load generator: a fixed answer
to every request, keep-alive, no parsing beyond the request line.

`python -m signoff.load.static HOST PORT` serves it. It counts requests by client address, and
`GET /_counts` answers those counts as JSON (what each load generator host really sent). The
load benchmark prefers nginx when it is installed: one core of this server answers fewer
requests than wrk can send.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

BODY = b"ok\n"
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (
    len(BODY),
    BODY,
)
COUNTS: Counter[str] = Counter()


class _Http(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = str(transport.get_extra_info("peername")[0])
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out = []
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            if head.startswith(b"GET /_counts "):
                body = json.dumps(COUNTS).encode()
                out.append(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                continue
            COUNTS[self.peer] += 1
            out.append(ANSWER)
        if out:
            self.transport.write(b"".join(out))


async def serve(host: str, port: int) -> None:
    server = await asyncio.get_running_loop().create_server(_Http, host, port, backlog=1024)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: python -m signoff.load.static HOST PORT", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(argv[0], int(argv[1])))
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
