"""Ordering that converges on empty accounts, read from the plan's parent and dependency graph (issue 11, item 4)."""

from __future__ import annotations

import pytest

from foundation.crds import CRD_RELEASES, api_group, renders_monitoring_resources
from foundation.gcp_apis import BOOTSTRAP_APIS, PROGRAM_APIS, api_for
from foundation.naming import PROMETHEUS_RELEASE
from infra.offline.manifests import is_built_in
from tests.plan_helpers import ancestors, same_cluster

ADDON = "aws:eks/addon:Addon"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
RELEASE = "kubernetes:helm.sh/v3:Release"
AWS_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]


def _in(resources, region: str):
    return [r for r in resources if r.name.startswith(f"{region}-")]


@pytest.mark.parametrize("region", AWS_REGIONS)
def test_network_addons_precede_every_node_group_and_dns_and_storage_follow_the_nodes(prod, region: str) -> None:
    _, plan = prod
    addons = {a.inputs["addonName"]: a for a in _in(plan.of_type(ADDON), region)}
    groups = _in(plan.of_type(NODE_GROUP), region)
    (cluster,) = _in(plan.of_type("aws:eks/cluster:Cluster"), region)
    # No self-managed aws-node ever runs on the node role: EKS installs none, the managed vpc-cni comes first.
    assert cluster.inputs["bootstrapSelfManagedAddons"] is False
    assert addons["vpc-cni"].inputs["serviceAccountRoleArn"].startswith("arn:aws:iam::")  # its own IRSA role
    for group in groups:
        before_group = ancestors(plan, group)
        assert {addons["vpc-cni"].urn, addons["kube-proxy"].urn} <= before_group, group.name
        assert addons["coredns"].urn not in before_group and group.urn not in ancestors(plan, addons["vpc-cni"])
    (system,) = [g for g in groups if g.inputs["nodeGroupName"].endswith("-system")]
    for late in ("coredns", "aws-ebs-csi-driver"):
        assert system.urn in ancestors(plan, addons[late]), late


def test_every_custom_resource_comes_after_the_release_that_installs_its_crd(prod) -> None:
    _, plan = prod
    checked = 0
    for resource in plan.resources:
        if not (resource.custom and resource.type.startswith("kubernetes:")) or resource.type == RELEASE:
            continue
        api_version = resource.inputs.get("apiVersion", "")
        if is_built_in(api_version):
            continue
        group = api_group(api_version)
        assert group in CRD_RELEASES, f"{resource.urn}: no known release installs the CRDs of {group}"
        (crd_release,) = [r for r in same_cluster(plan, resource, RELEASE) if r.inputs["name"] == CRD_RELEASES[group]]
        assert crd_release.urn in ancestors(plan, resource), f"{resource.urn} may be created before {group}'s CRDs"
        checked += 1
    assert checked > 60  # ScaledObjects, ServiceMonitors, rules, Istio and cert-manager objects in 5 clusters


def test_charts_that_render_monitoring_objects_come_after_kube_prometheus_stack(prod) -> None:
    _, plan = prod
    rendering = [r for r in plan.of_type(RELEASE) if renders_monitoring_resources(r.inputs.get("values"))]
    assert sorted({r.inputs["name"] for r in rendering}) == [
        "argo-rollouts",
        "dcgm-exporter",
        "gpu-operator",
        "keda",
        "velero",
    ]
    # KEDA, Argo Rollouts and Velero everywhere, the GPU operator in 4 EKS clusters, the DCGM exporter on GKE
    assert len(rendering) == 20
    for release in rendering:
        (monitoring,) = [r for r in same_cluster(plan, release, RELEASE) if r.inputs["name"] == PROMETHEUS_RELEASE]
        assert monitoring.urn in ancestors(plan, release), release.urn


def test_the_dcgm_service_monitors_carry_the_label_prometheus_selects(prod) -> None:
    _, plan = prod
    for release in plan.of_type(RELEASE):
        values = release.inputs.get("values", {})
        monitor = values.get("dcgmExporter", values).get("serviceMonitor")
        if monitor is not None:
            assert monitor["additionalLabels"] == {"release": PROMETHEUS_RELEASE}, release.urn


def test_every_gcp_resource_comes_after_its_api_is_enabled(prod) -> None:
    _, plan = prod
    services = {s.inputs["service"]: s for s in plan.of_type("gcp:projects/service:Service")}
    assert set(services) == set(PROGRAM_APIS)
    assert {"container.googleapis.com", "compute.googleapis.com", "redis.googleapis.com"} <= set(services)
    assert all(s.inputs["disableOnDestroy"] is False for s in services.values())
    checked = 0
    for resource in plan.resources:
        if not (resource.custom and resource.type.startswith("gcp:")):
            continue
        # A service identity exists once the service it belongs to is enabled.
        api = resource.inputs["service"] if resource.type.endswith(":ServiceIdentity") else api_for(resource.type)
        assert api is not None, f"{resource.type}: which API creates it?"
        if api in BOOTSTRAP_APIS:
            continue
        assert services[api].urn in ancestors(plan, resource), f"{resource.urn} may be created before {api} is on"
        checked += 1
    assert checked > 25  # network, cluster, pools, keys, buckets, Redis, registry, accounts, IAM


def test_workload_identity_bindings_wait_for_the_clusters_identity_pool(prod) -> None:
    platform, plan = prod
    (cluster,) = plan.of_type("gcp:container/cluster:Cluster")
    bindings = [
        m for m in plan.of_type("gcp:serviceaccount/iAMMember:IAMMember") if ".svc.id.goog[" in m.inputs["member"]
    ]
    queue_workers = len([w for w in platform.queue_workers if w.enabled])
    # the worker, the jobs API, the reconciler, the AI cache service, Velero, each queue worker
    assert len(bindings) == 5 + queue_workers
    for binding in bindings:
        assert binding.inputs["member"].startswith(
            f"serviceAccount:{cluster.inputs['workloadIdentityConfig']['workloadPool']}["
        )
        assert cluster.urn in ancestors(plan, binding)


def test_the_gke_key_grant_names_the_service_agent_obtained_before_it(prod) -> None:
    _, plan = prod
    (agent,) = [
        a
        for a in plan.of_type("gcp:projects/serviceIdentity:ServiceIdentity")
        if a.inputs["service"] == "container.googleapis.com"
    ]
    (grant,) = [g for g in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember") if "gke-agent" in g.name]
    assert grant.inputs["member"] == agent.outputs["member"]
    assert agent.urn in ancestors(plan, grant)


def test_dcgm_exporter_reads_the_nvidia_libraries_where_gke_installs_them(prod) -> None:
    _, plan = prod
    (dcgm,) = [r for r in plan.of_type(RELEASE) if r.inputs["name"] == "dcgm-exporter"]
    values = dcgm.inputs["values"]
    (volume,) = values["extraHostVolumes"]
    assert volume["hostPath"] == "/home/kubernetes/bin/nvidia"
    mounts = {m["name"]: m for m in values["extraVolumeMounts"]}
    assert mounts[volume["name"]]["mountPath"] == "/usr/local/nvidia" and mounts[volume["name"]]["readOnly"] is True
    assert "exporter-metrics-volume" in mounts  # the chart's own counters mount survives the list override
    assert {"name": "LD_LIBRARY_PATH", "value": "/usr/local/nvidia/lib64"} in values["extraEnv"]
