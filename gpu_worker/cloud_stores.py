"""The S3 and GCS stores: the SDKs' own retry modes, first-writer-wins commits, and upload forms.

Each SDK retries throttling, 5xx answers and timeouts itself (botocore's `adaptive` mode, which also
rate-limits the client after throttling; google-cloud-storage's default retry, which covers a conditional
upload because it names a generation). What still fails raises StoreError naming the key.

Upload forms are browser-style POST policies that cap the size (`content-length-range`): a presigned PUT
cannot. Signed on GCS under Workload Identity, the library calls IAM `signBlob` for the signature, which
needs the IAM Credentials API and `roles/iam.serviceAccountTokenCreator` on the API's own service account.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from gpu_worker.store import MissingObject, StoreError

# Read-only: botocore writes into the dict it is given (it adds total_max_attempts), so each client gets a copy.
S3_RETRIES: Mapping[str, Any] = MappingProxyType(
    {"mode": "adaptive", "total_max_attempts": 8}
)  # the first try included
S3_CONFLICT_TRIES = 3  # 409 ConditionalRequestConflict: a concurrent conditional write; AWS says to retry


@dataclass(frozen=True)
class UploadForm:
    """A signed form: POST `fields` plus the file (last) to `url` as multipart/form-data."""

    url: str
    fields: dict[str, str]
    key: str
    max_bytes: int
    expires_at: datetime.datetime


def _prefixed(prefix: str, key: str) -> str:
    return f"{prefix}/{key}" if prefix else key


class S3Store:
    """An S3 bucket and prefix (credentials from the environment, e.g. IRSA)."""

    def __init__(self, bucket: str, prefix: str, client: Any | None = None):
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client("s3", config=Config(retries=dict(S3_RETRIES), connect_timeout=5, read_timeout=60))
        self.bucket, self.prefix, self.client = bucket, prefix.strip("/"), client

    @contextmanager
    def _errors(self, operation: str, key: str) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if error.get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise MissingObject(f"no object {key!r} in s3://{self.bucket}") from None
            raise StoreError(
                f"s3 {operation} {key!r}: {error.get('Code')} ({status}) {error.get('Message', '')}"
            ) from None
        except BotoCoreError as exc:
            raise StoreError(f"s3 {operation} {key!r}: {exc}") from None

    def get(self, key: str) -> bytes:
        with self._errors("GetObject", key):
            return self.client.get_object(Bucket=self.bucket, Key=_prefixed(self.prefix, key))["Body"].read()

    def put_new(self, key: str, data: bytes, content_type: str = "image/jpeg") -> bool:
        from botocore.exceptions import ClientError

        with self._errors("PutObject", key):
            for attempt in range(1, S3_CONFLICT_TRIES + 1):
                try:
                    self.client.put_object(
                        Bucket=self.bucket,
                        Key=_prefixed(self.prefix, key),
                        Body=data,
                        ContentType=content_type,
                        IfNoneMatch="*",
                    )
                    return True
                except ClientError as exc:
                    code = exc.response.get("Error", {}).get("Code")
                    if code == "PreconditionFailed":
                        return False
                    if code != "ConditionalRequestConflict" or attempt == S3_CONFLICT_TRIES:
                        raise
        return False  # unreachable: the loop returns or raises

    def exists(self, key: str) -> bool:
        try:
            with self._errors("HeadObject", key):
                self.client.head_object(Bucket=self.bucket, Key=_prefixed(self.prefix, key))
        except MissingObject:
            return False
        return True

    def keys(self, prefix: str, start_after: str = "") -> Iterator[str]:
        full = _prefixed(self.prefix, prefix)
        strip = len(self.prefix) + 1 if self.prefix else 0
        arguments = {"Bucket": self.bucket, "Prefix": full}
        if start_after:
            arguments["StartAfter"] = _prefixed(self.prefix, start_after)
        with self._errors("ListObjectsV2", prefix):
            for page in self.client.get_paginator("list_objects_v2").paginate(**arguments):
                for item in page.get("Contents", []):
                    yield item["Key"][strip:]

    def upload_form(self, key: str, max_bytes: int, expires_in: datetime.timedelta) -> UploadForm:
        """A presigned POST for exactly `key`, refused by S3 when the file is empty or over `max_bytes`."""
        full = _prefixed(self.prefix, key)
        with self._errors("presign POST", key):
            form = self.client.generate_presigned_post(
                self.bucket,
                full,
                Conditions=[["content-length-range", 1, max_bytes]],
                ExpiresIn=int(expires_in.total_seconds()),
            )
        expires_at = datetime.datetime.now(datetime.UTC) + expires_in
        return UploadForm(form["url"], dict(form["fields"]), key, max_bytes, expires_at)


class GcsStore:
    """A GCS bucket and prefix (credentials from the environment, e.g. Workload Identity)."""

    def __init__(self, bucket: str, prefix: str, client: Any | None = None):
        from google.cloud import storage

        self.client = client or storage.Client()
        self.prefix = prefix.strip("/")
        self.bucket = self.client.bucket(bucket)

    @contextmanager
    def _errors(self, operation: str, key: str) -> Iterator[None]:
        from google.api_core import exceptions
        from google.auth.exceptions import GoogleAuthError

        try:
            yield
        except exceptions.NotFound:
            raise MissingObject(f"no object {key!r} in gs://{self.bucket.name}") from None
        except (exceptions.GoogleAPIError, GoogleAuthError, OSError) as exc:
            raise StoreError(f"gcs {operation} {key!r}: {exc}") from None

    def get(self, key: str) -> bytes:
        with self._errors("download", key):
            return self.bucket.blob(_prefixed(self.prefix, key)).download_as_bytes()

    def put_new(self, key: str, data: bytes, content_type: str = "image/jpeg") -> bool:
        from google.api_core.exceptions import PreconditionFailed

        with self._errors("upload", key):
            try:
                self.bucket.blob(_prefixed(self.prefix, key)).upload_from_string(
                    data, content_type=content_type, if_generation_match=0
                )
            except PreconditionFailed:
                return False
        return True

    def exists(self, key: str) -> bool:
        with self._errors("exists", key):
            return bool(self.bucket.blob(_prefixed(self.prefix, key)).exists())

    def keys(self, prefix: str, start_after: str = "") -> Iterator[str]:
        strip = len(self.prefix) + 1 if self.prefix else 0
        # start_offset is inclusive; skip the boundary itself to keep "after".
        offset = _prefixed(self.prefix, start_after) if start_after else None
        with self._errors("list", prefix):
            for blob in self.client.list_blobs(self.bucket, prefix=_prefixed(self.prefix, prefix), start_offset=offset):
                if blob.name != offset:
                    yield blob.name[strip:]

    def _remote_signer(self) -> dict[str, str]:
        """Without a private key (Workload Identity's metadata-server credentials), sign through IAM signBlob."""
        from google.auth.credentials import Signing
        from google.auth.transport.requests import Request

        credentials = self.client._credentials
        if isinstance(credentials, Signing):
            return {}
        if not credentials.valid:
            credentials.refresh(Request())
        return {"service_account_email": credentials.service_account_email, "access_token": credentials.token}

    def upload_form(self, key: str, max_bytes: int, expires_in: datetime.timedelta) -> UploadForm:
        """A V4 POST policy for exactly `key`, refused by GCS when the file is empty or over `max_bytes`."""
        with self._errors("sign POST policy", key):
            form = self.client.generate_signed_post_policy_v4(
                self.bucket.name,
                _prefixed(self.prefix, key),
                expiration=expires_in,
                conditions=[["content-length-range", 1, max_bytes]],
                **self._remote_signer(),
            )
        expires_at = datetime.datetime.now(datetime.UTC) + expires_in
        return UploadForm(form["url"], dict(form["fields"]), key, max_bytes, expires_at)
