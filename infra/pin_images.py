"""`python -m infra pin-images --stack X`: record image digests in `Pulumi.X.yaml`, editing values in place.

Every config value under a key `image` or `*_image` is an image reference. A tag is resolved to its
digest where the registry answers (`repo:tag` becomes `repo:tag@sha256:...`); a reference that already
has a digest is checked to exist. Only the scalars change: comments, order and layout of the file stay
(the file is parsed with PyYAML's composer for the values' positions, never dumped).
`--worker TAG@DIGEST` first points every worker image (`worker.image`, `regions[].worker_image`) at the
build the image workflow pushed, so the deploy runs exactly that build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from foundation.config import PLATFORM_KEY, PlatformConfig
from foundation.images import DIGEST, ImageReference, untagged, with_digest
from infra.registry import RegistryError

Resolve = Callable[[ImageReference], str]


@dataclass(frozen=True)
class ImageField:
    """One image reference in the stack file: its key path, value and character span."""

    path: str
    value: str
    start: int
    end: int
    quote: str  # the scalar's quote character, or "" for a plain scalar

    @property
    def is_worker(self) -> bool:
        return self.path == "worker.image" or self.path.endswith(".worker_image")


@dataclass
class PinReport:
    pinned: list[str] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return (
            [f"pinned    {line}" for line in self.pinned]
            + [f"verified  {line}" for line in self.verified]
            + [f"UNPINNED  {line}" for line in self.unresolved]
        )


def _is_image_key(key: str) -> bool:
    return key == "image" or key.endswith("_image")


def _walk(node: yaml.Node, path: str) -> Iterator[tuple[str, yaml.ScalarNode]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            if isinstance(value, yaml.ScalarNode) and _is_image_key(str(key.value)) and value.tag.endswith(":str"):
                yield child, value
            else:
                yield from _walk(value, child)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk(item, f"{path}[{index}]")


def image_fields(text: str) -> list[ImageField]:
    """The image references in a stack file's platform config, with where each value is written."""
    root = yaml.compose(text)
    config = next((v for k, v in root.value if k.value == "config"), None) if root else None
    platform = next((v for k, v in config.value if k.value == PLATFORM_KEY), None) if config else None
    if platform is None:
        return []
    return [
        ImageField(path, node.value, node.start_mark.index, node.end_mark.index, node.style or "")
        for path, node in _walk(platform, "")
        if node.style in (None, "'", '"')  # plain or quoted on one line, as references are written
    ]


def _image_paths(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, image) of every image the validated config uses, defaults included."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if _is_image_key(key) and isinstance(item, str):
                yield child, item
            else:
                yield from _image_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _image_paths(item, f"{path}[{index}]")


def _set_worker(fields: list[ImageField], worker: str) -> dict[str, str]:
    tag, _, digest = worker.partition("@")
    if not tag or ":" in tag or "/" in tag or not DIGEST.match(digest):
        raise ValueError(f"--worker must be TAG@sha256:<64 hex> (got {worker!r})")
    return {f.path: f"{untagged(f.value)}:{tag}@{digest}" for f in fields if f.is_worker}


def pin(text: str, platform: PlatformConfig, resolve: Resolve, worker: str | None = None) -> tuple[str, PinReport]:
    """The stack file with every reachable image pinned by digest, and what was done."""
    fields = image_fields(text)
    new_values = _set_worker(fields, worker) if worker else {}
    report = PinReport()
    for f in fields:
        value = new_values.get(f.path, f.value)
        try:
            digest = resolve(ImageReference.parse(value))
        except RegistryError as error:
            report.unresolved.append(f"{f.path}: {value} ({error})")
            continue
        pinned = with_digest(value, digest)
        (report.verified if pinned == f.value else report.pinned).append(f"{f.path}: {pinned}")
        new_values[f.path] = pinned
    in_file = {f.path for f in fields}
    for path, image in _image_paths(platform.model_dump(mode="json")):
        if path not in in_file:
            report.unresolved.append(f"{path}: {image} (a default: set it in the stack file to pin it)")
    for f in sorted(fields, key=lambda f: f.start, reverse=True):
        if f.path in new_values and new_values[f.path] != f.value:
            text = f"{text[: f.start]}{f.quote}{new_values[f.path]}{f.quote}{text[f.end :]}"
    return text, report


def pin_stack_file(path: Path, platform: PlatformConfig, resolve: Resolve, worker: str | None = None) -> PinReport:
    """Pin the images of one stack file in place."""
    text = path.read_text()
    pinned, report = pin(text, platform, resolve, worker)
    if pinned != text:
        path.write_text(pinned)
    return report
