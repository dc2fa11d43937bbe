"""Bearer tokens: verified against the identity provider's JWKS with PyJWT, the tenant read from a claim.

Issuer, audience and expiry are checked explicitly on every token (passed to PyJWT and required to be
present), the signature with a key the JWKS names by `kid`, and the algorithm against an allow-list of
asymmetric algorithms (so neither `none` nor an HMAC signed with the public key can pass). The mesh's
RequestAuthentication checks the same token before the request reaches the pod; this is the second check.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import jwt

from gpu_worker.api.settings import TENANT_PATTERN, AuthSettings


class Unauthenticated(Exception):
    """No token, or one that does not verify (401)."""


class IdentityProviderUnavailable(Exception):
    """The JWKS cannot be fetched, so no token can be verified now (503)."""


class _JwksFile:
    """A JWKS document on disk, read again when it changes (a mounted Secret being rotated)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: jwt.PyJWKSet | None = None

    def key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            try:
                stat = self.path.stat()
                stamp = (stat.st_mtime_ns, stat.st_size)
                if stamp != self._stamp:
                    self._keys = jwt.PyJWKSet.from_dict(json.loads(self.path.read_text()))
                    self._stamp = stamp
            except (OSError, ValueError, jwt.PyJWTError) as exc:
                raise IdentityProviderUnavailable(f"cannot read the JWKS file {self.path}: {exc}") from None
        try:
            assert self._keys is not None  # read above, or raised
            return self._keys[kid]
        except KeyError:
            raise Unauthenticated(f"no key {kid!r} in the JWKS") from None


class _JwksUrl:
    """The identity provider's JWKS endpoint, cached; fetched again for a `kid` it has not seen (rotation)."""

    def __init__(self, url: str, timeout: float):
        self._client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=300, timeout=timeout)

    def key(self, kid: str) -> jwt.PyJWK:
        try:
            return self._client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise IdentityProviderUnavailable(f"cannot fetch the JWKS: {exc}") from None
        except jwt.PyJWKClientError as exc:
            raise Unauthenticated(str(exc)) from None


class Verifier:
    """Turns a bearer token into the tenant it speaks for, or raises Unauthenticated."""

    def __init__(self, settings: AuthSettings):
        self.settings = settings
        if settings.jwks_file is not None:
            self._keys: _JwksFile | _JwksUrl = _JwksFile(settings.jwks_file)
        else:
            assert settings.jwks_url is not None  # AuthSettings requires one of the two
            self._keys = _JwksUrl(settings.jwks_url, settings.jwks_timeout_seconds)

    def tenant(self, token: str) -> str:
        s = self.settings
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"malformed token: {exc}") from None
        if header.get("alg") not in s.algorithms:
            raise Unauthenticated(f"algorithm {header.get('alg')!r} is not accepted")
        if not isinstance(header.get("kid"), str):
            raise Unauthenticated("the token names no key (kid)")
        key = self._keys.key(header["kid"])
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=list(s.algorithms),
                audience=s.audience,
                issuer=s.issuer,
                leeway=s.leeway_seconds,
                options={
                    "verify_signature": True,
                    "verify_exp": True,
                    "verify_iss": True,
                    "verify_aud": True,
                    "require": ["exp", "iss", "aud", s.tenant_claim],
                },
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(str(exc)) from None
        tenant = claims[s.tenant_claim]
        if not isinstance(tenant, str) or re.fullmatch(TENANT_PATTERN, tenant) is None:
            raise Unauthenticated(f"claim {s.tenant_claim!r} does not name a valid tenant")
        return tenant
