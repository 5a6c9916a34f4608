"""Files: what uploads, URLs and file_ids resolve to, the PhotoSize lists Telegram makes of a
photo, getFile and the ``/file/bot<token>/<path>`` downloads (recorded in ``file_downloads``),
and Telegram's checks on photos.
"""

from __future__ import annotations

import copy
import io
import mimetypes
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import aiohttp
from aiohttp import web
from PIL import Image

from tests.fakes.telegram.protocol import ApiError, Params, bad
from tests.fakes.telegram.records import JSON, FileDownload, StoredFile, Upload
from tests.fakes.telegram.state import TelegramState

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_URL_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024
DOCUMENT_URL_MAX_BYTES = 20 * 1024 * 1024
DOWNLOAD_MAX_BYTES = 20 * 1024 * 1024  # getFile refuses bigger files
_PHOTO_SIDES = (90, 320, 800, 1280)
# What a well-formed file_id looks like; others are "invalid", not merely unknown.
_FILE_ID_RE = re.compile(r"[A-Za-z0-9_-]{20,}")


class FilesMixin(TelegramState):
    """The file store, getFile and downloads."""

    _API: ClassVar[dict[str, str]] = {"getFile": "_get_file"}

    def _init_state(self) -> None:
        super()._init_state()
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, str] = {}
        self.file_downloads: list[FileDownload] = []
        self._client: aiohttp.ClientSession | None = None  # fetches files sent by URL

    async def _on_stop(self) -> None:
        await super()._on_stop()
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _new_file_id(self, prefix: str) -> str:
        return prefix + secrets.token_urlsafe(36)

    def _store_file(
        self,
        data: bytes,
        filename: str | None,
        content_type: str | None,
        kind: str = "document",
    ) -> str:
        file_id = self._new_file_id("AgACAgIAAxkDAAI" if kind == "photo" else "BQACAgIAAxkDAAI")
        folder = "photos" if (content_type or "").startswith("image/") else "documents"
        ext = mimetypes.guess_extension(content_type or "") or ".bin"
        path = f"{folder}/file_{len(self._files)}{ext}"
        self._files[file_id] = StoredFile(data, filename, content_type, unique_id(), path, kind)
        self._files_by_path[path] = file_id
        return file_id

    def _store_photo_sizes(
        self, data: bytes, filename: str, content_type: str, image: Image.Image | None = None
    ) -> list[JSON]:
        """PhotoSize list like Telegram's: JPEG thumbnails of 90, 320, 800 and 1280 px (the
        longest side) while smaller than the photo, then the photo itself; each can be fetched.
        ``image`` is ``data`` already decoded, if at hand.
        """
        img = image if image is not None else Image.open(io.BytesIO(data))
        width, height = img.size
        sizes: list[JSON] = []
        for side in _PHOTO_SIDES:
            scale = min(1.0, side / max(width, height))
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            if scale >= 1.0:
                file_id = self._store_file(data, filename, content_type, "photo")
            else:
                thumb = _jpeg(img, (w, h))
                file_id = self._store_file(thumb, filename, "image/jpeg", "photo")
            stored = self._files[file_id]
            size = {
                "file_id": file_id,
                "file_unique_id": stored.file_unique_id,
                "width": w,
                "height": h,
                "file_size": len(stored.data),
            }
            sizes.append(size)
            if scale >= 1.0:
                break
        for size in sizes:
            self._files[size["file_id"]].sizes = sizes
        return copy.deepcopy(sizes)

    def _document(self, data: bytes, filename: str | None, content_type: str | None) -> JSON:
        """A Document object for a new file (Telegram takes the MIME type from the name)."""
        mime = (mimetypes.guess_type(filename)[0] if filename else None) or content_type
        file_id = self._store_file(data, filename, mime)
        return self._document_of(file_id)

    def _document_of(self, file_id: str) -> JSON:
        stored = self._files[file_id]
        document: JSON = {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        if stored.filename:
            document["file_name"] = stored.filename
        if stored.content_type:
            document["mime_type"] = stored.content_type
        return document

    async def _input_file(
        self, p: Params, key: str, max_bytes: int, url_max_bytes: int
    ) -> InputFile:
        """What a file parameter (``photo``, ``document``) refers to."""
        ref = p.file(key)
        if ref is None:
            raise bad(f"there is no {key} in the request")
        if isinstance(ref, Upload):
            if len(ref.data) > max_bytes:
                raise ApiError(413, "Request Entity Too Large")
            if not ref.data:
                raise bad("file must be non-empty")
            return InputFile(ref.data, ref.filename, ref.content_type, "upload")
        if ref in self._files:
            stored = self._files[ref]
            if key == "photo" and stored.kind != "photo":
                raise bad(f"can't use file of type {stored.kind.capitalize()} as Photo")
            return InputFile(stored.data, stored.filename, stored.content_type, "file_id", ref)
        if ref.startswith(("http://", "https://")):
            data, content_type = await self._fetch_url(ref, url_max_bytes)
            name = ref.rsplit("/", 1)[-1].split("?", 1)[0] or None
            return InputFile(data, name, content_type, "url")
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
        if not file_id:
            raise bad("file_id not specified")
        stored = self._files.get(file_id)
        if stored is None:
            if _FILE_ID_RE.fullmatch(file_id):
                raise bad("wrong file_id or the file is temporarily unavailable")
            raise bad("invalid file_id")
        if len(stored.data) > DOWNLOAD_MAX_BYTES:
            raise bad("file is too big")
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
        path = request.match_info["path"]
        file_id = self._files_by_path.get(path)
        if file_id is None:
            return web.json_response(not_found, status=404)
        stored = self._files[file_id]
        self.file_downloads.append(FileDownload(time.monotonic(), file_id, path, len(stored.data)))
        self._notify()
        return web.Response(
            body=stored.data, content_type=stored.content_type or "application/octet-stream"
        )


@dataclass
class InputFile:
    """What a file parameter resolved to; ``file_id`` when it named a file Telegram has."""

    data: bytes
    filename: str | None
    content_type: str | None
    source: str  # "upload", "file_id" or "url"
    file_id: str | None = None


def _jpeg(img: Image.Image, size: tuple[int, int]) -> bytes:
    # Nearest-neighbour: a thumbnail's looks do not matter here, the time it takes does.
    buf = io.BytesIO()
    img.resize(size, Image.Resampling.NEAREST).convert("RGB").save(buf, "JPEG", quality=80)
    return buf.getvalue()


def unique_id() -> str:
    return "AQAD" + secrets.token_urlsafe(12)


def make_jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


def check_photo(data: bytes) -> Image.Image:
    """Telegram's checks on a photo: decodable, width + height <= 10000, ratio <= 20.

    Returns the decoded image.
    """
    try:
        img = Image.open(io.BytesIO(data))
        width, height = img.size
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise bad("PHOTO_INVALID_DIMENSIONS")
        img.load()
        return img
    except ApiError:
        raise
    except Exception:
        raise bad("IMAGE_PROCESS_FAILED") from None
