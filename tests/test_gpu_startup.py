"""GPU start-up in the image's configuration (read-only root, uid 10001, no home), faking only the device.

CuPy creates its kernel cache directory when it is imported (CuPy 14, cupy/cuda/_compiler_cache.py),
so the worker must prepare a writable one first, and compile and run every kernel before it is ready.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from gpu_worker.gpu.codec import BACKENDS, ENV, choose_backend
from gpu_worker.gpu.startup import DEFAULT_CACHE_DIR, GpuStartupError, prepare_cache_dir, start_gpu
from tests import image_sandbox

in_image_sandbox = pytest.mark.skipif(not image_sandbox.available(), reason="needs root and mount namespaces")

LIST_WRITES = """
import json, os
written = sorted(os.path.join(d, f) for d, _, files in os.walk("/tmp") if not d.startswith("/tmp/.python")
                 for f in files)
print(json.dumps({"written": written}))
"""


@in_image_sandbox
def test_the_kernel_cache_is_prepared_in_tmp_and_nothing_else_is_written_in_the_image_configuration() -> None:
    code = (
        "import json, os, stat\n"
        "from gpu_worker.gpu.startup import prepare_cache_dir\n"
        "path = prepare_cache_dir()\n"
        "info = os.stat(path)\n"
        "print(json.dumps({'dir': str(path), 'env': os.environ['CUPY_CACHE_DIR'],\n"
        "    'jit': os.environ['CUDA_CACHE_PATH'], 'mode': stat.S_IMODE(info.st_mode), 'uid': info.st_uid}))\n"
        "from gpu_worker.device import select_device\n"
        "from gpu_worker.photo import Options\n"
        "from gpu_worker.process import process_bytes\n"
        "from gpu_worker.samples import dng_bytes, jpeg_bytes\n"
        "for photo in (jpeg_bytes(60, 90), dng_bytes(60, 90)):  # the DNG makes Numba compile the develop loop\n"
        "    assert process_bytes(select_device('auto'), photo, Options(long_edges=(32,)))\n" + LIST_WRITES
    )
    result = image_sandbox.run_as_worker(code)
    assert result.returncode == 0, result.stderr
    prepared, listing = (json.loads(line) for line in result.stdout.splitlines()[-2:])
    assert prepared == {
        "dir": DEFAULT_CACHE_DIR,
        "env": DEFAULT_CACHE_DIR,
        "jit": f"{DEFAULT_CACHE_DIR}/cuda-jit",
        "mode": 0o700,
        "uid": image_sandbox.WORKER_UID,
    }
    assert all(path.startswith(DEFAULT_CACHE_DIR + "/") for path in listing["written"]), listing


@in_image_sandbox
def test_an_unwritable_cache_directory_fails_at_start_up_naming_the_variable() -> None:
    code = (
        "from gpu_worker.gpu.startup import GpuStartupError, prepare_cache_dir\n"
        "try:\n    prepare_cache_dir()\nexcept GpuStartupError as exc:\n    print(exc)\n"
    )
    result = image_sandbox.run_as_worker(code, env={"CUPY_CACHE_DIR": "/var/cache/cupy"})
    assert result.returncode == 0, result.stderr
    assert "CUPY_CACHE_DIR=/var/cache/cupy: cannot write there (Read-only file system)" in result.stdout


@in_image_sandbox
@pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="CuPy is not installed (the 'gpu' extra)")
def test_cupy_imports_as_the_image_user_once_the_cache_is_prepared() -> None:
    code = "from gpu_worker.gpu.startup import prepare_cache_dir\nprepare_cache_dir()\nimport cupy\n" + LIST_WRITES
    result = image_sandbox.run_as_worker(code)
    assert result.returncode == 0, result.stderr


class FakeDevice:
    """Stands in for CuPy and the GPU context: records what the start-up did, in order."""

    def __init__(self, environ: dict[str, str]):
        self.environ = environ
        self.events: list[str] = []
        self.in_flight = 2
        self.decode_backend = "cuda"

    def load(self) -> FakeDevice:
        cache = Path(self.environ["CUPY_CACHE_DIR"])
        self.events.append(f"import cupy (cache {'writable' if cache.is_dir() else 'missing'})")
        return self

    def make_context(self, cupy: FakeDevice) -> FakeDevice:
        self.events.append("compile kernels")
        return self

    def warm_up(self) -> None:
        self.events.append("warm up")


def test_start_up_prepares_the_cache_before_cupy_and_warms_every_kernel_before_the_device_is_handed_out(
    tmp_path: Path,
) -> None:
    environ = {"CUPY_CACHE_DIR": str(tmp_path / "kernels")}
    fake = FakeDevice(environ)
    device = start_gpu(load=fake.load, make_context=fake.make_context, environ=environ)
    assert fake.events == ["import cupy (cache writable)", "compile kernels", "warm up"]
    assert device.name == "gpu" and device.concurrency == 2
    assert environ["CUDA_CACHE_PATH"] == str(tmp_path / "kernels" / "cuda-jit")


def test_a_failing_warm_up_keeps_the_device_from_being_used(tmp_path: Path) -> None:
    environ = {"CUPY_CACHE_DIR": str(tmp_path / "kernels")}
    fake = FakeDevice(environ)

    def broken_warm_up() -> None:
        raise RuntimeError("CUDA_ERROR_INVALID_PTX")

    fake.warm_up = broken_warm_up  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="INVALID_PTX"):
        start_gpu(load=fake.load, make_context=fake.make_context, environ=environ)


def test_prepare_cache_dir_keeps_a_configured_directory(tmp_path: Path) -> None:
    environ = {"CUPY_CACHE_DIR": str(tmp_path / "a" / "b"), "CUDA_CACHE_PATH": "/elsewhere"}
    assert prepare_cache_dir(environ) == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b").is_dir() and environ["CUDA_CACHE_PATH"] == "/elsewhere"
    (tmp_path / "a" / "b" / "file").write_text("not a directory")
    with pytest.raises(GpuStartupError, match=r"CUPY_CACHE_DIR=.*/file/x: cannot write there"):
        prepare_cache_dir({"CUPY_CACHE_DIR": str(tmp_path / "a" / "b" / "file" / "x")})


def test_the_decode_backend_is_pinned_by_the_deployment_or_probed_in_order() -> None:
    assert choose_backend(lambda name: True, {ENV: "cuda"}) == "cuda"
    assert choose_backend(lambda name: name == "cuda", {}) == "cuda"  # no NVJPG engines: CUDA decode
    assert choose_backend(lambda name: False, {ENV: "auto"}) == "cpu"
    with pytest.raises(ValueError, match=f"{ENV}='nvjpg'"):
        choose_backend(lambda name: True, {ENV: "nvjpg"})


@pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="CuPy is not installed (the 'gpu' extra)")
@pytest.mark.parametrize("arch", ["compute_89", "compute_90"])  # L4, H100/H200
def test_every_kernel_compiles_with_nvrtc_for_the_fleet_gpus(arch: str) -> None:
    from cupy.cuda import nvrtc  # NVRTC needs no GPU

    from gpu_worker.gpu.kernels import COMPILE_OPTIONS, KERNEL_NAMES, SOURCE

    program = nvrtc.createProgram(SOURCE, "wedsync.cu", [], [])
    nvrtc.compileProgram(program, [f"--gpu-architecture={arch}", *COMPILE_OPTIONS])
    ptx = nvrtc.getPTX(program)
    ptx = ptx.decode() if isinstance(ptx, bytes) else ptx
    assert all(f".entry {name}(" in ptx for name in KERNEL_NAMES)


def _dockerfile_env() -> dict[str, str]:
    text = (image_sandbox.REPO / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for pair in line[4:].split():
                if "=" in pair:
                    key, value = pair.split("=", 1)
                    env[key] = value
    return env


def test_the_image_points_cupy_and_the_cuda_jit_cache_where_the_worker_prepares_them() -> None:
    env = _dockerfile_env()
    assert env["CUPY_CACHE_DIR"] == DEFAULT_CACHE_DIR and DEFAULT_CACHE_DIR.startswith("/tmp/")  # the emptyDir
    assert env["CUDA_CACHE_PATH"] == f"{DEFAULT_CACHE_DIR}/cuda-jit"
    assert env[ENV] in ("auto", *BACKENDS)


def test_the_bench_stage_installs_the_bench_extra_with_the_baselines() -> None:
    import tomllib

    dockerfile = (image_sandbox.REPO / "Dockerfile").read_text()
    extras = tomllib.loads((image_sandbox.REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    bench_stage = dockerfile[dockerfile.index("AS bench") : dockerfile.index("AS worker\n")]
    assert "['bench']" in bench_stage.replace("\\\n", "")
    assert {"pyvips", "pidng"} <= {requirement.split(">")[0].split("=")[0] for requirement in extras["bench"]}
    assert "x['worker'] + x['gpu']" in dockerfile


def test_asking_for_a_gpu_where_there_is_none_is_a_one_line_error_and_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "in").mkdir()
    command = [sys.executable, "-m", "gpu_worker", "process", str(tmp_path / "in"), str(tmp_path / "out")]
    result = subprocess.run([*command, "--device", "gpu"], capture_output=True, text=True, timeout=120)
    if result.returncode == 0:
        pytest.skip("this machine has a GPU")
    assert result.returncode == 2
    assert result.stderr.startswith("error: --device gpu: ") and "Traceback" not in result.stderr
