"""The image maths both paths share: array functions on NumPy or CuPy (the module is taken from the input),
filter and weight tables the CUDA kernels are generated from, and the CPU's fused develop loop."""

from gpu_worker.pipeline.color import (
    bayer_means,
    camera_gains,
    exposure,
    grey_world_gains,
    srgb_decode,
    srgb_encode,
)
from gpu_worker.pipeline.orientation import apply_orientation
from gpu_worker.pipeline.resample import resample_weights, sharpen_kernel, target_size

__all__ = [
    "apply_orientation",
    "bayer_means",
    "camera_gains",
    "exposure",
    "grey_world_gains",
    "resample_weights",
    "sharpen_kernel",
    "srgb_decode",
    "srgb_encode",
    "target_size",
]
