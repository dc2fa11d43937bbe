"""The rule every container image reference follows: pinned, never a floating tag."""

from __future__ import annotations

import re

_REFERENCE = re.compile(r"^[a-z0-9][a-z0-9._/-]*(:[0-9A-Za-z_][0-9A-Za-z_.-]{0,127})?(@sha256:[0-9a-f]{64})?$")


def _tag_part(image: str) -> str:
    return image.rsplit("/", 1)[-1].split("@")[0]


def is_pinned(image: str) -> bool:
    """Pinned by digest, or by a tag other than the floating `latest`."""
    if "@sha256:" in image:
        return True
    tag_part = _tag_part(image)
    return ":" in tag_part and not tag_part.endswith(":latest")


def require_pinned(image: str) -> str:
    """A well-formed, pinned image reference (ValueError naming the rule otherwise)."""
    if _REFERENCE.match(image) and is_pinned(image):
        return image
    if _tag_part(image).endswith(":latest"):
        raise ValueError(f"must not use the floating tag 'latest' (got {image!r})")
    raise ValueError(f"must be an image pinned by tag or digest, e.g. repo/worker:1.4.2 (got {image!r})")
