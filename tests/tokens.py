"""A test identity provider: real keys generated per session, a JWKS file, and tokens signed with them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ISSUER = "https://id.wedsync.test/"
AUDIENCE = "wedsync-jobs-api"


class IdentityProvider:
    """An RSA and an EC signing key in a JWKS file, plus a key the JWKS does not publish (an impostor)."""

    def __init__(self, folder: Path):
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        keys = [
            {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key())), "kid": "rsa-1", "alg": "RS256"},
            {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key())), "kid": "ec-1", "alg": "ES256"},
        ]
        self.jwks_file = folder / "jwks.json"
        self.jwks_file.write_text(json.dumps({"keys": keys}))

    def token(
        self,
        tenant: str | None = "studio-a",
        *,
        algorithm: str = "RS256",
        kid: str = "rsa-1",
        key: Any = None,
        **claims: Any,
    ) -> str:
        """A token for `tenant`, valid for an hour unless `claims` say otherwise."""
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "user-1",
            "iat": int(time.time()),
            "exp": int(time.time()) + 3600,
        }
        if tenant is not None:
            body["tenant"] = tenant
        body.update(claims)
        signing_key = key if key is not None else (self.ec if algorithm.startswith("ES") else self.rsa)
        return jwt.encode(body, signing_key, algorithm=algorithm, headers={"kid": kid})

    def unsigned(self, tenant: str = "studio-a") -> str:
        """An `alg: none` token, as an attacker would send it."""
        body = {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 3600, "tenant": tenant}
        return jwt.encode(body, "", algorithm="none", headers={"kid": "rsa-1"})
