"""Files known to the fake: uploaded by the bot or sent by users."""

from __future__ import annotations

import itertools
import struct
from pathlib import PurePosixPath

from .models import StoredFile

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEFAULT_IMAGE_SIZE = (512, 512)


class FileStore:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}

    def store(
        self, data: bytes | None, folder: str, file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        number = next(self._ids)
        suffix = PurePosixPath(file_name or "").suffix
        stored = StoredFile(
            file_id=f"FAKE-{folder}-{number:06d}",
            file_unique_id=f"U{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)


def image_size(data: bytes | None) -> tuple[int, int]:
    """Width and height of a PNG (what QR libraries produce); a default otherwise."""
    if data and data.startswith(_PNG_SIGNATURE) and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return DEFAULT_IMAGE_SIZE


def photo_sizes(stored: StoredFile) -> list[dict]:
    width, height = image_size(stored.data)
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data or b""),
            "width": width,
            "height": height,
        }
    ]
