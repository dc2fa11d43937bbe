"""Which add-on release installs each custom resource's definition, and which chart values render custom
resources themselves: a custom resource may only be created after the release that installs its CRD."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from foundation.naming import PROMETHEUS_RELEASE

# API groups Kubernetes serves itself (no CRD): objects in them are validated against the Kubernetes schema.
BUILT_IN_GROUPS = frozenset(
    {
        "",
        "apps",
        "batch",
        "policy",
        "autoscaling",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "admissionregistration.k8s.io",
    }
)

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"  # the Pulumi type token of a Helm release

ISTIO_BASE_RELEASE = "istio-base"
KEDA_RELEASE = "keda"
CERT_MANAGER_RELEASE = "cert-manager"
KYVERNO_RELEASE = "kyverno"
ARGO_ROLLOUTS_RELEASE = "argo-rollouts"
# The velero chart ships its CRDs in crds/ (Helm installs them first) and upgrades them in a pre-upgrade hook Job
# (`upgradeCRDs: true`, templates/upgrade-crds/upgrade-crds.yaml; vmware-tanzu/helm-charts velero-12.1.0).
VELERO_RELEASE = "velero"

CRD_RELEASES = {
    "monitoring.coreos.com": PROMETHEUS_RELEASE,
    "keda.sh": KEDA_RELEASE,
    "cert-manager.io": CERT_MANAGER_RELEASE,
    "acme.cert-manager.io": CERT_MANAGER_RELEASE,
    "networking.istio.io": ISTIO_BASE_RELEASE,
    "security.istio.io": ISTIO_BASE_RELEASE,
    "telemetry.istio.io": ISTIO_BASE_RELEASE,
    "extensions.istio.io": ISTIO_BASE_RELEASE,
    "kyverno.io": KYVERNO_RELEASE,
    "argoproj.io": ARGO_ROLLOUTS_RELEASE,
    "velero.io": VELERO_RELEASE,
}
# Chart values that make a chart render Prometheus-operator objects (ServiceMonitor, PodMonitor, PrometheusRule).
MONITORING_VALUE_KEYS = frozenset({"serviceMonitor", "podMonitor", "prometheusRule", "prometheusRules"})


def api_group(api_version: str) -> str:
    """`monitoring.coreos.com/v1` -> `monitoring.coreos.com`; `v1` -> `` (the core group)."""
    return api_version.split("/")[0] if "/" in api_version else ""


def renders_monitoring_resources(values: Any) -> bool:
    """Whether chart values enable any ServiceMonitor/PodMonitor/PrometheusRule (`<key>: {enabled: true}`)."""
    if not isinstance(values, Mapping):
        return False
    for key, value in values.items():
        if key in MONITORING_VALUE_KEYS and isinstance(value, Mapping) and value.get("enabled") is True:
            return True
        if renders_monitoring_resources(value):
            return True
    return False
