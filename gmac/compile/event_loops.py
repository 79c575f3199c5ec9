"""The event loops a mocked Pulumi run needs, and their closing.

The mocked monitor answers on worker threads, and Pulumi's SDK gives each such thread an
event loop of its own (`_ensure_event_loop` in `pulumi.runtime.sync_await`) that nothing
closes. A loop left open is closed by its finaliser at interpreter exit, when its self-pipe
may already be gone: Python then prints `Exception ignored in: BaseEventLoop.__del__` with a
traceback after gmac's own output. Every loop made here is closed before the process ends.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import warnings


class ThreadLoops:
    """The loops worker threads have set for themselves, kept so they can be closed."""

    def __init__(self) -> None:
        self._loops: set[asyncio.AbstractEventLoop] = set()
        self._lock = threading.Lock()

    def note_this_threads_loop(self) -> None:
        loop = current_loop()
        if loop is not None and threading.current_thread() is not threading.main_thread():
            with self._lock:
                self._loops.add(loop)

    def close_all(self) -> None:
        """Close the noted loops; call once their threads are done with them."""
        with self._lock:
            loops, self._loops = self._loops, set()
        for loop in loops:
            if not loop.is_running() and not loop.is_closed():
                loop.close()


def current_loop() -> asyncio.AbstractEventLoop | None:
    """This thread's event loop if it has an open one (in the main thread, one is made if none
    was set: that is `asyncio.get_event_loop`'s rule in Python 3.11)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            loop = asyncio.get_event_loop()
    except RuntimeError:
        return None
    return None if loop.is_closed() else loop


def leave_a_loop(previous: asyncio.AbstractEventLoop | None) -> None:
    """Set `previous` back as the current loop, or a new one if there was none: Pulumi
    programs run later in the same process (`pulumi.runtime.test`) expect a current loop.
    The main thread's loop is closed at exit, before the interpreter's own teardown."""
    asyncio.set_event_loop(previous or asyncio.new_event_loop())
    if threading.current_thread() is threading.main_thread():
        _close_the_main_loop_at_exit()


_registered = threading.Event()


def _close_the_main_loop_at_exit() -> None:
    if not _registered.is_set():
        _registered.set()
        atexit.register(_close_the_main_loop)


def _close_the_main_loop() -> None:
    loop = current_loop()
    if loop is not None and not loop.is_running():
        loop.close()
