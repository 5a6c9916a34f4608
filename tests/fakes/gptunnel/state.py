"""The fake's state and records: tasks, rules, download behaviours, recorded requests."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, unquote_plus

# Statuses after which a task will not change any more.
FINAL_STATUSES = frozenset({"done", "failed", "error", "fail", "canceled", "cancelled"})

# A ``Download.redirect_to`` value: the same file, served by the fake's second port.
CROSS_ORIGIN = "cross-origin"

# What an HTML error page behind a CDN looks like: answered with 200, but not an image.
HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head>"
    b"<body><h1>Checking your browser</h1></body></html>\n"
)

# One reference-image GET: (url, HTTP status or error text, Content-Type or None).
ReferenceFetch = tuple[str, int | str, str | None]


@dataclass
class Download:
    """How a finished task's file is served; the defaults serve the WebP at once."""

    # 302 hops (on the origin the request came to) before the file.
    redirects: int = 0
    # After the hops, one more 302 to this URL instead of the file: ``ftp://…``,
    # ``file:///etc/passwd``, another host, or CROSS_ORIGIN (the same file on the second port).
    redirect_to: str | None = None
    # Served instead of the image (e.g. HTML_PAGE), with ``content_type``.
    body: bytes | None = None
    content_type: str | None = None  # None: image/webp
    # Pad the body with zero bytes up to this size (a file larger than a client allows).
    size: int | None = None
    # None: the true Content-Length. An int: that header whatever the body's length (a lie);
    # "chunked": chunked transfer, no length; "close": no length, the body ends when the
    # connection closes.
    content_length: int | Literal["chunked", "close"] | None = None

    @classmethod
    def html_page(cls) -> Download:
        """An HTML page answered with 200 instead of the image."""
        return cls(body=HTML_PAGE, content_type="text/html; charset=utf-8")


@dataclass
class Rule:
    """Behaviour for prompts containing ``prompt_contains`` (case-insensitive)."""

    prompt_contains: str
    duration: float | None = None
    create_code: int | None = None
    result_code: int | None = None
    final_status: str | None = None
    done_on_create: bool = False
    image_size: tuple[int, int] | None = None
    download: Download | None = None


@dataclass
class Task:
    """State of one media task."""

    id: str
    model: str
    prompt: str
    ar: str | None  # as the create sent it
    images: list[str] | None  # as the create sent them
    created_at: int  # unix time, as the API reports it
    created_mono: float  # time.monotonic() at creation
    duration: float
    final_status: str = "done"
    result_code: int | None = None
    image_size: tuple[int, int] = (256, 256)
    forced_status: str | None = None
    expired: bool = False
    polls: int = 0
    downloads: int = 0
    ar_ignored: bool = False  # the model dropped ``ar`` because reference images came
    cost: float | str | None = None  # the model's price when the task was created
    download: Download | None = None  # how its file is served (None: normally)
    reference_fetches: list[ReferenceFetch] = field(default_factory=list)
    references_pending: bool = False  # its reference images are still being fetched
    reference_error: str | None = None  # why a reference fetch failed the task

    @property
    def file_name(self) -> str:
        return f"{self.id}_{self.model}_result.webp"

    def status(self, now: float | None = None) -> str:
        if self.forced_status is not None:
            return self.forced_status
        elapsed = (time.monotonic() if now is None else now) - self.created_mono
        if self.reference_error is not None and not self.references_pending:
            return "failed"
        if elapsed >= self.duration and not self.references_pending:
            return self.final_status
        # A short "idle" (queued) phase first, then "processing", as seen in client code.
        return "idle" if elapsed < 0.2 * self.duration else "processing"


@dataclass(frozen=True)
class RecordedRequest:
    """One request exactly as it reached the fake: method, target, headers and raw body."""

    time: float
    method: str
    path: str  # decoded
    raw_path: str  # as sent, with the query string
    query_string: str
    headers: tuple[tuple[str, str], ...]
    body: str  # decoded as UTF-8, undecodable bytes replaced

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None."""
        folded = name.casefold()
        return next((v for k, v in self.headers if k.casefold() == folded), None)

    @property
    def text(self) -> str:
        """Everything the request carried, also URL-decoded, as one string to search."""
        head = "\n".join(f"{k}: {v}" for k, v in self.headers)
        parts = [self.method, self.raw_path, unquote(self.raw_path), self.path, head, self.body]
        parts += [unquote_plus(self.query_string), unquote_plus(self.body)]
        return "\n".join(parts)

    def contains(self, needle: str) -> bool:
        """Whether ``needle`` appears anywhere in the request (also URL-decoded)."""
        return needle in self.text


@dataclass(frozen=True)
class DownloadRecord:
    """One request for a result file (a redirect hop or the file itself)."""

    time: float
    task_id: str | None
    url: str  # as requested, with host and query
    authorization: str | None  # the Authorization header it carried, if any
    answer: int | str  # the HTTP status answered (302 for a hop), or "dropped"

    @property
    def authorized(self) -> bool:
        """Whether the request carried an Authorization header."""
        return self.authorization is not None
