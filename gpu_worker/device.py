"""The array-module switch: CuPy on a GPU, NumPy elsewhere. The only module that imports CuPy."""

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

    def to_device(self, array: np.ndarray) -> Any:
        return self.xp.asarray(array)

    def to_host(self, array: Any) -> np.ndarray:
        return array.get() if hasattr(array, "get") else np.asarray(array)

    def memory_in_use(self) -> int:
        """Bytes held by the device memory pool (0 on the CPU)."""
        if self.name == "gpu":
            return int(self.xp.get_default_memory_pool().used_bytes())
        return 0


def _cupy() -> Any | None:
    try:
        import cupy

        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:
        return None


def select_device(choice: DeviceChoice = "auto") -> Device:
    """`gpu` requires a GPU, `cpu` never uses one, `auto` uses one when present."""
    if choice == "cpu":
        return Device("cpu", np)
    cupy = _cupy()
    if cupy is None:
        if choice == "gpu":
            raise RuntimeError("--device gpu: no CUDA device or CuPy found (install the 'gpu' extra)")
        return Device("cpu", np)
    return Device("gpu", cupy)


def array_module(array: Any) -> Any:
    """NumPy or CuPy, whichever owns `array`."""
    module = type(array).__module__
    if module.startswith("cupy"):
        import cupy

        return cupy
    return np


def scipy_for(xp: Any) -> tuple[Any, Any]:
    """(ndimage, sparse) for an array module: SciPy's on the CPU, cupyx.scipy's on the GPU."""
    if xp is np:
        import scipy.ndimage
        import scipy.sparse

        return scipy.ndimage, scipy.sparse
    import cupyx.scipy.ndimage
    import cupyx.scipy.sparse

    return cupyx.scipy.ndimage, cupyx.scipy.sparse
