"""The GPU path on a real GPU (`pytest -m gpu`, run by scripts/gpu-check.sh); skipped cleanly elsewhere."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gpu_worker.codecs import decode
from gpu_worker.device import CPU, select_device
from gpu_worker.photo import Options, render_variants
from gpu_worker.process import process_bytes
from gpu_worker.samples import dng_bytes, jpeg_bytes
from tests import image_sandbox

pytestmark = pytest.mark.gpu
OPTIONS = Options(long_edges=(512, 256, 64))


@pytest.fixture(scope="module")
def gpu():
    try:
        return select_device("gpu")
    except RuntimeError as exc:
        pytest.skip(f"no GPU: {exc}")


@pytest.mark.parametrize("make", [lambda: jpeg_bytes(600, 900, seed=3, orientation=6), lambda: dng_bytes(600, 900)])
def test_gpu_variants_equal_the_cpu_path_within_a_grey_level(gpu, make) -> None:
    data = make()
    cpu = render_variants(CPU, decode(data), OPTIONS)
    ours = render_variants(gpu, decode(data), OPTIONS)
    assert list(ours) == list(cpu)
    for name in cpu:
        a, b = cpu[name][..., :3].astype(int), ours[name][..., :3].astype(int)
        assert a.shape == b.shape, name
        assert np.abs(a - b).mean() < 1.0 and np.abs(a - b).max() <= 12, name


def test_gpu_outputs_are_byte_identical_across_runs(gpu) -> None:
    for data in (jpeg_bytes(600, 900, seed=4), dng_bytes(400, 600, seed=4)):
        assert process_bytes(gpu, data, OPTIONS) == process_bytes(gpu, data, OPTIONS)


def test_resize_plans_are_computed_once_per_shape(gpu) -> None:
    context = gpu.context
    assert context.plan(4000, 2048) is context.plan(4000, 2048)


def test_the_decode_backend_is_pinned_and_reported(gpu) -> None:
    assert gpu.decode_backend in ("hardware", "cuda", "cpu")


@pytest.mark.skipif(not image_sandbox.available(), reason="needs root and mount namespaces")
def test_start_up_and_a_job_on_the_gpu_write_nothing_outside_the_cache_in_the_image_configuration(gpu) -> None:
    code = (
        "import json, os\n"
        "from gpu_worker.device import select_device\n"
        "from gpu_worker.photo import Options\n"
        "from gpu_worker.process import process_bytes\n"
        "from gpu_worker.samples import dng_bytes, jpeg_bytes\n"
        "device = select_device('gpu')\n"
        "for data in (jpeg_bytes(300, 450), dng_bytes(300, 450)):\n"
        "    assert process_bytes(device, data, Options(long_edges=(128,)))\n"
        "written = sorted(os.path.join(d, f) for d, _, fs in os.walk('/tmp') if not d.startswith('/tmp/.python')\n"
        "                 for f in fs)\n"
        "print(json.dumps({'written': written, 'device': device.name}))\n"
    )
    result = image_sandbox.run_as_worker(code, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["device"] == "gpu"
    assert report["written"] and all(path.startswith("/tmp/cupy/") for path in report["written"]), report
