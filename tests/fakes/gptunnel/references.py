"""Fetching a task's reference images (``images``), as the real service must before drawing.

Only 127.0.0.1/localhost URLs are ever fetched (tests never reach the internet); any other URL
fails the task without a request. Redirects are followed by hand so that every hop is checked.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import aiohttp
from PIL import Image

from tests.fakes.gptunnel.state import ReferenceFetch

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5


def refusal(url: str) -> str | None:
    """Why ``url`` must not be fetched here, or None when it is a local http(s) URL."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "refused: not a URL"
    if parts.scheme not in ("http", "https"):
        return f"refused: scheme {parts.scheme or 'none'!r}"
    if host not in LOCAL_HOSTS:
        return f"refused: host {host!r} is not local"
    return None


async def fetch_all(
    session: aiohttp.ClientSession,
    urls: list[str],
    *,
    timeout: float,
    max_bytes: int,
    record: Callable[[ReferenceFetch], None],
) -> str | None:
    """GET every URL in turn; the first failure's description, or None when all were images."""
    for url in urls:
        error = await _fetch_one(session, url, timeout=timeout, max_bytes=max_bytes, record=record)
        if error is not None:
            return error
    return None


async def _fetch_one(
    session: aiohttp.ClientSession,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    record: Callable[[ReferenceFetch], None],
) -> str | None:
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        refused = refusal(current)
        if refused is not None:
            record((current, refused, None))
            return f"{current}: {refused}"
        try:
            async with session.get(
                current,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as resp:
                content_type = resp.headers.get("Content-Type")
                location = resp.headers.get("Location")
                if resp.status in REDIRECT_STATUSES and location:
                    record((current, resp.status, content_type))
                    current = urljoin(current, location)
                    continue
                if resp.status != 200:
                    record((current, resp.status, content_type))
                    return f"{current}: HTTP {resp.status}"
                data = await resp.content.read(max_bytes + 1)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
            record((current, error, None))
            return f"{current}: {error}"
        if len(data) > max_bytes:
            record((current, f"HTTP 200 but larger than {max_bytes} bytes", content_type))
            return f"{current}: too large"
        if not _is_image(data):
            record((current, "HTTP 200 but not an image", content_type))
            return f"{current}: not an image"
        record((current, 200, content_type))
        return None
    record((current, f"more than {MAX_REDIRECTS} redirects", None))
    return f"{url}: too many redirects"


def _is_image(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except Exception:
        return False
    return True
