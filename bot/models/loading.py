"""Reading the operator's catalogue (the MODELS setting). Every mistake is one line naming it,
which stops the bot at start (exit 2, like any bad setting).

MODELS is one of:
- empty: the built-in catalogue (bot.models.builtin);
- ids of built-in models, comma-separated (`yandex-art,flux-dev`): the catalogue trimmed to
  them, in that order;
- a JSON list (`[...]`), or the path of a `.json` or `.toml` file: entries in the order /model
  shows them. An entry is a built-in model's id (a string), or a table of fields: `id`,
  `title`, `credits`, `ratios`, `references`, `ratio_with_references`. A table for a built-in
  id changes only the fields it gives (say, the price); a new id needs `title` and `credits`.
  A file holds `[[model]]` tables (TOML) or `{"model": [...]}` / a bare list (JSON).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.models.builtin import BUILTIN
from bot.models.catalogue import Catalogue, ModelInfo

FIELDS = ("id", "title", "credits", "ratios", "references", "ratio_with_references")
FILE_KEY = "model"


def load_catalogue(value: str, *, base: Catalogue | None = BUILTIN) -> Catalogue:
    """The catalogue MODELS describes; ValueError with one line saying what is wrong.
    `base` is what ids alone may name (None: nothing, every entry in full)."""
    text = value.strip()
    if not text:
        if base is None:
            raise ValueError("the model catalogue is empty")
        return base
    if text.startswith(("[", "{")):
        entries = _entries(_parse_json(text, "it"), "it")
    elif text.lower().endswith((".json", ".toml")):
        entries = _read_file(Path(text))
    else:
        entries = [part.strip() for part in text.split(",") if part.strip()]
    return Catalogue(tuple(_model(entry, base) for entry in entries))


def _read_file(path: Path) -> list[Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f"cannot read {path}: {reason}") from exc
    if path.suffix.lower() == ".toml":
        try:
            data: Any = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path} is not valid TOML: {_one_line(exc)}") from exc
    else:
        data = _parse_json(raw, str(path))
    return _entries(data, str(path))


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{where} is not valid JSON: {_one_line(exc)}") from exc


def _entries(data: Any, where: str) -> list[Any]:
    if isinstance(data, dict):
        extra = sorted(set(data) - {FILE_KEY})
        if extra:
            raise ValueError(
                f"{where}: unknown key {extra[0]!r} (the models go under {FILE_KEY!r})"
            )
        data = data.get(FILE_KEY, [])
    if not isinstance(data, list):
        raise ValueError(f"{where}: expected a list of models")
    return data


def _model(entry: Any, base: Catalogue | None) -> ModelInfo:
    if isinstance(entry, str):
        known = base.get(entry) if base is not None else None
        if known is None:
            builtin = ", ".join(base.ids) if base is not None else "none"
            raise ValueError(
                f"unknown model {entry!r}: built in are {builtin}; "
                "describe another one with its id, title and credits"
            )
        return known
    if not isinstance(entry, dict):
        raise ValueError(f"a model must be an id or a table of fields, not {entry!r}")
    model_id = entry.get("id")
    if not isinstance(model_id, str) or not model_id:
        raise ValueError(f"a model without an id: {entry!r}")
    where = f"model {model_id!r}"
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(FIELDS)})")
    fields = {key: _field(where, key, value) for key, value in entry.items() if key != "id"}
    known = base.get(model_id) if base is not None else None
    if known is not None:
        return replace(known, **fields)
    for required in ("title", "credits"):
        if required not in fields:
            raise ValueError(f"{where}: not a built-in model, so it needs {required!r}")
    return ModelInfo(id=model_id, **fields)


def _field(where: str, key: str, value: Any) -> Any:
    """One field's value, of the right type (the catalogue checks the ranges)."""
    if key == "title":
        if not isinstance(value, str):
            raise ValueError(f"{where}: title must be text")
        return value.strip()
    if key in ("credits", "references"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where}: {key} must be a whole number")
        return value
    if key == "ratios":
        if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
            raise ValueError(f'{where}: ratios must be a list such as ["1:1", "16:9"]')
        return tuple(r.strip() for r in value)
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {key} must be true or false")
    return value


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
