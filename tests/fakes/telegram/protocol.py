"""The Bot API's wire protocol: reading a request's parameters (query string, JSON or form,
with Telegram's lenient typing) and the error answers (``ApiError`` and its JSON body).
"""

from __future__ import annotations

import contextlib
import http
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.fakes.telegram.records import JSON, Upload

# Fields whose values are objects/arrays; aiogram sends them JSON-encoded inside form fields.
OBJECT_FIELDS = frozenset(
    {
        "reply_parameters",
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "message_ids",
        "menu_button",
        "prices",
        "suggested_tip_amounts",
    }
)


class ApiError(Exception):
    """An error answer: HTTP status, Telegram's description and optional ``parameters``."""

    def __init__(
        self,
        status: int,
        description: str,
        retry_after: int | None = None,
        *,
        parameters: JSON | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters: JSON = dict(parameters or {})
        if retry_after is not None:
            self.parameters["retry_after"] = retry_after

    @property
    def retry_after(self) -> int | None:
        value = self.parameters.get("retry_after")
        return int(value) if value is not None else None

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


def bad(description: str, *, parameters: JSON | None = None) -> ApiError:
    """A 400 answer; ``description`` without the "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}", parameters=parameters)


def required(description: str) -> ApiError:
    """The Bot API server's own answer for a missing parameter."""
    return bad(f'parameter "{description}" is required')


class Params:
    """Request parameters with Telegram's lenient typing (everything may come as a string)."""

    def __init__(
        self,
        values: JSON,
        files: dict[str, Upload],
        method: str = "",
        request: web.Request | None = None,
    ) -> None:
        self.values = values
        self.files = files
        self.method = method  # canonical Bot API method name
        self.request = request

    def record(self) -> JSON:
        rec = dict(self.values)
        for name, up in self.files.items():
            rec[name] = {
                "filename": up.filename,
                "content_type": up.content_type,
                "size": len(up.data),
            }
        return rec

    def has(self, key: str) -> bool:
        return self.values.get(key) not in (None, "")

    def str_(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    def int_(self, key: str) -> int | None:
        value = self.values.get(key)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            raise bad(f"invalid {key} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad(f"invalid {key} specified") from None

    def bool_(self, key: str) -> bool:
        value = self.values.get(key)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def obj(self, key: str) -> Any:
        value = self.values.get(key)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad(f"can't parse {key} JSON object") from None
        return value

    def file(self, key: str) -> Upload | str | None:
        if key in self.files:
            return self.files[key]
        ref = self.str_(key)
        if ref and ref.startswith("attach://"):
            up = self.files.get(ref[len("attach://") :])
            if up is None:
                raise bad("wrong file identifier/HTTP URL specified")
            return up
        return ref or None

    @property
    def client_gone(self) -> bool:
        """The client closed the connection (e.g. a killed bot's long poll)."""
        return self.request is not None and self.request.transport is None


Handler = Callable[[Params], Awaitable[Any]]


async def read_params(request: web.Request) -> Params:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    values: JSON = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad("can't parse JSON body") from None
            if isinstance(body, dict):
                values.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = Upload(value.file.read(), value.filename, value.content_type)
                else:
                    values[key] = value
    for key in OBJECT_FIELDS & values.keys():
        value = values[key]
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                values[key] = json.loads(value)
    return Params(values, files, request=request)


def default_description(status: int, retry_after: int | None) -> str:
    """What Telegram says for a bare status (used by fault injection)."""
    if status == 429:
        return f"Too Many Requests: retry after {retry_after}"
    if status >= 500:
        return "Internal Server Error" if status == 500 else _phrase(status)
    return _phrase(status)


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"
