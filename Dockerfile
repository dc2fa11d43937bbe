# The GPU worker image: CUDA runtime, CuPy, LibRaw (rawpy wheel), non-root, with a health check.
# Build: docker build -t <registry>/wedsync/gpu-worker:<version> .   (CI: .github/workflows/worker-image.yml)
FROM nvidia/cuda:12.6.3-runtime-ubuntu24.04

ENV DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/worker PATH=/opt/worker/bin:$PATH
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
CMD ["serve", "--redis", "rediss://redis:6379/0", "--store", "file:///tmp/photos"]
