"""The installed runtime: one for the process, or one for a thread of its own."""

from __future__ import annotations

import threading

from coc_service import runtime as runtimes
from coc_service.runtime import Runtime


def test_a_worker_thread_keeps_its_runtime_whatever_the_process_installs_later(
    runtime: Runtime,
) -> None:
    other = Runtime(settings=runtime.settings, db=runtime.db, redis=runtime.redis,
                    queue=runtime.queue)
    seen: list[Runtime] = []
    installed, go_on = threading.Event(), threading.Event()

    def worker_thread() -> None:
        runtimes.install(other, this_thread=True)
        installed.set()
        go_on.wait(10)
        seen.append(runtimes.current())

    thread = threading.Thread(target=worker_thread)
    thread.start()
    installed.wait(10)
    runtimes.install(runtime)  # a test installs its own meanwhile
    go_on.set()
    thread.join(10)
    assert seen == [other]
    assert runtimes.current() is runtime  # the process's own, for every other thread
