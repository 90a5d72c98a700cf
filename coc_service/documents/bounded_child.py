"""What a bounded child process does with the one call it is given (see isolation.py).

It runs the call under CPU and memory limits, writes back the outcome (the result, the file's
rejection, or the traceback of a bug) as one length-prefixed pickle, and leaves with os._exit:
nothing of the parent's state (atexit handlers, buffered files, garbage) is run again here.
"""

from __future__ import annotations

import faulthandler
import gc
import math
import os
import pickle
import resource
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any, NoReturn

from coc_service.documents.errors import (
    DocumentRejected,
    OcrEngineError,
    TooManyPixels,
)

# Raised again in the caller as they are: the file's fault, or a missing engine.
PASSED_ON = (DocumentRejected, OcrEngineError)
STAGE_MARK = b"+\n"  # sent by next_stage(), before the length-prefixed answer
_stage_fd: int | None = None  # in a child: where next_stage() writes


def next_stage() -> None:
    """In a bounded child: the first stage is done, the second time bound starts now
    (outside a child, nothing happens)."""
    if _stage_fd is not None:
        os.write(_stage_fd, STAGE_MARK)


def fork() -> int:
    """Fork a bounded child: return its pid here, 0 in the child, whose garbage collector is
    off from its first instruction.

    The parent's garbage is the parent's: a collection in the child would finalise its cyclic
    garbage in this copy, and a finalised database session or connection would speak
    (ROLLBACK) on the socket it shares with the parent, behind the parent's back. Disabling
    the collector only once the child runs would leave the fork's own hooks
    (os.register_at_fork), which allocate, free to start a collection first. The child lives
    for one file; what it leaves goes with it.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns about forking a multi-threaded process; the child only runs
            # its call and leaves with os._exit, touching no lock another thread could hold.
            warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
            pid = os.fork()
    except BaseException:
        if collecting:
            gc.enable()
        raise
    if pid and collecting:
        gc.enable()
    return pid


def become_child() -> None:  # pragma: no cover - runs in a child
    """Set up a freshly forked process as a bounded child, before it runs anything."""
    # A decoder crash is reported by the parent as a corrupt file; a fault handler
    # inherited from the parent (pytest, a debugger) would only print a stack for it.
    if faulthandler.is_enabled():
        faulthandler.disable()


def serve(
    function: Callable[..., Any],
    args: tuple[Any, ...],
    write_fd: int,
    timeout_s: float,
    memory_budget: int | None,
) -> NoReturn:  # pragma: no cover - runs in a child
    """Run function(*args) within the limits, write its outcome to write_fd and exit."""
    global _stage_fd
    code = 1
    try:
        _stage_fd = write_fd
        _limit_resources(timeout_s, memory_budget)
        outcome: tuple[str, Any]
        try:
            outcome = ("ok", function(*args))
        except PASSED_ON as exc:
            outcome = ("rejected", exc)
        except MemoryError:
            outcome = ("rejected", TooManyPixels("The file needs too much memory to decode."))
        except BaseException as exc:
            outcome = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            payload = pickle.dumps(("error", f"result not picklable: {exc}"))
        _write_all(write_fd, frame(payload))
        os.close(write_fd)  # the parent has its answer before this process's teardown
        code = 0
    finally:
        os._exit(code)


def frame(payload: bytes) -> bytes:
    """Return a payload as it goes through a pipe: its length, a newline, the payload."""
    return b"%d\n" % len(payload) + payload


def unframe(received: bytes) -> bytes:
    """Return the payload when all of a frame arrived, else b"" (a writer cut short)."""
    header, newline, payload = received.partition(b"\n")
    if not newline or not header.isdigit() or int(header) != len(payload):
        return b""
    return payload


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _limit_resources(timeout_s: float, memory_budget: int | None) -> None:  # pragma: no cover
    # CPU time counts from the process's start: a standby child has spent some warming up.
    cpu = math.ceil(time.process_time() + timeout_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if memory_budget is not None:
        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = current + memory_budget
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
