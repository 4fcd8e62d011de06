"""Where uploaded CSV files wait for their import: Django's default storage.

The request streams the body into storage (`import_upload_store`), the worker that runs the import
reads it back (`import_upload_open`), wherever it runs: the default is a folder under var/
(MEDIA_ROOT); several machines share one storage backend (S3 and the like) or one mounted folder.
The file is deleted once its import ended (`import_upload_delete`); what a crash leaves behind is
removed by housekeeping (`import_uploads_orphaned_delete`).

Uploads are customer data: on the filesystem the folder is created 0700 and every file ends up
0600 (the default storage's OPTIONS in config/settings.py).
"""

from __future__ import annotations

import io
import tempfile
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import IO, Protocol, cast

from django.core.files import File
from django.core.files.storage import default_storage

UPLOAD_FOLDER = "imports"
CHUNK_SIZE = 64 * 1024
# A dry run's body stays in memory up to this size, then goes to a temporary file.
SPOOL_IN_MEMORY = 4 * 1024 * 1024


class ByteStream(Protocol):
    """What an upload is read from: a request (HttpRequest.read) or an open binary file."""

    def read(self, size: int = ..., /) -> bytes: ...


class BodyTooLarge(Exception):
    pass


class EmptyBody(Exception):
    pass


class _BoundedBody:
    """The request body as a file that is read once, front to back, in chunks, and raises
    BodyTooLarge as soon as more than `max_bytes` came through: the client's Content-Length
    is checked before, but the body itself is what counts."""

    def __init__(self, stream: ByteStream, max_bytes: int) -> None:
        self._stream = stream
        self._max_bytes = max_bytes
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:  # "all of it", still chunk by chunk, still bounded
            return b"".join(iter(lambda: self.read(CHUNK_SIZE), b""))
        chunk = self._stream.read(min(size, CHUNK_SIZE))
        self.bytes_read += len(chunk)
        if self.bytes_read > self._max_bytes:
            raise BodyTooLarge
        return chunk

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        # Storages rewind before they read; a body that has not been read is at its start.
        if (offset, whence) != (0, io.SEEK_SET) or self.bytes_read:
            raise io.UnsupportedOperation("the request body can only be read once")
        return 0

    def tell(self) -> int:
        return self.bytes_read


def import_upload_store(*, stream: ByteStream, job_id: uuid.UUID, max_bytes: int) -> str:
    """Stream the body into storage; returns the stored file's name.

    Raises BodyTooLarge as soon as the body passes `max_bytes`, EmptyBody for an empty one;
    nothing is kept then.
    """
    body = _BoundedBody(stream, max_bytes)
    name = f"{UPLOAD_FOLDER}/{job_id}.csv"
    try:
        # Storages only read, rewind and tell: _BoundedBody does those, as a file would.
        name = default_storage.save(name, File(cast(IO[bytes], body), name=name))
    except BaseException:
        # The storage may have written part of it (FileSystemStorage does).
        import_upload_delete(name)
        raise
    if body.bytes_read == 0:
        import_upload_delete(name)
        raise EmptyBody
    return name


def import_upload_spool(*, stream: ByteStream, max_bytes: int) -> IO[bytes]:
    """The body in a temporary file of its own (in memory while small), rewound, for reading it
    at once rather than on a worker (a dry run). Raises BodyTooLarge past `max_bytes`, EmptyBody
    for an empty one; the file is gone when closed."""
    body = _BoundedBody(stream, max_bytes)
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    try:
        for chunk in iter(lambda: body.read(CHUNK_SIZE), b""):
            spooled.write(chunk)
    except BaseException:
        spooled.close()
        raise
    if body.bytes_read == 0:
        spooled.close()
        raise EmptyBody
    spooled.seek(0)
    return cast(IO[bytes], spooled)


def import_upload_open(name: str) -> File[bytes]:
    """The stored upload, for reading in binary. FileNotFoundError when it is gone."""
    if not name or not default_storage.exists(name):
        raise FileNotFoundError(name)
    return default_storage.open(name, "rb")


def import_upload_delete(name: str) -> None:
    """Delete the stored upload; one that is already gone is fine."""
    if name:
        default_storage.delete(name)


def import_uploads_orphaned_delete(*, keep: Collection[str], older_than: datetime) -> int:
    """Delete stored uploads not in `keep` and last written before `older_than` (a crash between
    an import's end and its file's deletion, or during an upload). Returns how many."""
    try:
        _, files = default_storage.listdir(UPLOAD_FOLDER)
    except FileNotFoundError:
        return 0  # nothing was ever uploaded
    deleted = 0
    for file_name in files:
        name = f"{UPLOAD_FOLDER}/{file_name}"
        if name in keep:
            continue
        try:
            if default_storage.get_modified_time(name) >= older_than:
                continue  # still being uploaded, or its job was just created
        except FileNotFoundError:
            continue  # deleted meanwhile
        import_upload_delete(name)
        deleted += 1
    return deleted
