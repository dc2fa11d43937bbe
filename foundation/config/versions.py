"""The supported-versions table: every pin with the date its upstream support ends and the page it came from.

One table for Kubernetes per cloud, the EKS add-on builds and the cluster autoscaler per Kubernetes minor,
and the Helm charts (their defaults live in `charts.py`, built from `CHARTS` here). `pins_in_use` lists what
a stack actually deploys; `expiring` (clock injected) names every pin within its margin of end of support,
so the suite turns red while there is still time to upgrade.

Read on 2026-11-29 from stored copies of the pages named in each `source`. Not verifiable from the stored
docs, hence estimated or assumed (each such pin says so in its `note`):
- EKS 1.36's release date (2026-06-02) comes from a third-party article; the end of standard support is
  that date plus EKS's documented 14 months. EKS 1.37 could not be confirmed, so 1.36 is the newest.
- GKE 1.36's Regular-channel availability (about June 2026) comes from release notes; its end of standard
  support is estimated as availability plus GKE's documented 14 months, rounded down to 2027-07-01.
- vpc-cni v1.23.0-eksbuild.1 is the newest build seen (2026-07); that it is listed for 1.36 is assumed
  (the docs list one vpc-cni build for every supported minor).
- Istio 1.31.0, KEDA 2.21.0, cert-manager v1.21.2 and dcgm-exporter 4.8.3 are confirmed to exist by
  release notes or downstream references, not by a tag in a stored repository; their ends of support
  follow each project's written policy applied to its release cadence.
- Argo Rollouts publishes no support window (docs/installation.md "Supported versions" points at the e2e
  matrix only): v1.9 is taken as patched until the second minor after it, estimated 2027-06-30.
- kube-prometheus-stack publishes no support window (only the newest chart is maintained): its pin
  expires six months after release, so it is re-checked at least twice a year.
- Velero supports the current and the previous minor (site/content/docs/main/support-process.md): v1.18 is
  taken as supported until v1.20, estimated 2027-03-01 at the 1.17 (2025-09-09) to 1.18 (2026-03-02) cadence.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Annotated

from pydantic import Field, StringConstraints

from foundation.config.base import Model

Url = Annotated[str, StringConstraints(pattern=r"^https://\S+$")]
SUPPORT_MARGIN_DAYS = 60


class Pin(Model):
    """A version and how long it is supported upstream."""

    version: str = Field(description="The exact version deployed")
    end_of_support: date = Field(description="Last day upstream supports this version (YYYY-MM-DD)")
    source: Url = Field(description="Where the version and its end of support were read")
    note: str = Field("", description="What about the date is estimated or assumed, if anything")


class EksAddonPins(Model):
    """The EKS add-on builds for one Kubernetes minor (`aws eks describe-addon-versions` lists valid ones)."""

    vpc_cni: Pin = Field(description="Amazon VPC CNI (created before the nodes, with its IRSA role)")
    kube_proxy: Pin = Field(description="kube-proxy (created before the nodes)")
    coredns: Pin = Field(description="CoreDNS (created after the nodes: it waits for running pods)")
    ebs_csi_driver: Pin = Field(description="EBS CSI driver (created after the nodes)")


class KubernetesRelease(Model):
    """One Kubernetes minor as each cloud supports it, and what must match it."""

    eks: Pin = Field(description="EKS: end of standard support (support_type STANDARD is valid until then)")
    gke: Pin = Field(
        description="GKE: end of standard support. With a release channel `min_master_version` is only a "
        "floor: GKE upgrades the control plane and nodes along the channel"
    )
    eks_addons: EksAddonPins = Field(description="EKS add-on builds for this minor")
    cluster_autoscaler_image: Pin = Field(description="cluster-autoscaler image tag matching this minor")


_EKS_136_END = date(2027, 8, 2)
_EKS_136_NOTE = "supported as long as EKS 1.36 is in standard support"

KUBERNETES: dict[str, KubernetesRelease] = {
    "1.36": KubernetesRelease(
        eks=Pin(
            version="1.36",
            end_of_support=_EKS_136_END,
            source="https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html",
            note="EKS release 2026-06-02 (devopsdreams.blogspot.com, 2026-08-16) + 14 months of standard support",
        ),
        gke=Pin(
            version="1.36",
            end_of_support=date(2027, 7, 1),
            source="https://cloud.google.com/kubernetes-engine/docs/release-schedule",
            note="estimated: Regular-channel availability about 2026-06 + 14 months, rounded down",
        ),
        eks_addons=EksAddonPins(
            vpc_cni=Pin(
                version="v1.23.0-eksbuild.1",
                end_of_support=_EKS_136_END,
                source="https://github.com/zalando-incubator/kubernetes-on-aws/pull/11667",
                note=f"newest build on 2026-07-15; listed for 1.36 is assumed; {_EKS_136_NOTE}",
            ),
            kube_proxy=Pin(
                version="v1.36.0-eksbuild.14",
                end_of_support=_EKS_136_END,
                source="https://docs.aws.amazon.com/ja_jp/eks/latest/userguide/managing-kube-proxy.md",
                note=_EKS_136_NOTE,
            ),
            coredns=Pin(
                version="v1.14.3-eksbuild.3",
                end_of_support=_EKS_136_END,
                source="https://docs.aws.amazon.com/ja_jp/eks/latest/userguide/managing-coredns.md",
                note=_EKS_136_NOTE,
            ),
            ebs_csi_driver=Pin(
                version="v1.66.0-eksbuild.1",
                end_of_support=_EKS_136_END,
                source="https://github.com/mitodl/ol-infrastructure/pull/5959",
                note=f"AWS's default build for 1.36 on 2026-09-21; {_EKS_136_NOTE}",
            ),
        ),
        cluster_autoscaler_image=Pin(
            version="v1.36.1",
            end_of_support=date(2027, 6, 28),
            source="https://github.com/kubernetes/autoscaler/releases/tag/cluster-autoscaler-1.36.1",
            note="released 2026-07-22; patched while Kubernetes 1.36 is (EOL 2027-06-28, kubernetes.io/releases/1.36)",
        ),
    ),
}


class ChartPin(Pin):
    """A Helm chart at an exact version (never a range, never latest)."""

    version: Annotated[str, StringConstraints(pattern=r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$")] = Field(
        description="Exact chart version"
    )
    repo: Annotated[str, StringConstraints(pattern=r"^https://")] = Field(description="Chart repository URL")
    chart: str = Field(description="Chart name in the repository")


ISTIO_CHARTS = "https://istio-release.storage.googleapis.com/charts"
_ISTIO = {
    "version": "1.31.0",
    "end_of_support": date(2027, 3, 31),
    "source": "https://istio.io/latest/docs/releases/supported-releases/",
    "note": "estimated: supported until 6 weeks after 1.33.0 (expected about 2027-02, quarterly cadence); "
    "1.31 requires Kubernetes >= 1.32, native sidecars on by default since 1.27",
}

CHARTS: dict[str, ChartPin] = {
    "gpu_operator": ChartPin(
        repo="https://helm.ngc.nvidia.com/nvidia",
        chart="gpu-operator",
        version="v26.7.0",
        end_of_support=date(2027, 5, 1),
        source="https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/platform-support.html",
        note="estimated: 26.7.x is 'Supported', becomes 'Deprecated' at the next major and ends at the one after",
    ),
    "cluster_autoscaler": ChartPin(
        repo="https://kubernetes.github.io/autoscaler",
        chart="cluster-autoscaler",
        version="9.59.0",
        end_of_support=date(2027, 6, 28),
        source="https://github.com/kubernetes/autoscaler/releases/tag/cluster-autoscaler-chart-9.59.0",
        note="the image tag is set to the cluster's minor (KUBERNETES[..].cluster_autoscaler_image)",
    ),
    "dcgm_exporter": ChartPin(
        repo="https://nvidia.github.io/dcgm-exporter/helm-charts",
        chart="dcgm-exporter",
        version="4.8.3",
        end_of_support=date(2027, 5, 1),
        source="https://github.com/NVIDIA/gpu-operator/blob/v26.7.0/deployments/gpu-operator/values.yaml",
        note="the exporter GPU operator 26.7 ships (image 4.6.0-4.8.3); follows that operator's support",
    ),
    "keda": ChartPin(
        repo="https://kedacore.github.io/charts",
        chart="keda",
        version="2.21.0",
        end_of_support=date(2027, 6, 1),
        source="https://keda.sh/docs/2.22/operate/cluster/",
        note="tested on Kubernetes 1.34-1.36; estimated: supported until 2.23 (4-month cadence)",
    ),
    "kube_prometheus_stack": ChartPin(
        repo="https://prometheus-community.github.io/helm-charts",
        chart="kube-prometheus-stack",
        version="88.5.3",
        end_of_support=date(2027, 2, 21),
        source="https://github.com/prometheus-community/helm-charts/releases/tag/kube-prometheus-stack-88.5.3",
        note="released 2026-08-21; no published window: our rule is release + 6 months",
    ),
    "cert_manager": ChartPin(
        repo="https://charts.jetstack.io",
        chart="cert-manager",
        version="v1.21.2",
        end_of_support=date(2027, 3, 1),
        source="https://cert-manager.io/docs/releases/",
        note="supports Kubernetes 1.33-1.36; estimated: supported until 1.23 is released (about 2027-03)",
    ),
    "kyverno": ChartPin(
        repo="https://kyverno.github.io/kyverno",
        chart="kyverno",
        version="3.9.0",
        end_of_support=date(2027, 8, 1),
        source="https://kyverno.io/docs/installation/#compatibility-matrix",
        note="app v1.19.0 (released 2026-08-20, chart 3.N carries app 1.(N+10)); a minor is supported until "
        "the third after it ships (endoflife.date/kyverno): estimated 1.22 about 2027-08 at Kyverno's "
        "4-month cadence. Listed for Kubernetes 1.33-1.35; 1.36 is not yet in the matrix (assumed, N-2 policy)",
    ),
    "argo_rollouts": ChartPin(
        repo="https://argoproj.github.io/argo-helm",
        chart="argo-rollouts",
        version="2.41.0",
        end_of_support=date(2027, 6, 30),
        source="https://github.com/argoproj/argo-helm/blob/argo-rollouts-2.41.0/charts/argo-rollouts/Chart.yaml",
        note="appVersion v1.9.0 (released 2026-03-19, v1.9.1 2026-07-06, v1.10.0-rc1 2026-06-30); estimated: "
        "no written policy, taken as patched until v1.11 (about 2027-06 at the 1.8-1.10 cadence)",
    ),
    "velero": ChartPin(
        repo="https://vmware-tanzu.github.io/helm-charts",
        chart="velero",
        version="12.1.0",
        end_of_support=date(2027, 3, 1),
        source="https://github.com/vmware-tanzu/helm-charts/blob/velero-12.1.0/charts/velero/Chart.yaml",
        note="the newest chart (appVersion 1.18.1); the server runs VELERO_IMAGES['server'], 1.18.2, the newest "
        "release with matching AWS and GCP plugins. Estimated: 1.18 is supported until 1.20 (current and n-1)",
    ),
    "istio_base": ChartPin(repo=ISTIO_CHARTS, chart="base", **_ISTIO),
    "istiod": ChartPin(repo=ISTIO_CHARTS, chart="istiod", **_ISTIO),
    "istio_gateway": ChartPin(repo=ISTIO_CHARTS, chart="gateway", **_ISTIO),
    "istio_cni": ChartPin(repo=ISTIO_CHARTS, chart="cni", **_ISTIO),
}

# Velero's server and its object-store plugins, by tag (the chart sets the server's, the plugins are init
# containers). Chosen on 2026-11-29: v1.18.2 (2026-06-24) is the newest Velero tag in velero-io/velero, and
# plugin v1.14.2 (aws 2026-06-16, gcp 2026-06-15) the newest of each plugin; both plugins' README
# "Compatibility" tables at v1.14.2 pair plugin v1.14.x with Velero v1.18.x (VELERO_PLUGIN_LINES). Security:
# CVE-2026-32637 (unsafe extraction of a backup tarball on restore) is fixed from 1.18.1 ("Add check for file
# extraction from tarball", #9661, changelogs/CHANGELOG-1.18.md; velero-io/velero discussion #10508), and 1.18.2
# bumps dependencies for CVEs (#9919). No image here is older than those fixes.
VELERO_IMAGES = {
    "server": "docker.io/velero/velero:v1.18.2",
    "aws": "docker.io/velero/velero-plugin-for-aws:v1.14.2",
    "gcp": "docker.io/velero/velero-plugin-for-gcp:v1.14.2",
}
# The plugin line each Velero minor works with (velero-plugin-for-aws and -gcp README.md "Compatibility", v1.14.2).
VELERO_PLUGIN_LINES = {"1.18": "1.14", "1.17": "1.13", "1.16": "1.12"}


def supported_minors() -> list[str]:
    """The Kubernetes minors the table knows, oldest first."""
    return sorted(KUBERNETES, key=lambda minor: tuple(int(part) for part in minor.split(".")))


def expiring(
    pins: Iterable[tuple[str, Pin]], today: date, margin_days: int = SUPPORT_MARGIN_DAYS
) -> list[tuple[str, Pin]]:
    """The labelled pins whose support ends within `margin_days` of `today` (or has ended)."""
    limit = today + timedelta(days=margin_days)
    return [(label, pin) for label, pin in pins if pin.end_of_support <= limit]
