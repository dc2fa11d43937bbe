"""Where photos come from and variants go: the local filesystem, S3 or GCS (gpu_worker.cloud_stores).

Every commit is first-writer-wins (`put_new`): an object, once written, is never replaced, so a job
delivered twice writes each variant once and a versioned bucket never gains a second version. On a
filesystem a temporary file is written, synced and hard-linked to its name (a link never replaces);
S3 uses `If-None-Match: *` and GCS `ifGenerationMatch=0`.

A failed operation raises StoreError (MissingObject when there is no such object, InvalidKey when the
key leaves the store) with a message that names the key, whatever the SDK underneath raised.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse


class StoreError(Exception):
    """A store operation failed (after the SDK's own retries); the message names the key."""


class MissingObject(StoreError):
    """There is no object at the key."""


class InvalidKey(StoreError):
    """The key is not one this store may hold (absolute, or leaving the store with '..')."""


class Store(Protocol):
    """Object storage keyed by relative paths."""

    def get(self, key: str) -> bytes: ...

    def put_new(self, key: str, data: bytes, content_type: str = "image/jpeg") -> bool:
        """Write `data` unless an object is already there: True if this call wrote it, False if one existed."""
        ...

    def exists(self, key: str) -> bool: ...

    def keys(self, prefix: str, start_after: str = "") -> Iterator[str]:
        """Keys beginning with `prefix` and sorting after `start_after`, in lexicographic order."""
        ...


@contextmanager
def _synced_temporary(path: Path, data: bytes) -> Iterator[Path]:
    """A hidden temporary file beside `path` holding `data`, synced; removed on exit unless renamed away.

    Each writer removes only the temporary file it made itself: another writer's in-flight file is never touched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make a rename or link in `folder` durable."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one, never a part.

    A writer killed mid-write leaves its hidden `.<name>.*.tmp` behind; readers never see it (folder mode
    skips hidden files) and no other writer removes it, since it cannot tell a dead writer's file from a
    slow one's.
    """
    with _synced_temporary(path, data) as temporary:
        os.replace(temporary, path)
    _sync_folder(path.parent)


class FileStore:
    """A folder; keys are paths below it (never above it)."""

    def __init__(self, root: Path):
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if key.startswith("/") or not path.is_relative_to(self.root) or path == self.root:
            raise InvalidKey(f"key {key!r} leaves the store")
        return path

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise MissingObject(f"no object {key!r}") from None
        except OSError as exc:
            raise StoreError(f"cannot read {key!r}: {exc.strerror or exc}") from None

    def put_new(self, key: str, data: bytes, content_type: str = "image/jpeg") -> bool:
        path = self._path(key)
        try:
            with _synced_temporary(path, data) as temporary:
                try:
                    os.link(temporary, path)  # atomic, and never replaces an existing name
                except FileExistsError:
                    return False
            _sync_folder(path.parent)
        except OSError as exc:
            raise StoreError(f"cannot write {key!r}: {exc.strerror or exc}") from None
        return True

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self, prefix: str, start_after: str = "") -> Iterator[str]:
        folder = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        if not folder.is_dir():
            return iter(())
        found = (path.relative_to(self.root).as_posix() for path in folder.rglob("*") if path.is_file())
        return iter(sorted(k for k in found if k.startswith(prefix) and k > start_after and not _hidden(k)))


def _hidden(key: str) -> bool:
    return any(part.startswith(".") for part in key.split("/"))


def open_store(uri: str) -> Store:
    """`file:///path` (or a plain path), `s3://bucket/prefix` or `gs://bucket/prefix`."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return FileStore(Path(parsed.path if parsed.scheme else uri))
    if parsed.scheme == "s3":
        from gpu_worker.cloud_stores import S3Store

        return S3Store(parsed.netloc, parsed.path)
    if parsed.scheme == "gs":
        from gpu_worker.cloud_stores import GcsStore

        return GcsStore(parsed.netloc, parsed.path)
    raise ValueError(f"unsupported store {uri!r}: use file:///path, s3://bucket/prefix or gs://bucket/prefix")
