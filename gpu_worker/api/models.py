"""The jobs API's request and response bodies (they make its OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from gpu_worker.formats import SUFFIXES
from gpu_worker.jobs import Job, JobStatus

StoreKey = Annotated[str, StringConstraints(min_length=3, max_length=1024, pattern=r"^[\w][\w./ -]*$")]


def _inside_the_store(key: str) -> str:
    if ".." in key.split("/") or "//" in key or key.endswith("/"):
        raise ValueError("must be a relative key without '..' or empty segments")
    return key


class JobSubmission(BaseModel):
    """A job: the full store key of a photo under the caller's tenant prefix, `<tenant>/...`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: StoreKey = Field(description="the photo's store key; it must begin with `<tenant>/`")

    @model_validator(mode="before")
    @classmethod
    def _no_client_output(cls, data: Any) -> Any:
        if isinstance(data, dict) and "output" in data:
            raise ValueError("`output` is chosen by the server: variants go under <tenant>/<job id>/")
        return data

    _key = field_validator("input")(_inside_the_store)


class UploadRequest(BaseModel):
    """Where a photo is to be uploaded: a store key under the caller's tenant prefix, with a photo suffix."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: StoreKey = Field(description="the store key to upload to; it must begin with `<tenant>/`")

    @field_validator("key")
    @classmethod
    def _a_photo_key(cls, key: str) -> str:
        if PurePosixPath(key).suffix.lower() not in SUFFIXES:
            raise ValueError(f"must end in a photo suffix ({', '.join(sorted(SUFFIXES))})")
        return _inside_the_store(key)


class JobView(BaseModel):
    """A job as its tenant sees it."""

    id: str = Field(description="unguessable; sorts by creation time")
    status: JobStatus
    input: str
    output: str = Field(description="the prefix of its variants: `<tenant>/<id>`")
    attempts: int
    outputs: list[str] = Field(default_factory=list, description="the variants' store keys, once done")
    error: str | None = Field(None, description="why the last attempt failed, or why it was given up on")

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(
            id=job.id,
            status=job.status,
            input=job.input,
            output=job.output,
            attempts=job.attempts,
            outputs=list(job.outputs),
            error=job.error or None,
        )


class UploadFormView(BaseModel):
    """POST `fields` and then the file, as multipart/form-data, to `url` before `expires_at`."""

    url: str
    fields: dict[str, str]
    key: str
    max_bytes: int
    expires_at: datetime


class ErrorView(BaseModel):
    error: str
