"""Files the sandbox holds: uploads by the bot, photos and voice notes from simulated users.

Like Telegram, every file gets a ``file_id`` (reusable to send the same file again, without
uploading it) and a ``file_unique_id``, and ``getFile`` gives a ``file_path`` to download it from
``/file/bot<token>/<file_path>``. A photo is kept in several sizes, as Telegram keeps it; the
smaller sizes are drawn only when someone downloads them.
"""

from __future__ import annotations

import io
import itertools
import mimetypes
import secrets
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from gedsi_bot.sandbox.telegram.errors import ApiError, bad_request

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDES = 10_000  # width + height
MAX_PHOTO_RATIO = 20
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
_PHOTO_FORMATS = ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"]
_PHOTO_STEPS = (("s", 90), ("m", 320), ("x", 800), ("y", 1280))
_MAX_PIXELS = 50_000_000
_ID_PREFIX = {"photo": "AgAC", "document": "BQAC", "sticker": "CAAC", "voice": "AwAC"}
_FOLDER = {"photo": "photos", "document": "documents", "sticker": "stickers", "voice": "voice"}


@dataclass(slots=True)
class StoredFile:
    """One downloadable file; ``data`` may be drawn lazily (smaller photo sizes)."""

    file_id: str
    file_unique_id: str
    kind: str
    file_path: str
    mime_type: str
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    group: str | None = None  # the photo this size belongs to
    _data: bytes | None = None
    _draw: Callable[[], bytes] | None = None

    @property
    def data(self) -> bytes:
        if self._data is None:
            assert self._draw is not None
            self._data = self._draw()
            self._draw = None
        return self._data

    @property
    def known_size(self) -> int | None:
        return None if self._data is None else len(self._data)


@dataclass(slots=True)
class Photo:
    """A photo as Telegram keeps it: the same picture in several sizes, smallest first."""

    key: str
    sizes: list[StoredFile] = field(default_factory=list)

    def as_json(self) -> list[dict[str, Any]]:
        result = []
        for size in self.sizes:
            entry: dict[str, Any] = {
                "file_id": size.file_id,
                "file_unique_id": size.file_unique_id,
                "width": size.width,
                "height": size.height,
            }
            if size.known_size is not None:
                entry["file_size"] = size.known_size
            result.append(entry)
        return result


class FileStore:
    """Every file of one sandbox, by ``file_id`` and by ``file_path``."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photos: dict[str, Photo] = {}
        self._counter = itertools.count(1)

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def photo_of(self, file: StoredFile) -> Photo | None:
        return self._photos.get(file.group) if file.group else None

    def _new(
        self,
        kind: str,
        *,
        mime_type: str,
        extension: str,
        data: bytes | None = None,
        draw: Callable[[], bytes] | None = None,
        **details: Any,
    ) -> StoredFile:
        number = next(self._counter)
        file = StoredFile(
            file_id=f"{_ID_PREFIX[kind]}{secrets.token_urlsafe(42)}",
            file_unique_id=f"AQAD{secrets.token_urlsafe(9)}",
            kind=kind,
            file_path=f"{_FOLDER[kind]}/file_{number}{extension}",
            mime_type=mime_type,
            _data=data,
            _draw=draw,
            **details,
        )
        self._by_id[file.file_id] = file
        self._by_path[file.file_path] = file
        return file

    def add_photo(self, data: bytes) -> Photo:
        """Keep an uploaded photo, checked as Telegram checks it, in Telegram's sizes."""
        if len(data) > MAX_PHOTO_BYTES:
            raise bad_request("PHOTO_SAVE_FILE_INVALID")
        image = open_image(data)
        width, height = image.size
        if width + height > MAX_PHOTO_SIDES or max(width, height) > MAX_PHOTO_RATIO * min(
            width, height
        ):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        photo = Photo(key=secrets.token_hex(8))
        longest = max(width, height)
        for _, limit in _PHOTO_STEPS:
            if limit >= longest:
                break
            scale = limit / longest
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            photo.sizes.append(
                self._new(
                    "photo",
                    mime_type="image/jpeg",
                    extension=".jpg",
                    draw=_resizer(data, size),
                    width=size[0],
                    height=size[1],
                    group=photo.key,
                )
            )
        extension = {"PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}.get(image.format or "", ".jpg")
        photo.sizes.append(
            self._new(
                "photo",
                mime_type=Image.MIME.get(image.format or "", "image/jpeg"),
                extension=extension,
                data=data,
                width=width,
                height=height,
                group=photo.key,
            )
        )
        self._photos[photo.key] = photo
        return photo

    def add_document(self, data: bytes, *, file_name: str, mime_type: str | None) -> StoredFile:
        if len(data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        if not data:
            raise bad_request("file must be non-empty")
        guessed = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        extension = "." + file_name.rsplit(".", 1)[-1] if "." in file_name else ""
        return self._new(
            "document", mime_type=guessed, extension=extension, data=data, file_name=file_name
        )

    def add_sticker(self, data: bytes, *, width: int, height: int) -> StoredFile:
        return self._new(
            "sticker",
            mime_type="image/webp",
            extension=".webp",
            data=data,
            width=width,
            height=height,
        )

    def add_voice(self, data: bytes, *, mime_type: str) -> StoredFile:
        extension = mimetypes.guess_extension(mime_type) or ".oga"
        return self._new("voice", mime_type=mime_type, extension=extension, data=data)


def open_image(data: bytes) -> Image.Image:
    """The image in ``data``, read defensively; 400 IMAGE_PROCESS_FAILED if it is none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_PHOTO_FORMATS)
            if image.width * image.height > _MAX_PIXELS:
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            return image
    except ApiError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bad_request("IMAGE_PROCESS_FAILED") from None


def _resizer(data: bytes, size: tuple[int, int]) -> Callable[[], bytes]:
    def draw() -> bytes:
        with Image.open(io.BytesIO(data), formats=_PHOTO_FORMATS) as image:
            small = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
            out = io.BytesIO()
            small.save(out, "JPEG", quality=85)
            return out.getvalue()

    return draw
