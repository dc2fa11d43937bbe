"""Pure array functions on NumPy or CuPy arrays (the module is taken from the input)."""

from gpu_worker.pipeline.color import (
    apply_matrix,
    camera_gains,
    exposure,
    grey_world_gains,
    srgb_decode,
    srgb_encode,
    white_balance,
)
from gpu_worker.pipeline.demosaic import demosaic
from gpu_worker.pipeline.orientation import apply_orientation
from gpu_worker.pipeline.resample import resample_weights, sharpen_kernel, target_size

__all__ = [
    "apply_matrix",
    "apply_orientation",
    "camera_gains",
    "demosaic",
    "exposure",
    "grey_world_gains",
    "resample_weights",
    "sharpen_kernel",
    "srgb_decode",
    "srgb_encode",
    "target_size",
    "white_balance",
]
