"""EKS admission of images: Kyverno, and a ClusterPolicy that admits a pod only if each image is allow-listed
or signed (cosign) by the account's image-signing KMS key, the key the image workflow signs with.

Field names follow Kyverno's `kyverno.io/v1` ClusterPolicy (kyverno/kyverno api/kyverno/v1/image_verification_types.go:
`imageReferences`, `skipImageReferences`, `failureAction`, `required`, `verifyDigest`, `mutateDigest`,
`attestors[].entries[].keys.publicKeys`; docs: kyverno.io/docs/policy-types/cluster-policy/verify-images).
The chart's webhooks skip kube-system and Kyverno's own namespace (chart values `config.webhooks` namespace
selector, to which `config.excludeKyvernoNamespace` prepends the release namespace: charts/kyverno
templates/_helpers config webhooks), so a Kyverno outage never blocks the system pods that would fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.addons import chart_release
from components.kubernetes.objects import meta
from foundation.config import Chart
from foundation.crds import KYVERNO_RELEASE
from foundation.supply_chain import IMAGE_VERIFICATION_POLICY, KYVERNO_NAMESPACE, kyverno_pattern

SYSTEM_NAMESPACES = ("kube-system", KYVERNO_NAMESPACE)


@dataclass(frozen=True)
class ImageVerificationArgs:
    """Kyverno's chart, the signing key's public half (PEM) and the allow-list (Binary Authorization syntax)."""

    chart: Chart
    public_key_pem: pulumi.Input[str]
    allow_list: tuple[str, ...]


def kyverno_values() -> dict[str, Any]:
    """Three admission replicas (a webhook that fails closed), webhooks off the system namespaces."""
    not_system = {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}
    return {
        "admissionController": {"replicas": 3},
        "config": {
            "excludeKyvernoNamespace": True,
            "webhooks": [{"namespaceSelector": {"matchExpressions": [not_system]}}],
        },
    }


def verify_images_rule(args: ImageVerificationArgs) -> dict[str, object]:
    """Every image not allow-listed must carry a signature by the key, and be referenced by digest."""
    return {
        "imageReferences": ["*"],
        "skipImageReferences": [kyverno_pattern(pattern) for pattern in args.allow_list],
        "failureAction": "Enforce",
        "required": True,
        "verifyDigest": True,
        "mutateDigest": False,  # references are pinned by digest already (pin-images); never rewrite them
        "attestors": [{"count": 1, "entries": [{"keys": {"publicKeys": args.public_key_pem}}]}],
    }


class ImageVerification(pulumi.ComponentResource):
    """The Kyverno release and the enforcing ClusterPolicy (created after the release installs its CRD)."""

    def __init__(self, name: str, args: ImageVerificationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:k8s:ImageVerification", name, None, opts)
        release = chart_release(
            f"{name}-{KYVERNO_RELEASE}",
            KYVERNO_RELEASE,
            args.chart,
            KYVERNO_NAMESPACE,
            kyverno_values(),
            pulumi.ResourceOptions(parent=self),
        )
        k8s.apiextensions.CustomResource(
            f"{name}-policy",
            api_version="kyverno.io/v1",
            kind="ClusterPolicy",
            metadata=meta(IMAGE_VERIFICATION_POLICY),
            spec={
                "background": False,  # verification happens at admission; reports need registry access
                "validationFailureAction": "Enforce",  # policy-wide spelling older readers check
                "failurePolicy": "Fail",
                "webhookTimeoutSeconds": 30,
                "rules": [
                    {
                        "name": "signed-or-allow-listed",
                        "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                        "exclude": {"any": [{"resources": {"namespaces": list(SYSTEM_NAMESPACES)}}]},
                        "verifyImages": [verify_images_rule(args)],
                    }
                ],
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[release]),
        )
        self.register_outputs({})
