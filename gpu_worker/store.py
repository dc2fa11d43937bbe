"""Where photos come from and variants go: the local filesystem, S3 or GCS.

A `put` is atomic in every store: on a filesystem a temporary file is written, synced and renamed
over the target; on S3 and GCS a single PUT is already atomic (no copy-and-delete, which would leave
versions and delete markers behind in versioned buckets).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse


class Store(Protocol):
    """Object storage keyed by relative paths."""

    def get(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes) -> None: ...

    def exists(self, key: str) -> bool: ...


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one, never a part.

    A writer killed mid-write leaves a hidden `.<name>.*.tmp` beside the target; the next writer of
    the same target (the job's redelivery) removes it once its own rename has committed. Only the
    worker holding a job writes its targets (the claim heartbeat keeps live jobs from being taken).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)


class FileStore:
    """A folder; keys are paths below it (never above it)."""

    def __init__(self, root: Path):
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"key {key!r} leaves the store")
        return path

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def put(self, key: str, data: bytes) -> None:
        write_atomically(self._path(key), data)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class S3Store:
    """An S3 bucket and prefix (credentials from the environment, e.g. IRSA)."""

    def __init__(self, bucket: str, prefix: str, client: Any | None = None):
        import boto3

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = client or boto3.client("s3")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType="image/jpeg")

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


class GcsStore:
    """A GCS bucket and prefix (credentials from the environment, e.g. workload identity)."""

    def __init__(self, bucket: str, prefix: str, client: Any | None = None):
        from google.cloud import storage

        self.prefix = prefix.strip("/")
        self.bucket = (client or storage.Client()).bucket(bucket)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def get(self, key: str) -> bytes:
        return self.bucket.blob(self._key(key)).download_as_bytes()

    def put(self, key: str, data: bytes) -> None:
        self.bucket.blob(self._key(key)).upload_from_string(data, content_type="image/jpeg")

    def exists(self, key: str) -> bool:
        return self.bucket.blob(self._key(key)).exists()


def open_store(uri: str) -> Store:
    """`file:///path` (or a plain path), `s3://bucket/prefix` or `gs://bucket/prefix`."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return FileStore(Path(parsed.path if parsed.scheme else uri))
    if parsed.scheme == "s3":
        return S3Store(parsed.netloc, parsed.path)
    if parsed.scheme == "gs":
        return GcsStore(parsed.netloc, parsed.path)
    raise ValueError(f"unsupported store {uri!r}: use file:///path, s3://bucket/prefix or gs://bucket/prefix")
