"""The worker processes of a large run: forked, and never outliving the sdkgen process that made them."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from .diagnostics import SpecError

T = TypeVar("T")

_PARENT_POLL_SECONDS = 0.5


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of forked workers. A worker leaves Ctrl-C to its parent, which shuts the pool down,
    and exits when its parent is gone (killed outright, say), instead of waiting on a pipe forever."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_start,
        initargs=(os.getpid(),),
    )


def _worker_start(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


@contextmanager
def in_background(function: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """Runs `function()` in a forked worker while the block runs; the block calls what this yields
    to wait for the result (a SpecError in the worker is raised again, with its diagnostics).
    Leaving the block before the result is in kills the worker: a run that fails early does not
    wait for work whose result it no longer needs."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_background, args=(function, send, os.getpid()), daemon=True)
    process.start()
    send.close()

    def result() -> T:
        try:
            kind, value = receive.recv()
        except EOFError:
            raise RuntimeError(f"the worker process ended without a result (exit code {process.exitcode})") from None
        if kind == "spec-error":
            raise SpecError(value)
        if kind == "exception":
            raise RuntimeError(f"in the worker process: {value}")
        return value  # type: ignore[no-any-return]

    try:
        yield result
    finally:
        if process.is_alive():
            process.terminate()
        process.join()
        receive.close()


def _background(function: Callable[[], Any], send: Connection, parent: int) -> None:
    _worker_start(parent)
    try:
        message: tuple[str, Any] = ("result", function())
    except SpecError as exc:  # its pickled form would lose the diagnostics
        message = ("spec-error", exc.diagnostics)
    except Exception:  # noqa: BLE001 - reported in the parent, which has the terminal
        message = ("exception", traceback.format_exc())
    send.send(message)
    send.close()
