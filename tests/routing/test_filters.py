"""Every filter and handler the routers use runs on the event loop, none in a worker thread.

aiogram hands sync callables (magic `F` filters too) to `asyncio.to_thread`: one thread round
trip per check per update, which held prompts back under a crowd.
"""

from __future__ import annotations

from collections.abc import Iterator

from aiogram import Router
from aiogram.dispatcher.event.handler import CallableObject

from handlers import build_router


def _callables(router: Router) -> Iterator[tuple[str, CallableObject]]:
    for name, observer in router.observers.items():
        for flt in observer._handler.filters or []:
            yield f"{router.name}.{name} router filter {flt.callback!r}", flt
        for handler in observer.handlers:
            yield f"{router.name}.{name} handler {handler.callback!r}", handler
            for flt in handler.filters or []:
                yield f"{router.name}.{name} filter {flt.callback!r}", flt
    for sub in router.sub_routers:
        yield from _callables(sub)


def test_no_filter_or_handler_runs_in_a_thread() -> None:
    found = list(_callables(build_router()))
    assert len(found) > 30  # the walk really reached the handlers
    in_threads = [name for name, obj in found if not obj.awaitable]
    assert in_threads == []
