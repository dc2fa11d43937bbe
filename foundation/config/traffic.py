"""Public DNS: the zone and the API names under it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from foundation.config.base import Model, Slug


class DnsConfig(Model):
    """The public zone and the API names under it."""

    domain: Annotated[str, StringConstraints(pattern=r"^([a-z0-9-]+\.)+[a-z]{2,}$")] = Field(
        description="The Route53 zone's domain, e.g. wedsync.com"
    )
    create_zone: bool = Field(False, description="Create the hosted zone (true) or look up an existing one (false)")
    api_label: Slug = Field("api", description="Label of the API names: <region>.<api_label>.<domain>")
