#!/usr/bin/env bash
# Wheels that scripts/gpu-check.sh needs on a GPU machine without a package registry (the lent H200s:
# Python 3.12, CUDA 13, CuPy/NumPy/Pillow/Numba/pytest already there). Run here, in the repo root, with
# registry access; the wheels land in .whl/ (kept out of git), about 40 MB. Then carry `.whl` to the
# GPU machine and run scripts/gpu-check.sh there.
set -euo pipefail
PYTHON=${PYTHON:-python3.12}  # the GPU machine's Python version: sdists are built for it
mkdir -p .whl
grep -qx '/.whl/' "$(git rev-parse --git-common-dir)/info/exclude" 2>/dev/null \
    || echo '/.whl/' >> "$(git rev-parse --git-common-dir)/info/exclude"
platforms=()
for tag in manylinux_2_34 manylinux_2_28 manylinux_2_27 manylinux_2_17 manylinux2014 manylinux1; do
    platforms+=(--platform "${tag}_x86_64")
done
"$PYTHON" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    "${platforms[@]}" -d .whl \
    "simplejpeg>=1.9,<2" "rawpy>=0.24,<0.29" "pyvips-binary>=8.16,<9" cffi pycparser \
    "nvidia-nvimgcodec-cu13>=0.9,<0.10" "nvidia-nvjpeg>=13,<14"
"$PYTHON" -m pip wheel -q --no-deps -w .whl "pyvips>=2.2,<4" "pidng>=4.0.9,<5"  # published as sources only
du -sh .whl
