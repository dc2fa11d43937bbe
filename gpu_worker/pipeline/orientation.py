"""EXIF orientation (tag 274, values 1-8): turn the stored pixels the way the camera was held."""

from __future__ import annotations

from typing import Any

from gpu_worker.device import array_module

# EXIF orientation -> (quarter turns counter-clockwise, then mirror left-right)
_TRANSFORMS = {
    1: (0, False),
    2: (0, True),
    3: (2, False),
    4: (2, True),
    5: (3, True),
    6: (3, False),
    7: (1, True),
    8: (1, False),
}


def apply_orientation(image: Any, orientation: int, copy: bool = True) -> Any:
    """The image as it should be displayed (a contiguous copy, or a view if `copy` is false).

    Unknown values are treated as 1 (as stored).
    """
    xp = array_module(image)
    turns, mirror = _TRANSFORMS.get(orientation, (0, False))
    turned = xp.rot90(image, turns) if turns else image
    view = turned[:, ::-1] if mirror else turned
    return xp.ascontiguousarray(view) if copy else view


def libraw_flip_to_exif(flip: int) -> int:
    """LibRaw's `sizes.flip` (0, 3, 5, 6) as an EXIF orientation."""
    return {0: 1, 3: 3, 5: 8, 6: 6}.get(flip, 1)
