"""Answers the fake sends: API errors, proxy errors, WebP files, hand-framed file bodies."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web
from PIL import Image

JSON = dict[str, Any]

ERROR_TEXTS = {
    1: "internal server error",
    2: "invalid token",
    3: "invalid input",
    4: "record not found",
    5: "insufficient balance",
    6: "service on heavy load, try again later",
    7: "organization restricted for this model",
    99: "API method not found",
    500: "internal exception",
    1001: "sensitive content detected in request or files",
    1002: "prompt failed the content safety check",
}


@dataclass
class Fault:
    """One scripted fault of an endpoint (see ``FakeGPTunnel.fail_next``)."""

    http_status: int | None
    code: int | None
    error: str
    delay: float
    drop: bool
    times: int
    body: str | None
    retry_after: int | None
    after: bool = False


def api_error(code: int, error: str = "", issues: list[JSON] | None = None) -> web.Response:
    """The media API reports its errors with HTTP 200 and a non-zero code."""
    body: JSON = {"code": code, "error": error or ERROR_TEXTS.get(code, "error")}
    if issues:
        body["issues"] = issues
    return web.json_response(body)


def http_error(fault: Fault) -> web.Response:
    """A real HTTP error, as a proxy in front of the API (or an older endpoint) sends it."""
    status = fault.http_status or 500
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
    if fault.body is not None:
        return web.Response(status=status, text=fault.body, headers=headers)
    if fault.code is not None:
        body: JSON = {"code": fault.code, "error": fault.error or ERROR_TEXTS.get(fault.code, "")}
        return web.json_response(body, status=status, headers=headers)
    reason = reason_phrase(status)
    if status in (502, 503, 504):
        # What a reverse proxy in front of the API sends when the backend is unreachable.
        page = (
            f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        return web.Response(status=status, text=page, content_type="text/html", headers=headers)
    kind = "rate_limit_error" if status == 429 else "server_error"
    return web.json_response(
        {"error": {"message": fault.error or reason, "type": kind}}, status=status, headers=headers
    )


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def webp(task_id: str, size: tuple[int, int]) -> bytes:
    """A real WebP image; the colour comes from the task id so files differ per task."""
    digest = hashlib.sha256(task_id.encode()).digest()
    buf = io.BytesIO()
    Image.new("RGB", size, (digest[0], digest[1], digest[2])).save(buf, "WEBP", quality=80)
    return buf.getvalue()


def raw_response(status: int, content_type: str, body: bytes, content_length: int | None) -> bytes:
    """An HTTP/1.1 answer framed by hand: any Content-Length (or none), then the connection
    closes after the body."""
    lines = [
        f"HTTP/1.1 {status} {reason_phrase(status)}",
        f"Content-Type: {content_type}",
        "Connection: close",
    ]
    if content_length is not None:
        lines.append(f"Content-Length: {content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
