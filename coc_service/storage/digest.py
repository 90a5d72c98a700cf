"""SHA-256 of a stream's bytes, computed on a helper thread beside the work on those bytes."""

from __future__ import annotations

import hashlib
import threading
from queue import SimpleQueue


class BackgroundDigest:
    """SHA-256 of the plaintext, computed beside the encryption on a helper thread.

    hashlib releases the GIL while it hashes a large buffer, so hashing one batch overlaps
    with sealing and writing it. The helper runs as little Python as it can (two C queues),
    because every bytecode it runs needs the GIL the sealing thread is using.
    """

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._todo: SimpleQueue[memoryview | None] = SimpleQueue()
        self._done: SimpleQueue[BaseException | None] = SimpleQueue()
        self._thread: threading.Thread | None = None
        self._sent = 0
        self._finished = 0

    def update(self, data: memoryview, *, background: bool) -> int:
        """Hash `data` now, or on the helper thread (then leave `data` unchanged until
        `wait(ticket)` returns); once one update went to the thread, all later ones do.
        Return the update's ticket."""
        if not background and self._thread is None:
            self._hash.update(data)
            return self._sent
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="coc-sha256", daemon=True)
            self._thread.start()
        self._todo.put(data)
        self._sent += 1
        return self._sent

    def wait(self, ticket: int) -> None:
        """Return once the update with `ticket` and every one before it are done."""
        while self._finished < ticket:
            error = self._done.get()
            self._finished += 1
            if error is not None:
                raise error

    def _work(self) -> None:
        while (data := self._todo.get()) is not None:
            try:
                self._hash.update(data)
            except BaseException as exc:  # handed to the sealing thread, which raises it
                self._done.put(exc)
            else:
                self._done.put(None)

    def close(self) -> None:
        """Return once every update handed over is done and the helper has stopped."""
        if self._thread is not None:
            self._todo.put(None)
            self._thread.join()
            self._thread = None

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
