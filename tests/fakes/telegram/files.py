"""Files: what uploads, URLs and file_ids resolve to, the PhotoSize lists Telegram makes of a
photo, getFile and the ``/file/bot<token>/<path>`` downloads, and Telegram's checks on photos.
"""

from __future__ import annotations

import io
import mimetypes
import secrets
from typing import Any, ClassVar

import aiohttp
from aiohttp import web
from PIL import Image

from tests.fakes.telegram.protocol import ApiError, Params, bad
from tests.fakes.telegram.records import JSON, StoredFile, Upload
from tests.fakes.telegram.state import TelegramState

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_URL_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024
DOCUMENT_URL_MAX_BYTES = 20 * 1024 * 1024


class FilesMixin(TelegramState):
    """The file store, getFile and downloads."""

    _API: ClassVar[dict[str, str]] = {"getFile": "_get_file"}

    def _init_state(self) -> None:
        super()._init_state()
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, str] = {}
        self._client: aiohttp.ClientSession | None = None  # fetches files sent by URL

    async def _on_stop(self) -> None:
        await super()._on_stop()
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _new_file_id(self, prefix: str) -> str:
        return prefix + secrets.token_urlsafe(36)

    def _store_file(self, data: bytes, filename: str | None, content_type: str | None) -> str:
        file_id = self._new_file_id("BQACAgIAAxkDAAI")
        folder = "photos" if (content_type or "").startswith("image/") else "documents"
        ext = mimetypes.guess_extension(content_type or "") or ".bin"
        path = f"{folder}/file_{len(self._files)}{ext}"
        self._files[file_id] = StoredFile(data, filename, content_type, unique_id(), path)
        self._files_by_path[path] = file_id
        return file_id

    def _store_photo_sizes(self, data: bytes, filename: str, content_type: str) -> list[JSON]:
        """PhotoSize list like Telegram's (thumbnails up to 1280 px), all backed by ``data``."""
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
        sizes: list[JSON] = []
        for side in (90, 320, 800, 1280):
            scale = min(1.0, side / max(width, height))
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            file_id = self._store_file(data, filename, content_type)
            size = max(1, round(len(data) * scale * scale))
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": self._files[file_id].file_unique_id,
                    "width": w,
                    "height": h,
                    "file_size": size,
                }
            )
            if scale >= 1.0:
                break
        return sizes

    async def _input_file(
        self, p: Params, key: str, max_bytes: int, url_max_bytes: int
    ) -> tuple[bytes, str | None, str | None, str]:
        """(data, filename, content type, source) of a file parameter."""
        ref = p.file(key)
        if ref is None:
            raise bad(f"there is no {key} in the request")
        if isinstance(ref, Upload):
            if len(ref.data) > max_bytes:
                raise ApiError(413, "Request Entity Too Large")
            if not ref.data:
                raise bad("file must be non-empty")
            return ref.data, ref.filename, ref.content_type, "upload"
        if ref in self._files:
            stored = self._files[ref]
            return stored.data, stored.filename, stored.content_type, "file_id"
        if ref.startswith(("http://", "https://")):
            data, content_type = await self._fetch_url(ref, url_max_bytes)
            name = ref.rsplit("/", 1)[-1].split("?", 1)[0] or None
            return data, name, content_type, "url"
        raise bad("wrong file identifier/HTTP URL specified")

    async def _fetch_url(self, url: str, max_bytes: int) -> tuple[bytes, str | None]:
        # Telegram downloads URLs itself; here only local fakes are reachable.
        if self._client is None:
            self._client = aiohttp.ClientSession()
        try:
            async with self._client.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
                data = await resp.read()
                if resp.status != 200 or not data or len(data) > max_bytes:
                    raise bad("failed to get HTTP URL content")
                return data, resp.content_type
        except (aiohttp.ClientError, TimeoutError):
            raise bad("failed to get HTTP URL content") from None

    async def _get_file(self, p: Params) -> Any:
        file_id = p.str_("file_id") or ""
        stored = self._files.get(file_id)
        if stored is None:
            raise bad("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    async def _download(self, request: web.Request) -> web.Response:
        not_found = {"ok": False, "error_code": 404, "description": "Not Found"}
        if request.match_info["token"] != self.token:
            return web.json_response(not_found, status=404)
        file_id = self._files_by_path.get(request.match_info["path"])
        if file_id is None:
            return web.json_response(not_found, status=404)
        stored = self._files[file_id]
        return web.Response(
            body=stored.data, content_type=stored.content_type or "application/octet-stream"
        )


def unique_id() -> str:
    return "AQAD" + secrets.token_urlsafe(12)


def make_jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


def check_photo(data: bytes) -> None:
    """Telegram's checks on a photo: decodable, width + height <= 10000, ratio <= 20."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width + height > 10000 or max(width, height) > 20 * min(width, height):
                raise bad("PHOTO_INVALID_DIMENSIONS")
            img.load()
    except ApiError:
        raise
    except Exception:
        raise bad("IMAGE_PROCESS_FAILED") from None
