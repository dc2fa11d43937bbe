"""The rule every container image reference follows, and the reference's parts.

Pinned: by a tag other than the floating `latest`, or by digest. A deploy needs the digest (a tag can be
moved, or never pushed); the config accepts a tag so that a preview works before the image exists, and
`python -m infra pin-images` records the digests (`repo:tag@sha256:...`: the tag stays for the reader,
the runtime pulls the digest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REFERENCE = re.compile(
    r"^([a-z0-9.-]+(:[0-9]+)?/)?[a-z0-9][a-z0-9._/-]*(:[0-9A-Za-z_][0-9A-Za-z_.-]{0,127})?(@sha256:[0-9a-f]{64})?$"
)
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
DOCKER_HUB = "registry-1.docker.io"


def _tag_part(image: str) -> str:
    return image.rsplit("/", 1)[-1].split("@")[0]


def is_pinned(image: str) -> bool:
    """Pinned by digest, or by a tag other than the floating `latest`."""
    if "@sha256:" in image:
        return True
    tag_part = _tag_part(image)
    return ":" in tag_part and not tag_part.endswith(":latest")


def is_pinned_by_digest(image: str) -> bool:
    """Pinned by a well-formed sha256 digest: what a deploy requires."""
    _, _, digest = image.partition("@")
    return bool(DIGEST.match(digest))


def require_pinned(image: str) -> str:
    """A well-formed, pinned image reference (ValueError naming the rule otherwise)."""
    if _REFERENCE.match(image) and is_pinned(image):
        return image
    if _tag_part(image).endswith(":latest"):
        raise ValueError(f"must not use the floating tag 'latest' (got {image!r})")
    raise ValueError(f"must be an image pinned by tag or digest, e.g. repo/worker:1.4.2 (got {image!r})")


@dataclass(frozen=True)
class ImageReference:
    """`registry/repository[:tag][@digest]`, with Docker's defaults for the registry and `library/`."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, image: str) -> ImageReference:
        name, _, digest = image.partition("@")
        first, _, rest = name.partition("/")
        if rest and ("." in first or ":" in first or first == "localhost"):
            registry, path = first, rest
        else:
            registry, path = DOCKER_HUB, name if "/" in name else f"library/{name}"
        repository, _, tag = path.partition(":")
        return cls(registry, repository, tag or None, digest or None)

    @property
    def reference(self) -> str:
        """What the registry API names the manifest by: the digest if known, else the tag."""
        return self.digest or self.tag or "latest"


def untagged(image: str) -> str:
    """`registry/repository` without tag or digest (a registry's port is kept)."""
    head, _, last = image.partition("@")[0].rpartition("/")
    name = last.split(":")[0]
    return f"{head}/{name}" if head else name


def with_digest(image: str, digest: str) -> str:
    """`image` pinned to `digest`, keeping its tag: `repo:1.2@sha256:...`."""
    if not DIGEST.match(digest):
        raise ValueError(f"not a sha256 digest: {digest!r}")
    return f"{image.partition('@')[0]}@{digest}"
