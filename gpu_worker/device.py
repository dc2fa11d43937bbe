"""The device switch: the GPU path (CuPy, `gpu_worker.gpu`) where there is a GPU, the CPU path elsewhere.

On a GPU, `select_device` runs the start-up (`gpu_worker.gpu.startup`) before it returns: the
kernel cache directory is prepared before CuPy is imported, and every kernel is compiled and run
once, so the worker is warm before it serves `/readyz`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

DeviceChoice = Literal["auto", "cpu", "gpu"]


@dataclass(frozen=True)
class Device:
    """The array module pipeline functions compute with, and how to move arrays to and from it."""

    name: str
    xp: Any
    context: Any = None  # the GPU path's warmed kernels, plan cache and decoder (gpu_worker.gpu.context)

    def to_device(self, array: np.ndarray) -> Any:
        return self.xp.asarray(array)

    def to_host(self, array: Any) -> np.ndarray:
        return array.get() if hasattr(array, "get") else np.asarray(array)

    def memory_in_use(self) -> int:
        """Bytes held by the device memory pool (0 on the CPU)."""
        if self.name == "gpu":
            return int(self.xp.get_default_memory_pool().used_bytes())
        return 0

    @property
    def concurrency(self) -> int | None:
        """Photos in flight at once on the GPU (sized by device memory); None on the CPU (one per core)."""
        return self.context.in_flight if self.context is not None else None

    @property
    def decode_backend(self) -> str:
        """Which decoder produces the pixels (they differ by backend, so a deployment pins one)."""
        return self.context.decode_backend if self.context is not None else "libjpeg-turbo"


CPU = Device("cpu", np)


class DeviceError(RuntimeError):
    """The device asked for cannot be used as configured (the CLI reports it and exits 2)."""


def select_device(choice: DeviceChoice = "auto") -> Device:
    """`gpu` requires a GPU, `cpu` never uses one, `auto` uses one when present.

    Raises DeviceError for `gpu` without a usable GPU, and for any GPU whose start-up fails on
    configuration (an unwritable kernel cache directory).
    """
    if choice == "cpu":
        return CPU
    from gpu_worker.gpu.startup import GpuStartupError, GpuUnavailable, start_gpu

    try:
        return start_gpu()
    except GpuUnavailable as exc:
        if choice == "gpu":
            raise DeviceError(f"--device gpu: {exc}") from None
        return CPU
    except GpuStartupError as exc:
        raise DeviceError(str(exc)) from None


def array_module(array: Any) -> Any:
    """NumPy or CuPy, whichever owns `array`."""
    module = type(array).__module__
    if module.startswith("cupy"):
        import cupy

        return cupy
    return np
