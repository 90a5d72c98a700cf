"""Reading plaintext from whatever a caller hands to `put`: files, iterables of bytes, bytes.

`BlockFiller` copies a source straight into a caller's reusable buffer (`readinto` where the
source has it), so that sealing a large object allocates nothing per chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO, Protocol


class Readable(Protocol):
    """Anything with a binary `read(size)`: files, sockets' makefile, raw and buffered streams."""

    def read(self, size: int = -1, /) -> bytes | None: ...


# What put() and encrypt_stream() accept: a binary file-like, an iterable of byte strings, bytes.
Source = IO[bytes] | Iterable[bytes] | bytes | bytearray | memoryview


class BlockFiller:
    """Fills buffers from a Source, each to the brim unless the source ends first.

    A stream is asked for at most `step` bytes at a time, so that sources which allocate what
    they return (request bodies, generated files) never hold more than that at once.
    """

    def __init__(self, source: Source, *, step: int = 64 * 1024) -> None:
        self._step = step
        self._pending = memoryview(b"")
        self._pieces: Iterator[bytes] | None = None
        self._stream: Readable | None = None
        self._readinto: Callable[[memoryview], int | None] | None = None
        if isinstance(source, bytes | bytearray | memoryview):
            self._pending = memoryview(source).cast("B")
        elif hasattr(source, "readinto"):
            self._readinto = source.readinto
        elif hasattr(source, "read"):
            self._stream = source  # type: ignore[assignment]
        else:
            self._pieces = iter(source)
        self.ended = False

    def fill(self, buffer: memoryview) -> int:
        """Return how many bytes were copied into `buffer`: all of it, fewer only at the end."""
        size = len(buffer)
        got = 0
        while got < size and not self.ended:
            if self._readinto is not None:
                count = self._readinto(buffer[got : got + self._step])
                if not count:  # 0 is the end (a non-blocking stream's None is taken as one too)
                    self.ended = True
                got += count or 0
                continue
            if not self._pending:
                self._pending = self._next_piece()
                if not self._pending:
                    self.ended = True
                    break
            count = min(size - got, len(self._pending))
            buffer[got : got + count] = self._pending[:count]
            self._pending = self._pending[count:]
            got += count
        return got

    def _next_piece(self) -> memoryview:
        if self._stream is not None:
            return memoryview(self._stream.read(self._step) or b"")
        if self._pieces is not None:
            for piece in self._pieces:
                if piece:
                    return memoryview(piece).cast("B")
        return memoryview(b"")


def read_exact(stream: Readable, size: int) -> bytes:
    """Return `size` bytes from `stream`, fewer only at its end (short reads are retried)."""
    data = stream.read(size) or b""
    if len(data) == size or not data:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = stream.read(size - got) or b""
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)

