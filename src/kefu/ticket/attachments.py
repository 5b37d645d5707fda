"""Attachment storage: generated keys under the data directory, size and type limits."""

from __future__ import annotations

import secrets
from pathlib import Path

from kefu.errors import KefuError

MAX_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/msword",
    "application/vnd.ms-excel",
    "audio/mpeg",
    "audio/amr",
    "video/mp4",
}
REFUSED_SUFFIXES = {
    ".exe",
    ".bat",
    ".cmd",
    ".com",
    ".scr",
    ".js",
    ".vbs",
    ".msi",
    ".ps1",
    ".sh",
    ".jar",
    ".apk",
    ".html",
    ".htm",
    ".svg",
}


class AttachmentTooLarge(KefuError):
    status_code = 413
    code = "attachment_too_large"


class AttachmentTypeRefused(KefuError):
    status_code = 415
    code = "attachment_type_refused"


def check(filename: str, content_type: str, size: int, max_bytes: int = MAX_BYTES) -> None:
    if size > max_bytes:
        raise AttachmentTooLarge(
            f"附件超过 {max_bytes // (1024 * 1024)} MB / attachment larger than {max_bytes} bytes"
        )
    suffix = Path(filename).suffix.lower()
    base_type = content_type.split(";")[0].strip().lower()
    if suffix in REFUSED_SUFFIXES or base_type not in ALLOWED_TYPES:
        raise AttachmentTypeRefused(f"不支持的附件类型 / attachment type not allowed: {base_type or suffix}")


def store(root: Path, data: bytes) -> str:
    key = secrets.token_hex(16)
    path = root / key[:2] / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return key


def path_of(root: Path, key: str) -> Path:
    if not key.isalnum():
        raise KefuError("bad key", 400)
    return root / key[:2] / key
