"""GPU start-up in the image's configuration: read-only root filesystem, uid 10001, no home directory.

CuPy compiles kernels with NVRTC and keeps the binaries in `CUPY_CACHE_DIR` (default
`~/.cupy/kernel_cache`). CuPy 14 creates that directory when `cupy.cuda.compiler` is imported
(`DiskKernelCacheBackend.__init__` in cupy/cuda/_compiler_cache.py calls `os.makedirs` on it), so
without a writable home even `import cupy` fails; Jitify writes headers there too, and
`CUPY_CACHE_IN_MEMORY` is ignored by the nvcc backend (cupy/cuda/compiler.py). The directory is
therefore created, checked writable and exported *before* CuPy is imported; the CUDA driver's JIT
cache (`CUDA_CACHE_PATH`, default `~/.nv/ComputeCache`) goes beside it. Then every kernel is compiled
and run once (`GpuContext.warm_up`), all before `select_device` returns, so a worker that serves
`/readyz` never compiles on a job.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

DEFAULT_CACHE_DIR = "/tmp/cupy"  # on the pod's emptyDir (the Deployment mounts one at /tmp)


class GpuUnavailable(RuntimeError):
    """No GPU here (CuPy missing or no CUDA device): `auto` falls back to the CPU."""


class GpuStartupError(RuntimeError):
    """A GPU is present but the worker cannot use it as configured (e.g. an unwritable cache directory)."""


def prepare_cache_dir(environ: MutableMapping[str, str] = os.environ) -> Path:
    """Create the kernel cache directory (0700), prove it writable, and export CUPY_CACHE_DIR/CUDA_CACHE_PATH."""
    path = Path(environ.get("CUPY_CACHE_DIR") or DEFAULT_CACHE_DIR)
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as exc:
        raise GpuStartupError(
            f"CUPY_CACHE_DIR={path}: cannot write there ({exc.strerror}); CuPy stores compiled kernels in it, "
            f"so point it at a writable directory (the image uses {DEFAULT_CACHE_DIR} on the pod's emptyDir)"
        ) from None
    environ["CUPY_CACHE_DIR"] = str(path)
    environ.setdefault("CUDA_CACHE_PATH", str(path / "cuda-jit"))
    return path


def load_cupy() -> Any:
    """The CuPy module, if it is installed and sees a CUDA device (call after `prepare_cache_dir`)."""
    if importlib.util.find_spec("cupy") is None:
        raise GpuUnavailable("CuPy is not installed (install the 'gpu' extra)")
    try:
        import cupy

        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or too old: CuPy raises its own runtime errors
        raise GpuUnavailable(f"no usable CUDA device ({exc})") from None
    if count < 1:
        raise GpuUnavailable("no CUDA device")
    return cupy


def _context(cupy: Any) -> Any:
    from gpu_worker.gpu.context import GpuContext

    return GpuContext(cupy)


def start_gpu(
    load: Callable[[], Any] = load_cupy,
    make_context: Callable[[Any], Any] = _context,
    environ: MutableMapping[str, str] = os.environ,
) -> Any:
    """The warmed GPU device: the cache directory first, then CuPy, then every kernel compiled and run once.

    `load` and `make_context` are the device-facing steps (tests replace them where there is no GPU).
    """
    from gpu_worker.device import Device

    if importlib.util.find_spec("cupy") is None and load is load_cupy:
        raise GpuUnavailable("CuPy is not installed (install the 'gpu' extra)")  # nothing to prepare a cache for
    prepare_cache_dir(environ)
    cupy = load()
    context = make_context(cupy)
    context.warm_up()
    return Device("gpu", cupy, context)
