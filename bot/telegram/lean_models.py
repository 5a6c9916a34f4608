"""Import aiogram with its Bot API models built on first use instead of all at import.

aiogram's `types/__init__.py` calls `model_rebuild()` on every one of its ~450 models so that
their forward references resolve. Each rebuilt model gets its own pydantic-core validator that
inlines every model it can reach, and together they take ~150 MB of RSS before the bot has read
a single update. The bot meets a few dozen of them (`Update`, `Message`, the methods it calls).

So while aiogram is imported its rebuild calls only remember the namespace they were given, as
each model's parent namespace; pydantic's own deferred build (aiogram sets `defer_build=True`)
then completes a model the first time it validates, resolving names through that namespace.
Models that never carried a parent namespace (the methods, the `Response[...]` generic) are
given the same one, so they resolve `Message`, `User` etc. when built lazily too.

If aiogram was imported before this ran, or pydantic changes what this relies on, it does
nothing and aiogram builds its models eagerly as usual: slower start, more memory, same bot.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

_REBUILD = "model_rebuild"


def import_aiogram_lazily() -> bool:
    """Import aiogram with deferred model builds; True when the deferral took effect."""
    if "aiogram" in sys.modules:
        return False
    original = BaseModel.__dict__.get(_REBUILD)
    if not isinstance(original, classmethod):
        return False
    rebuild = original.__func__
    captured: dict[str, dict[str, Any]] = {}

    def deferred_rebuild(
        cls: type[BaseModel], /, *, _types_namespace: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> bool | None:
        if (
            _types_namespace is not None
            and cls.__module__.startswith("aiogram.")
            and not cls.__pydantic_complete__
        ):
            # One dict shared by all models: aiogram passes the same one to every call.
            namespace = captured.setdefault("namespace", dict(_types_namespace))
            cls.__pydantic_parent_namespace__ = namespace
            return None
        return rebuild(cls, _types_namespace=_types_namespace, **kwargs)  # type: ignore[no-any-return]

    # pydantic's own method is swapped only for the length of the import.
    setattr(BaseModel, _REBUILD, classmethod(deferred_rebuild))
    try:
        importlib.import_module("aiogram")
    finally:
        setattr(BaseModel, _REBUILD, original)
    namespace = captured.get("namespace")
    if namespace is None:
        return False
    for model in _subclasses(BaseModel):
        if model.__module__.startswith("aiogram.") and model.__pydantic_parent_namespace__ is None:
            model.__pydantic_parent_namespace__ = namespace
    return True


def _subclasses(cls: type[BaseModel]) -> Iterator[type[BaseModel]]:
    seen: set[type[BaseModel]] = set()
    stack = [cls]
    while stack:
        current = stack.pop()
        for sub in current.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                yield sub
