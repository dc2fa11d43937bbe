"""Every Kubernetes object the program creates itself, as reviewable YAML (one object per file, one
folder per region), validated strictly against the Kubernetes OpenAPI schema of the region's version.
Helm charts' own objects are out of scope: the releases are listed with chart, version and values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components.kubernetes.redis_connection import SECRET_KEYS_ANNOTATION
from foundation.config import PlatformConfig
from foundation.crds import BUILT_IN_GROUPS, HELM_RELEASE, api_group
from infra.offline.monitor import SECRET, Registration
from infra.offline.plan import Plan
from infra.offline.summary import region_of


@dataclass
class ManifestReport:
    """What was written, and every strict-validation error (empty when all is valid)."""

    written: int = 0
    validated: int = 0
    custom: int = 0
    errors: list[str] = field(default_factory=list)


def is_built_in(api_version: str) -> bool:
    return api_group(api_version) in BUILT_IN_GROUPS


def manifest(registration: Registration) -> dict[str, Any]:
    """The object as Kubernetes expects it: apiVersion, kind, metadata, then the rest.

    A Secret's values never reach the plan; its keys (from the `wedsync.io/keys` annotation) are shown
    with masked values.
    """
    inputs = registration.inputs
    ordered: dict[str, Any] = {key: inputs[key] for key in ("apiVersion", "kind", "metadata") if key in inputs}
    ordered.update({key: value for key, value in inputs.items() if key not in ordered})
    if ordered.get("kind") == "Secret":
        keys = (ordered.get("metadata", {}).get("annotations") or {}).get(SECRET_KEYS_ANNOTATION, "")
        for field_name in ("data", "stringData"):
            if ordered.get(field_name) == SECRET:
                ordered[field_name] = {key: SECRET for key in keys.split(",") if key}
    return ordered


def _file_name(document: dict[str, Any]) -> str:
    metadata = document.get("metadata", {})
    namespace = metadata.get("namespace", "cluster")
    return f"{namespace}--{document['kind'].lower()}--{metadata.get('name', 'unnamed')}.yaml"


def _release(registration: Registration) -> dict[str, Any]:
    inputs = registration.inputs
    return {
        "name": inputs.get("name"),
        "namespace": inputs.get("namespace"),
        "chart": inputs.get("chart"),
        "version": inputs.get("version"),
        "repository": (inputs.get("repositoryOpts") or {}).get("repo"),
        "values": inputs.get("values", {}),
    }


def validate(document: dict[str, Any], kubernetes_version: str) -> list[str]:
    """Strict schema errors of a built-in object (unknown fields are errors)."""
    import kubernetes_validate

    try:
        kubernetes_validate.validate(document, f"{kubernetes_version}.0", strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [f"{'.'.join(map(str, exc.path)) or '(object)'}: {exc.message}"]
    except kubernetes_validate.utils.SchemaNotFoundError as exc:
        return [f"no schema: {exc}"]
    return []


def write_manifests(plan: Plan, platform: PlatformConfig, folder: Path) -> ManifestReport:
    """Write one folder per region; validate each built-in object against its region's Kubernetes version."""
    report = ManifestReport()
    versions = {r.id: r.kubernetes_version for r in platform.regions}
    region_ids = set(versions)
    releases: dict[str, list[dict[str, Any]]] = {}
    for registration in plan.resources:
        if not registration.type.startswith("kubernetes:"):
            continue
        region = region_of(plan, registration, region_ids)
        target = folder / region
        target.mkdir(parents=True, exist_ok=True)
        if registration.type == HELM_RELEASE:
            releases.setdefault(region, []).append(_release(registration))
            continue
        document = manifest(registration)
        (target / _file_name(document)).write_text(yaml.safe_dump(document, sort_keys=False))
        report.written += 1
        if is_built_in(document["apiVersion"]):
            report.validated += 1
            report.errors += [f"{region}/{_file_name(document)}: {e}" for e in validate(document, versions[region])]
        else:
            report.custom += 1
    for region, entries in releases.items():
        (folder / region / "helm-releases.yaml").write_text(yaml.safe_dump(entries, sort_keys=False))
    return report
