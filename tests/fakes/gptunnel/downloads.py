"""How a finished task's file is answered when its ``Download`` says it misbehaves."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from tests.fakes.gptunnel.responses import raw_response
from tests.fakes.gptunnel.state import CROSS_ORIGIN, Download


@dataclass(frozen=True)
class Chunked:
    """A body to send with chunked transfer encoding (no Content-Length)."""

    data: bytes
    content_type: str


# What the file endpoint answers: a response, a body to send chunked, or raw bytes to write to
# the socket before closing it.
FileAnswer = web.StreamResponse | Chunked | bytes


def redirect_for(
    spec: Download, request: web.Request, name: str, other_base_url: str
) -> web.Response | None:
    """The 302 this request gets (a hop of the chain, or the final ``redirect_to``), if any."""
    if request.path.startswith("/direct/"):  # the cross-origin copy: never redirected
        return None
    hop = _int(request.query.get("hop"))
    if hop < spec.redirects:
        origin = f"{request.scheme}://{request.host}"
        return _redirect(f"{origin}/files/{name}?hop={hop + 1}")
    if spec.redirect_to is None:
        return None
    target = spec.redirect_to
    if target == CROSS_ORIGIN:
        target = f"{other_base_url}/direct/{name}"
    return _redirect(target)


def framed(spec: Download, data: bytes, content_type: str) -> FileAnswer:
    """The file's body, framed as ``spec.content_length`` says."""
    if spec.content_length is None:
        return web.Response(body=data, headers={"Content-Type": content_type})
    if spec.content_length == "chunked":
        return Chunked(data, content_type)
    # Framed by hand: a Content-Length that lies, or none and the body ends at close.
    length = None if spec.content_length == "close" else spec.content_length
    return raw_response(200, content_type, data, length)


async def send_chunked(request: web.Request, body: Chunked) -> web.StreamResponse:
    """Answer ``body`` in 64 KiB chunks."""
    response = web.StreamResponse(headers={"Content-Type": body.content_type})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(body.data), 64 * 1024):
        await response.write(body.data[start : start + 64 * 1024])
    await response.write_eof()
    return response


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location}, text="Found")


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
