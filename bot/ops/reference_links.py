"""Serving the pictures people draw from to GPTunnel: `GET <REFERENCE_PATH>/<token>` on the
bot's own HTTP server.

The token is the only guard (256 random bits), so: one picture per token, only while its task
is open and its time lasts (storage.references), 404 for anything else under the path, and
never the token in a log line (the server keeps no access log; see HttpServer.start).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from aiohttp import web

from bot.drawing.pictures import REFERENCE_PATH
from storage import ReferenceRepository

log = logging.getLogger(__name__)

# secrets.token_urlsafe(32): 43 characters of the URL-safe alphabet.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


class ReferenceLinks:
    def __init__(
        self, references: ReferenceRepository, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._references = references
        self._clock = clock

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(f"{REFERENCE_PATH}/{{token}}", self._serve)
        # Everything else under the path (other methods, deeper paths, the path itself).
        app.router.add_route("*", REFERENCE_PATH, _not_found)
        app.router.add_route("*", f"{REFERENCE_PATH}/{{rest:.*}}", _not_found)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not TOKEN_RE.fullmatch(token):
            log.info("reference link refused: not a token")
            return _not_found_response()
        try:
            image = await self._references.image(token, self._clock())
        except Exception as exc:  # its text could quote the query's parameters: the token
            log.warning("reference link: the database did not answer (%s)", type(exc).__name__)
            return web.Response(status=503, text="unavailable")
        if image is None:
            log.info("reference link refused: unknown, expired or its task ended")
            return _not_found_response()
        log.info("reference picture of task %s served (%s bytes)", image.task_id, len(image.data))
        return web.Response(
            body=image.data,
            content_type=image.content_type,
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
        )


async def _not_found(_request: web.Request) -> web.StreamResponse:
    return _not_found_response()


def _not_found_response() -> web.Response:
    return web.Response(status=404, text="not found")
