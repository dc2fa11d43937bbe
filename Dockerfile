# The GPU worker image: CUDA runtime, CuPy, nvImageCodec, LibRaw (rawpy wheel), non-root, with a health check.
# Build: docker build -t <registry>/wedsync/gpu-worker:<version> .   (CI: .github/workflows/worker-image.yml)
# Bench: docker build --target bench -t <registry>/wedsync/gpu-worker-bench:<version> .
#        docker run --gpus all --read-only --tmpfs /tmp <that image>        (python -m gpu_worker bench)
FROM nvidia/cuda:12.6.3-runtime-ubuntu24.04 AS worker-base

# The root filesystem is read-only in the cluster and uid 10001 has no home: CuPy's kernel cache (which CuPy
# creates as soon as it is imported) and the CUDA driver's JIT cache go to the pod's emptyDir at /tmp. The
# worker checks the directory is writable, compiles and runs every kernel, and only then serves /readyz.
ENV DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/worker PATH=/opt/worker/bin:$PATH \
    CUPY_CACHE_DIR=/tmp/cupy CUDA_CACHE_PATH=/tmp/cupy/cuda-jit \
    WEDSYNC_DECODE_BACKEND=auto
# Ubuntu 24.04's Python 3.12, its patch releases included (apt matches the version glob).
RUN apt-get update \
    && apt-get install -y --no-install-recommends "python3=3.12.*" "python3-venv=3.12.*" \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY gpu_worker ./gpu_worker
# Only the worker's extras (pinned in pyproject.toml), not the Pulumi program's dependencies.
RUN python3 -m venv "$VIRTUAL_ENV" \
    && python -c "import tomllib; x = tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']; \
print('\n'.join(x['worker'] + x['gpu'] + x['cloud']))" > requirements-worker.txt \
    && pip install --no-cache-dir -r requirements-worker.txt \
    && pip install --no-cache-dir --no-deps . \
    && rm -rf /src

RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin worker
USER 10001
WORKDIR /tmp
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
ENTRYPOINT ["python", "-m", "gpu_worker"]

# The benchmark inside the worker image: the same worker plus the baselines (libvips, pidng for DNG samples).
FROM worker-base AS bench
USER root
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']\
['optional-dependencies']['bench']))" > /tmp/requirements-bench.txt \
    && pip install --no-cache-dir -r /tmp/requirements-bench.txt \
    && rm /tmp/requirements-bench.txt /tmp/pyproject.toml
USER 10001
CMD ["bench", "--device", "gpu"]

# The default target: the worker.
FROM worker-base AS worker
CMD ["serve", "--redis", "rediss://redis:6379/0", "--store", "file:///tmp/photos"]
