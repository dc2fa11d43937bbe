#!/usr/bin/env bash
# The GPU check of the worker, in one call on a GPU machine: environment, `pytest -m gpu` (GPU equals CPU
# within tolerance, byte-identical runs, nothing written outside the kernel cache, start-up in the
# image's configuration), then the benchmark on the GPU. Results go to $OUT (default ./gpu-check-out):
# summary.txt, environment.txt, pytest-gpu.txt, bench-gpu.md. Budget: about 6 minutes of an 8-minute
# call (each step has its own timeout), so a re-run still fits.
#
#   Lent GPU machine (no registry): scripts/gpu-wheels.sh here first, then carry .whl and run this.
#   Worker image or any machine with a registry: it installs the project's worker, gpu and bench extras.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-check-out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 CUPY_CACHE_DIR=${CUPY_CACHE_DIR:-/tmp/cupy}
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/summary.txt"; }

log "install"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile .whl/*.whl 2>&1 | tail -3
else
    python3 -m pip install -q -e '.[worker,gpu,bench]' pytest 2>&1 | tail -3
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}

log "environment"
{
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
    python3 - <<'PY'
import platform
import cupy
print("python", platform.python_version(), "| cupy", cupy.__version__, "| CUDA runtime", cupy.cuda.runtime.runtimeGetVersion(),
      "| driver", cupy.cuda.runtime.driverGetVersion(), "| NVRTC", cupy.cuda.nvrtc.getVersion())
try:
    from nvidia import nvimgcodec
    print("nvImageCodec", nvimgcodec.__version__)
except ImportError as exc:
    print("nvImageCodec missing:", exc)
PY
    grep -m1 "model name" /proc/cpuinfo; nproc
} > "$OUT/environment.txt" 2>&1
cat "$OUT/environment.txt"

log "pytest: tests/test_gpu.py (all marked gpu) and the start-up tests"
timeout 240 python3 -m pytest -q -p no:cacheprovider --noconftest -o addopts="" -rs \
    tests/test_gpu.py tests/test_gpu_startup.py 2>&1 | tee "$OUT/pytest-gpu.txt"
log "pytest exit ${PIPESTATUS[0]}"

log "benchmark"
timeout 300 python3 -m gpu_worker bench --megapixels 24,50 --repeats 3 --device gpu 2>&1 | tee "$OUT/bench-gpu.md"
log "benchmark exit ${PIPESTATUS[0]}"
