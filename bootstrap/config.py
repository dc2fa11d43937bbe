"""The bootstrap's config: one AWS account (and optionally one GCP project) per stack."""

from __future__ import annotations

from typing import Annotated

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError

PROJECT = "wedsync-bootstrap"


class BootstrapConfig(BaseModel):
    """What one bootstrap stack creates identities and state for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: Annotated[str, Field(pattern=r"^\d{12}$", description="The AWS account of the stacks")]
    github_repository: Annotated[
        str, Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", description="owner/name of the repository CI runs in")
    ]
    github_environment: Annotated[
        str, Field(min_length=1, description="The GitHub environment whose jobs may assume the deploy role")
    ]
    gcp_project: str | None = Field(None, description="A GCP project to federate GitHub into (none: AWS only)")


def load() -> BootstrapConfig:
    """The stack's config, or a run error naming each bad key."""
    raw = pulumi.Config(PROJECT).require_object("bootstrap")
    try:
        return BootstrapConfig.model_validate(raw)
    except ValidationError as exc:
        problems = [f"bootstrap.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise pulumi.RunError("invalid bootstrap config:\n" + "\n".join(problems)) from None
