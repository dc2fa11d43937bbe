"""The jobs API application (FastAPI): authenticated tenants, server-derived keys, a durable ledger.

    POST /api/v1/photos/jobs       {"input": "<tenant>/..."}        -> 202 the job (output <tenant>/<id>)
    GET  /api/v1/photos/jobs/{id}                                   -> 200 the job; 404 if not the caller's
    POST /api/v1/photos/uploads    {"key": "<tenant>/....jpg"}      -> 201 a signed upload form
    GET  /healthz (the process answers), /readyz (Redis answers)    -> outside /api: the gateway never routes them
    GET  /openapi.json                                              -> the published OpenAPI document

Every /api route needs a bearer token (401 without one) and counts against the tenant's rate limit
(429 with Retry-After). A job is written to the ledger before it is enqueued; if Redis fails after
that, the job is still accepted (202) and the reconciler enqueues it. Redis or the store unavailable
before that point: 503 with Retry-After, after at most the Redis socket timeout.
"""

import logging
from datetime import timedelta
from typing import Annotated, Any

import redis
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from gpu_worker.api.auth import IdentityProviderUnavailable, Unauthenticated, Verifier
from gpu_worker.api.bodylimit import BodyLimit
from gpu_worker.api.models import ErrorView, JobSubmission, JobView, UploadFormView, UploadRequest
from gpu_worker.api.observe import ApiMetrics, Observed
from gpu_worker.api.ratelimit import RateLimited, TenantRateLimiter
from gpu_worker.api.settings import ApiSettings
from gpu_worker.jobs import Job, load
from gpu_worker.ledger import Ledger, submit
from gpu_worker.redis_client import connect
from gpu_worker.store import StoreError, open_store

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1/photos"
JOBS_PATH = f"{API_PREFIX}/jobs"
UPLOADS_PATH = f"{API_PREFIX}/uploads"
RETRY_AFTER_SECONDS = 5  # what a 503 asks the client to wait
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorView} for code in (400, 401, 403, 404, 413, 422, 429, 503)
}


class Forbidden(Exception):
    """A key outside the caller's tenant prefix (403)."""


class NotFound(Exception):
    """No such job for this caller (404): another tenant's job is indistinguishable from none."""


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _unavailable(message: str) -> JSONResponse:
    return _error(503, message, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    problems = exc.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return 400, "body is not valid JSON"
    described = [f"{'.'.join(str(x) for x in p['loc'] if x != 'body') or 'body'}: {p['msg']}" for p in problems]
    return 422, "; ".join(described)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(Unauthenticated)
    async def unauthenticated(_: Request, exc: Unauthenticated) -> JSONResponse:
        return _error(401, f"unauthenticated: {exc}", {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return _error(403, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(RateLimited)
    async def rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        return _error(429, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(redis.RedisError)
    async def redis_down(_: Request, exc: redis.RedisError) -> JSONResponse:
        log.warning("redis unavailable: %s", exc)
        return _unavailable("queue unavailable; retry later")

    @app.exception_handler(StoreError)
    async def store_down(_: Request, exc: StoreError) -> JSONResponse:
        log.warning("store unavailable: %s", exc)
        return _unavailable("store unavailable; retry later")

    @app.exception_handler(IdentityProviderUnavailable)
    async def idp_down(_: Request, exc: IdentityProviderUnavailable) -> JSONResponse:
        log.warning("%s", exc)
        return _unavailable("cannot verify tokens now; retry later")

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(*_validation_message(exc))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), dict(exc.headers or {}))


def create_app(settings: ApiSettings, metrics: ApiMetrics | None = None) -> FastAPI:
    """The application, its bodies limited and its requests counted in `metrics`."""
    client = connect(settings.redis_url, settings.redis_timeout_seconds)
    store = open_store(settings.store)
    ledger = Ledger(store)
    verifier = Verifier(settings.auth)
    limiter = TenantRateLimiter(settings.rate_limit, client, settings.redis_url)
    bearer = HTTPBearer(auto_error=False, description="a JWT from the identity provider")

    # Annotations evaluated here, not postponed: FastAPI reads these local dependencies from them.
    def tenant_of(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        if credentials is None:
            raise Unauthenticated("send Authorization: Bearer <token>")
        tenant = verifier.tenant(credentials.credentials)
        limiter.hit(tenant)
        return tenant

    Tenant = Annotated[str, Depends(tenant_of)]

    def owned(tenant: str, key: str) -> str:
        if not key.startswith(f"{tenant}/"):
            raise Forbidden(f"keys of tenant {tenant} begin with {tenant}/ (got {key!r})")
        return key

    app = FastAPI(
        title="wedsync jobs API",
        version="1",
        summary="Photo processing jobs and uploads for photo studios",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    _handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout_seconds)
    app.add_middleware(Observed, metrics=metrics or ApiMetrics())  # added last: outermost, so it sees 413s too

    @app.post(JOBS_PATH, status_code=202, responses=_ERRORS)
    def submit_job(submission: JobSubmission, tenant: Tenant) -> JobView:
        """Accept a job for a photo under the tenant's prefix; its variants go under `<tenant>/<id>/`."""
        job = Job.new(tenant, owned(tenant, submission.input))
        submit(ledger, client, settings.stream, job)
        return JobView.of(job)

    @app.get(f"{JOBS_PATH}/{{job_id}}", responses=_ERRORS)
    def read_job(job_id: str, tenant: Tenant) -> JobView:
        """The job's status: from Redis, or from the ledger when Redis has no record of it."""
        job = load(client, job_id) or ledger.load(job_id)
        if job is None or job.tenant != tenant:
            raise NotFound("no such job")
        return JobView.of(job)

    @app.post(UPLOADS_PATH, status_code=201, responses={**_ERRORS, 501: {"model": ErrorView}})
    def upload_form(request: UploadRequest, tenant: Tenant) -> UploadFormView:
        """A signed form to upload one photo straight to the store, capped at the configured size."""
        key = owned(tenant, request.key)
        sign = getattr(store, "upload_form", None)
        if sign is None:
            raise HTTPException(501, "upload forms need an s3:// or gs:// store")
        form = sign(key, settings.max_upload_bytes, timedelta(seconds=settings.upload_expiry_seconds))
        return UploadFormView(
            url=form.url, fields=form.fields, key=key, max_bytes=form.max_bytes, expires_at=form.expires_at
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness: never Redis, or an outage would restart every replica."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> dict[str, str]:
        client.ping()  # a RedisError answers 503
        return {"status": "ready"}

    return app


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document (what GET /openapi.json serves; published as docs/jobs-api.openapi.json)."""
    from gpu_worker.api.settings import AuthSettings

    placeholder = ApiSettings(
        redis_url="redis://localhost:6379/0",
        stream="photos:jobs",
        store="file:///nonexistent",
        auth=AuthSettings(jwks_url="https://identity.invalid/jwks", issuer="-", audience="-"),
    )
    return create_app(placeholder).openapi()
