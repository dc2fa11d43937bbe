"""Which images a cluster admits: the platform's own, signed by CI, and an allow-list of the rest.

One definition for GKE Binary Authorization (the attestor, the signing key, the policy's allow-list), the EKS
admission policy (Kyverno), the image workflow and the policies that check them.

Allow-list patterns use Binary Authorization's syntax (`AdmissionWhitelistPattern.name_pattern`, v1 API
reference): `registry/path/to/image`, a trailing `*` that does not cross `/`, a trailing `**` that does.
Google-maintained GKE system images are exempt through the policy's global evaluation mode instead.
"""

from __future__ import annotations

import re

from foundation.config import Cloud, PlatformConfig
from foundation.images import DOCKER_HUB, ImageReference, untagged

# The asymmetric Cloud KMS key CI signs attestations with; Binary Authorization's attestor holds its public key.
SIGNING_KEY_RING = "wedsync-image-signing"
SIGNING_KEY = "worker-image"
SIGNING_KEY_LOCATION = "global"
SIGNING_KEY_ALGORITHM = "EC_SIGN_P256_SHA256"  # Cloud KMS's name; the attestor's is ATTESTOR_ALGORITHM
ATTESTOR_ALGORITHM = "ECDSA_P256_SHA256"
ATTESTOR = "wedsync-worker-built-by-ci"  # also the Container Analysis note's id
KYVERNO_NAMESPACE = "kyverno"
IMAGE_VERIFICATION_POLICY = "verify-platform-images"

# The images each add-on chart runs by default (each chart's values.yaml at the pinned version), keyed by
# chart name. Istio's charts pull from `global.hub` docker.io/istio; KEDA from ghcr.io/kedacore;
# kube-prometheus-stack from quay.io (Prometheus, Alertmanager, the operator, node-exporter, Grafana's
# k8s-sidecar), registry.k8s.io (kube-state-metrics, the admission webhooks' certgen job) and docker.io
# (Grafana, its busybox init container); the GPU operator and the DCGM exporter from nvcr.io/nvidia (and
# node-feature-discovery from registry.k8s.io/nfd); cert-manager from quay.io/jetstack; Kyverno from
# reg.kyverno.io (charts 3.4+).
CHART_IMAGES: dict[str, tuple[str, ...]] = {  # by chart name
    "gpu-operator": ("nvcr.io/nvidia/**", "registry.k8s.io/nfd/*"),
    "cluster-autoscaler": ("registry.k8s.io/autoscaling/*",),
    "dcgm-exporter": ("nvcr.io/nvidia/k8s/*",),
    "keda": ("ghcr.io/kedacore/*",),
    "kube-prometheus-stack": (
        "quay.io/prometheus/*",
        "quay.io/prometheus-operator/*",
        "quay.io/kiwigrid/*",
        "registry.k8s.io/kube-state-metrics/*",
        "registry.k8s.io/ingress-nginx/*",
        "docker.io/grafana/*",
        "docker.io/library/busybox*",
    ),
    "cert-manager": ("quay.io/jetstack/*",),
    "base": (),  # CRDs and cluster roles only
    "istiod": ("docker.io/istio/*",),
    "gateway": ("docker.io/istio/*",),
    "cni": ("docker.io/istio/*",),
    "kyverno": ("reg.kyverno.io/kyverno/*",),
    "argo-rollouts": ("quay.io/argoproj/*",),  # controller.image.repository in argo-helm charts/argo-rollouts
    # velero-12.1.0 values.yaml: image.repository docker.io/velero/velero, the plugins we add as init containers
    # (docker.io/velero/velero-plugin-for-aws, -gcp) and the CRD upgrade job's kubectl.image.repository.
    "velero": ("docker.io/velero/*", "registry.k8s.io/kubectl*"),
}
# Charts installed on one cloud only (components/kubernetes/addons.py); the rest go everywhere.
ONLY_ON = {"gpu-operator": Cloud.AWS, "cluster-autoscaler": Cloud.AWS, "kyverno": Cloud.AWS, "dcgm-exporter": Cloud.GCP}


def signing_key_version(project: str) -> str:
    """The key version CI signs with (the first: asymmetric keys do not rotate)."""
    key = f"projects/{project}/locations/{SIGNING_KEY_LOCATION}/keyRings/{SIGNING_KEY_RING}/cryptoKeys/{SIGNING_KEY}"
    return f"{key}/cryptoKeyVersions/1"


def attestor_key_id(project: str) -> str:
    """The attestor's public-key id: Cloud KMS's resource URI of the version, as `gcloud` names it."""
    return f"//cloudkms.googleapis.com/v1/{signing_key_version(project)}"


def attestor_name(project: str) -> str:
    return f"projects/{project}/attestors/{ATTESTOR}"


def canonical(image: str) -> str:
    """`registry/repository` with Docker Hub spelt `docker.io` (how both admission controllers name it)."""
    reference = ImageReference.parse(image)
    registry = "docker.io" if reference.registry == DOCKER_HUB else reference.registry
    return f"{registry}/{reference.repository}"


def repository_pattern(image: str) -> str:
    """The admission pattern of one repository, any tag or digest of it (a name pattern includes the tag)."""
    return f"{canonical(untagged(image))}*"


def own_repositories(platform: PlatformConfig) -> tuple[str, ...]:
    """The repositories of the platform's own image, which CI builds and signs (the worker, also the API)."""
    images = [platform.worker.image, *(r.worker_image for r in platform.regions if r.worker_image)]
    return tuple(dict.fromkeys(untagged(image) for image in images))


def third_party_images(platform: PlatformConfig) -> tuple[str, ...]:
    """Images the platform deploys by name but does not build: the Redis exporter, other teams' models, cache
    service and queue workers (the PDF analysis)."""
    layer = platform.kubernetes
    cache = (platform.cache.service.image,) if platform.cache else ()
    queues = tuple(worker.image for worker in platform.queue_workers if worker.enabled)
    models = (layer.triton_image, *(service.image for service in layer.model_services)) if layer.model_services else ()
    return (layer.redis_exporter_image, *models, *cache, *queues)


def allow_list(platform: PlatformConfig, cloud: Cloud) -> tuple[str, ...]:
    """Sorted patterns for the images of the charts installed on `cloud` and of each third-party image."""
    charts = [chart.chart for _, chart in platform.kubernetes.charts if ONLY_ON.get(chart.chart, cloud) is cloud]
    patterns = {pattern for chart in charts for pattern in CHART_IMAGES[chart]}
    patterns |= {repository_pattern(image) for image in third_party_images(platform)}
    return tuple(sorted(patterns))


def matches(pattern: str, image: str) -> bool:
    """Whether `image` (any reference) falls under a Binary Authorization name pattern."""
    name = canonical(image)
    if pattern.endswith("**"):
        return name.startswith(pattern[:-2])
    if pattern.endswith("*"):
        stem = pattern[:-1]
        return name.startswith(stem) and "/" not in name[len(stem) :]
    return name == pattern


def kyverno_pattern(pattern: str) -> str:
    """Kyverno's image-reference wildcard for a pattern: `*` there matches any text, tag and digest included."""
    return re.sub(r"\*+$", "", pattern) + "*"
