"""The GPU worker: its image and its queue."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from foundation.config.base import Model
from foundation.images import require_pinned


class WorkerConfig(Model):
    """The GPU worker: its image and its queue."""

    image: str = Field(description="Worker image, pinned by tag or digest (also runs the jobs API)")
    stream: str = Field("photos:jobs", description="Redis stream the jobs are queued on")
    group: str = Field("gpu-workers", description="Consumer group of the workers")
    batch_size: Annotated[int, Field(ge=1, le=64)] = Field(8, description="Jobs a worker takes per batch")
    max_deliveries: Annotated[int, Field(ge=1, le=50)] = Field(
        5, description="Deliveries before a job is parked in the dead-letter stream"
    )
    decode_backend: Literal["hardware", "cuda", "cpu"] = Field(
        "cuda",
        description="JPEG decoder every replica uses (hardware NVJPG, CUDA or the CPU): the backends give slightly "
        "different pixels, so one deployment pins one; cuda runs on every GPU the catalog knows",
    )
    termination_grace_seconds: Annotated[int, Field(ge=30, le=3600)] = Field(
        900, description="Seconds a stopping worker may take to finish and acknowledge its batch"
    )

    @field_validator("image")
    @classmethod
    def _image_is_pinned(cls, image: str) -> str:
        return require_pinned(image)
