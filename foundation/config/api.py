"""The jobs API's callers: bearer tokens from the identity provider, the claim naming the tenant, and limits."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from foundation.config.base import Model

HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[^\s/]+(/\S*)?$")]


class ApiConfig(Model):
    """How the jobs API (and the mesh in front of it) authenticates photographers' clients."""

    issuer: HttpsUrl = Field(description="The `iss` every token must carry (the identity provider's issuer URL)")
    audience: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="The `aud` every token must carry (this API's identifier at the identity provider)"
    )
    jwks_url: HttpsUrl = Field(
        description="The identity provider's JWKS endpoint: the API and the mesh fetch signing keys from it"
    )
    tenant_claim: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.:/-]*$")] = Field(
        "tenant", description="The token claim naming the tenant (photo studio account)"
    )
    rate_limit: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]*/(second|minute|hour)$")] = Field(
        "120/minute", description="Requests per tenant, shared by every API replica of a region through Redis"
    )
    reconcile_every_minutes: Annotated[int, Field(ge=1, le=59)] = Field(
        5, description="How often the reconciler re-queues accepted jobs Redis lost (a CronJob per cluster)"
    )
    reconcile_grace_seconds: Annotated[int, Field(ge=60, le=86400)] = Field(
        600, description="How long an accepted job may wait in the ledger before the reconciler re-queues it"
    )
