"""Run Python the way the worker image runs it: read-only root filesystem, uid 10001, no home, a fresh /tmp.

A private mount namespace (util-linux `unshare`, as root) remounts `/` read-only for the child only,
mounts an empty tmpfs on /tmp (the pod's emptyDir), exposes the interpreter and this venv to an
unprivileged user, and drops to uid/gid 10001 with `setpriv`. Needs root; tests skip elsewhere.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON_MOUNT = "/tmp/.python"  # the interpreter's prefix, bind-mounted (not written by the worker)
SITE_MOUNT = "/tmp/.python-site"  # its site-packages, wherever the venv lives (even under the real /tmp)
REPO_MOUNT = "/tmp/.python-worker-source"  # holds this checkout's gpu_worker, read-only, wherever it lives
WORKER_UID = 10001


def available() -> bool:
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("setpriv")):
        return False
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True)
    return probe.returncode == 0


def run_as_worker(code: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `code` with the image's constraints; prints of the code come back in stdout."""
    prefix = sys.base_prefix
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = sysconfig.get_paths()["purelib"]
    inherited = {k: v for k, v in os.environ.items() if k.startswith(("CUDA_", "NVIDIA_"))}  # the GPU's runtime
    libraries = ":".join(filter(None, [f"{PYTHON_MOUNT}/lib", os.environ.get("LD_LIBRARY_PATH")]))
    environment = {
        **inherited,
        "HOME": "/nonexistent",  # the image's user has no home directory
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{REPO_MOUNT}:{SITE_MOUNT}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LD_LIBRARY_PATH": libraries,  # a shared-library interpreter finds libpython under the mount
        **(env or {}),
    }
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in environment.items())
    # The checkout may itself live under /tmp, which the fresh tmpfs hides, or in a 0700 folder (mktemp -d) the
    # worker's uid cannot enter: bind its package first to a mount point on /dev/shm (a separate tmpfs, untouched
    # by the read-only remount), then move that mount under the new /tmp, where its parent is traversable.
    staging = tempfile.mkdtemp(prefix="worker-source-", dir="/dev/shm")
    script = " && ".join(
        [
            f"cd {shlex.quote(site)}",  # the shell keeps this directory even if a venv under /tmp gets hidden
            f"mount --bind -o ro {shlex.quote(str(REPO / 'gpu_worker'))} {shlex.quote(staging)}",
            "mount --bind / / && mount -o remount,bind,ro /",
            "mount -t tmpfs -o mode=1777 tmpfs /tmp",
            f"mkdir -p {PYTHON_MOUNT} {SITE_MOUNT} {REPO_MOUNT}/gpu_worker",
            f"mount -n --move {shlex.quote(staging)} {REPO_MOUNT}/gpu_worker",
            f"mount --bind -o ro {shlex.quote(prefix)} {PYTHON_MOUNT}",
            f"mount --no-canonicalize --bind -o ro . {SITE_MOUNT}",
            f"exec setpriv --reuid={WORKER_UID} --regid={WORKER_UID} --clear-groups env -i {exports} "
            f"{PYTHON_MOUNT}/bin/{version} -c {shlex.quote(code)}",
        ]
    )
    try:
        return subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    finally:
        os.rmdir(staging)
