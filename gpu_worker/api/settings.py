"""Everything the jobs API is configured with (from `python -m gpu_worker api` flags), validated once."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

Algorithm = Literal["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
ASYMMETRIC_ALGORITHMS: tuple[str, ...] = get_args(Algorithm)
TENANT_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"  # also a store-key segment: no '_' start (the ledger's), no '.'
SETTINGS_ENVIRONMENT = "WEDSYNC_API_SETTINGS"  # how `--workers N` hands the settings to each worker process


class AuthSettings(BaseModel):
    """How bearer tokens are verified and which claim names the tenant."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    jwks_url: str | None = Field(None, description="the identity provider's JWKS endpoint (in the cluster)")
    jwks_file: Path | None = Field(None, description="a JWKS document on disk (local runs, tests, a mounted secret)")
    issuer: str = Field(description="the `iss` every token must carry")
    audience: str = Field(description="the `aud` every token must carry")
    tenant_claim: str = Field("tenant", description="the claim that names the tenant (photo studio account)")
    algorithms: tuple[Algorithm, ...] = Field(
        ("RS256", "ES256"), min_length=1, description="accepted signature algorithms (asymmetric only; never none)"
    )
    leeway_seconds: float = Field(30, ge=0, le=300, description="clock skew allowed on exp/nbf/iat")
    jwks_timeout_seconds: float = Field(5, gt=0, description="how long a JWKS fetch may take")

    @model_validator(mode="after")
    def _one_key_source(self) -> AuthSettings:
        if (self.jwks_url is None) == (self.jwks_file is None):
            raise ValueError("give exactly one of --jwks-url and --jwks-file")
        if self.jwks_url is not None and not self.jwks_url.startswith("https://"):
            raise ValueError(f"--jwks-url must be https:// (got {self.jwks_url!r})")
        return self


class ApiSettings(BaseModel):
    """The jobs API: its queue, its store (ledger and uploads), its callers and its limits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    redis_url: str
    stream: str
    store: str = Field(description="file:///path, s3://bucket/prefix or gs://bucket/prefix (ledger and uploads)")
    auth: AuthSettings
    rate_limit: str = Field("120/minute", description="per-tenant request limit, e.g. 120/minute, shared in Redis")
    max_body_bytes: int = Field(16 * 1024, gt=0, description="largest request body, whatever its transfer encoding")
    body_timeout_seconds: float = Field(10, gt=0, description="how long a request body may take to arrive")
    redis_timeout_seconds: float = Field(2, gt=0, description="socket timeout for Redis; past it the API answers 503")
    max_upload_bytes: int = Field(200 * 1024**2, gt=0, description="largest photo an upload form admits")
    upload_expiry_seconds: int = Field(900, ge=60, le=7 * 24 * 3600, description="how long an upload form is valid")
