"""Static facts about the clouds that config validation and components rely on.

Plain data, no Pulumi: which GPU each instance/machine type carries, and which residency
zone each region belongs to. Extend the tables when the platform adopts a new type or region.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

ResidencyZone = Literal["us", "eu", "apac"]


class Cloud(StrEnum):
    """The cloud a region runs on."""

    AWS = "aws"
    GCP = "gcp"


AWS, GCP = Cloud.AWS, Cloud.GCP


@dataclass(frozen=True)
class GpuModel:
    """A GPU model and how each cloud spells it."""

    key: str
    gke_accelerator: str | None  # `guest_accelerator.type` on GKE; None where GCP does not offer it


GPU_MODELS: dict[str, GpuModel] = {
    model.key: model
    for model in (
        GpuModel("t4", "nvidia-tesla-t4"),
        GpuModel("a10g", None),
        GpuModel("l4", "nvidia-l4"),
        GpuModel("l40s", None),
        GpuModel("a100-40gb", "nvidia-tesla-a100"),
        GpuModel("a100-80gb", "nvidia-a100-80gb"),
        GpuModel("h100", "nvidia-h100-80gb"),
        GpuModel("h200", "nvidia-h200-141gb"),
    )
}


@dataclass(frozen=True)
class GpuInstanceType:
    """An instance (AWS) or machine (GCP) type with GPUs attached."""

    cloud: Cloud
    name: str
    gpu_model: str
    gpus: int


def _family(cloud: Cloud, gpu_model: str, gpus_by_size: dict[str, int]) -> list[GpuInstanceType]:
    return [GpuInstanceType(cloud, name, gpu_model, gpus) for name, gpus in gpus_by_size.items()]


GPU_INSTANCE_TYPES: dict[tuple[Cloud, str], GpuInstanceType] = {
    (t.cloud, t.name): t
    for t in [
        *_family(AWS, "t4", {"g4dn.xlarge": 1, "g4dn.2xlarge": 1, "g4dn.12xlarge": 4, "g4dn.metal": 8}),
        *_family(
            AWS,
            "a10g",
            {
                "g5.xlarge": 1,
                "g5.2xlarge": 1,
                "g5.4xlarge": 1,
                "g5.8xlarge": 1,
                "g5.12xlarge": 4,
                "g5.24xlarge": 4,
                "g5.48xlarge": 8,
            },
        ),
        *_family(
            AWS,
            "l4",
            {
                "g6.xlarge": 1,
                "g6.2xlarge": 1,
                "g6.4xlarge": 1,
                "g6.8xlarge": 1,
                "g6.12xlarge": 4,
                "g6.24xlarge": 4,
                "g6.48xlarge": 8,
            },
        ),
        *_family(AWS, "l40s", {"g6e.xlarge": 1, "g6e.2xlarge": 1, "g6e.12xlarge": 4, "g6e.48xlarge": 8}),
        *_family(AWS, "a100-40gb", {"p4d.24xlarge": 8}),
        *_family(AWS, "a100-80gb", {"p4de.24xlarge": 8}),
        *_family(AWS, "h100", {"p5.48xlarge": 8}),
        *_family(AWS, "h200", {"p5e.48xlarge": 8}),
        *_family(
            GCP,
            "l4",
            {
                "g2-standard-4": 1,
                "g2-standard-8": 1,
                "g2-standard-16": 1,
                "g2-standard-24": 2,
                "g2-standard-48": 4,
                "g2-standard-96": 8,
            },
        ),
        *_family(
            GCP,
            "a100-40gb",
            {"a2-highgpu-1g": 1, "a2-highgpu-2g": 2, "a2-highgpu-4g": 4, "a2-highgpu-8g": 8},
        ),
        *_family(
            GCP,
            "a100-80gb",
            {"a2-ultragpu-1g": 1, "a2-ultragpu-2g": 2, "a2-ultragpu-4g": 4, "a2-ultragpu-8g": 8},
        ),
        *_family(GCP, "h100", {"a3-highgpu-8g": 8}),
    ]
}

REGION_RESIDENCY: dict[tuple[Cloud, str], ResidencyZone] = {
    **{(AWS, r): "us" for r in ("us-east-1", "us-east-2", "us-west-1", "us-west-2")},
    **{(AWS, r): "eu" for r in ("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1")},
    **{
        (AWS, r): "apac" for r in ("ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-south-1")
    },
    **{(GCP, r): "us" for r in ("us-central1", "us-east1", "us-east4", "us-west1")},
    **{(GCP, r): "eu" for r in ("europe-west1", "europe-west3", "europe-west4")},
    **{
        (GCP, r): "apac"
        for r in (
            "asia-southeast1",
            "asia-southeast2",
            "asia-east1",
            "asia-northeast1",
            "australia-southeast1",
        )
    },
}


def _cloud(name: str) -> Cloud | None:
    return Cloud(name) if name in Cloud._value2member_map_ else None


def residency_of(cloud: Cloud | str, region_id: str) -> ResidencyZone | None:
    """The residency zone of a region, or None for a region (or cloud) the platform does not know."""
    known = _cloud(cloud)
    return REGION_RESIDENCY.get((known, region_id)) if known else None


def gpu_instance_type(cloud: Cloud | str, name: str) -> GpuInstanceType | None:
    """The GPU facts of an instance/machine type, or None if it is not a known GPU type."""
    known = _cloud(cloud)
    return GPU_INSTANCE_TYPES.get((known, name)) if known else None


_GCP_MULTI_REGIONS = {"us": "US", "europe": "EU", "asia": "ASIA"}


def gcp_multi_region(region_id: str) -> str | None:
    """The GCS multi-region (US, EU, ASIA) containing a GCP region, for dual-region buckets."""
    return _GCP_MULTI_REGIONS.get(region_id.split("-")[0])
