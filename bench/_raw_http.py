"""A lean HTTP/1.1 keep-alive client for load generators, so a benchmark measures the server.

httpx spends ~1.5 ms of CPU a request (more without `sniffio`, when httpcore looks for it on every
request); on a 2-core machine at a few hundred requests a second that is most of a core taken from the
server under test. This connection writes the request and reads the answer's status and body: ~50 µs.
"""

from __future__ import annotations

import asyncio


class Connection:
    """One keep-alive connection to `http://host:port`, one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader = reader
        self.writer = writer
        self.host = host

    @classmethod
    async def open(cls, base: str) -> Connection:
        """Connect to `base` (`http://host:port`)."""
        host, port = base.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer, host)

    async def request(self, method: str, path: str, token: str, payload: bytes = b"") -> tuple[int, bytes]:
        """Send one request with a bearer token (and a JSON body if any); its status and body."""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {token}\r\n"
        if payload:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        answer = await self.reader.readuntil(b"\r\n\r\n")
        status = int(answer.split(b" ", 2)[1])
        length = next((int(line.split(b":", 1)[1]) for line in answer.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        """Close the socket."""
        self.writer.close()


class Pool:
    """`size` connections shared by concurrent requests; a request waits for a free one."""

    def __init__(self, base: str, size: int) -> None:
        self.base = base
        self.size = size
        self._free: asyncio.Queue[Connection] = asyncio.Queue()
        self._all: list[Connection] = []

    async def __aenter__(self) -> Pool:
        for _ in range(self.size):
            conn = await Connection.open(self.base)
            self._all.append(conn)
            self._free.put_nowait(conn)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for conn in self._all:
            conn.close()

    async def request(self, method: str, path: str, token: str, payload: bytes = b"") -> int:
        """One request on the next free connection; its status (a broken connection is replaced)."""
        conn = await self._free.get()
        try:
            status, _ = await conn.request(method, path, token, payload)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            conn.close()
            fresh = await Connection.open(self.base)
            self._all.append(fresh)
            self._free.put_nowait(fresh)
            raise
        self._free.put_nowait(conn)
        return status
