"""Resolving an image tag to its digest with the registry HTTP API v2 (the OCI distribution spec).

`HEAD /v2/<repository>/manifests/<tag>` answers with the manifest's digest in `Docker-Content-Digest`.
A registry that wants credentials answers 401 with a `WWW-Authenticate` challenge: `Basic` (send the
credentials) or `Bearer realm=...,service=...,scope=...` (fetch a token from the realm, with the
credentials if there are any, and retry). Credentials come from the Docker client's config, as
`docker login`, `aws ecr get-login-password | docker login` and `gcloud auth configure-docker` leave it.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundation.images import DIGEST, DOCKER_HUB, ImageReference

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
_LOCAL = ("localhost", "127.0.0.1", "[::1]")  # plain HTTP only here, as the Docker client allows


class RegistryError(Exception):
    """The registry could not be reached or does not have the image."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    @property
    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()


def _docker_config() -> dict:
    path = Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker")) / "config.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _from_helper(helper: str, registry: str) -> Credentials | None:
    try:
        result = subprocess.run(
            [f"docker-credential-{helper}", "get"], input=registry, capture_output=True, text=True, timeout=30
        )
        answer = json.loads(result.stdout) if result.returncode == 0 else None
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    return Credentials(answer["Username"], answer["Secret"]) if answer else None


def docker_credentials(registry: str) -> Credentials | None:
    """The credentials the Docker client would send to `registry`, if it has any."""
    config = _docker_config()
    key = "https://index.docker.io/v1/" if registry == DOCKER_HUB else registry
    helper = config.get("credHelpers", {}).get(key)
    if helper:
        return _from_helper(helper, key)
    for name in (key, f"https://{key}"):
        encoded = config.get("auths", {}).get(name, {}).get("auth")
        if encoded:
            username, _, password = base64.b64decode(encoded).decode().partition(":")
            return Credentials(username, password)
    return _from_helper(config["credsStore"], key) if config.get("credsStore") else None


def _open(request: urllib.request.Request, timeout: float) -> Any:
    """The response, error statuses included (an HTTPError is a response too)."""
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        return error
    except (urllib.error.URLError, OSError) as error:
        raise RegistryError(f"{request.full_url}: unreachable ({getattr(error, 'reason', error)})") from None


def _token(challenge: str, credentials: Credentials | None, timeout: float) -> str:
    params = dict(_CHALLENGE_PARAM.findall(challenge))
    if "realm" not in params:
        raise RegistryError(f"unsupported authentication challenge: {challenge}")
    query = urllib.parse.urlencode({k: v for k, v in params.items() if k in ("service", "scope")})
    request = urllib.request.Request(f"{params['realm']}?{query}")
    if credentials:
        request.add_header("Authorization", credentials.basic)
    with _open(request, timeout) as response:
        if response.status != 200:
            raise RegistryError(f"token request to {params['realm']} refused ({response.status})")
        answer = json.loads(response.read())
    return answer.get("token") or answer["access_token"]


class Registry:
    """Manifest digests from registries, authenticating as the Docker client would."""

    def __init__(self, credentials=docker_credentials, timeout: float = 10.0):
        self._credentials = credentials
        self._timeout = timeout

    def _url(self, image: ImageReference) -> str:
        host = image.registry.split(":")[0]
        scheme = "http" if host in _LOCAL or image.registry.startswith("[::1]") else "https"
        return f"{scheme}://{image.registry}/v2/{image.repository}/manifests/{image.reference}"

    def digest(self, image: ImageReference) -> str:
        """The digest of the manifest `image` names (a tag, or a digest whose existence this proves)."""
        url = self._url(image)
        headers = {"Accept": MANIFEST_TYPES}
        response = _open(urllib.request.Request(url, headers=headers, method="HEAD"), self._timeout)
        if response.status == 401:
            challenge = response.headers.get("WWW-Authenticate", "")
            credentials = self._credentials(image.registry)
            if challenge.lower().startswith("bearer"):
                headers["Authorization"] = f"Bearer {_token(challenge, credentials, self._timeout)}"
            elif credentials:
                headers["Authorization"] = credentials.basic
            else:
                raise RegistryError(f"{url}: needs credentials (docker login {image.registry})")
            response = _open(urllib.request.Request(url, headers=headers, method="HEAD"), self._timeout)
        if response.status == 404:
            raise RegistryError(f"{url}: no such manifest")
        if response.status != 200:
            raise RegistryError(f"{url}: answered {response.status}")
        digest = response.headers.get("Docker-Content-Digest", "")
        if not DIGEST.match(digest):
            raise RegistryError(f"{url}: no sha256 Docker-Content-Digest in the answer")
        if image.digest and digest != image.digest:
            raise RegistryError(f"{url}: answered {digest}")
        return digest
