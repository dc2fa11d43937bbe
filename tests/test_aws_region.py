"""Properties of the AWS regions, read from the plan the real program registers under mocks."""

from __future__ import annotations

import json
import math
from collections import defaultdict

from foundation.catalog import gpu_instance_type
from foundation.config import KUBERNETES, Cloud
from foundation.scheduling import GPU_TAINT
from foundation.tags import REQUIRED_TAG_KEYS
from infra.offline.monitor import Registration
from infra.offline.plan import Plan
from policies.tags import UNTAGGABLE_AWS

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
CLUSTER = "aws:eks/cluster:Cluster"
SUBNET = "aws:ec2/subnet:Subnet"
REGION_COMPONENT = "wedsync:aws:Region"


def _region(plan: Plan, resource: Registration) -> str:
    component = plan.ancestor_of_type(resource, REGION_COMPONENT)
    assert component is not None, f"{resource.urn} is not inside a region component"
    return component.name


def _home_region(platform, plan: Plan, resource: Registration) -> str:
    """Where a resource lives: its region, or that region's backup region for the photo backup and the Velero
    bucket (with their keys)."""
    region = _region(plan, resource)
    if any(part in resource.name for part in ("-storage-backup", "-velero-bucket", "-velero-key")):
        return next(r.backup_region for r in platform.regions if r.id == region)
    return region


def _is_gpu_group(group: Registration) -> bool:
    return all(gpu_instance_type("aws", t) for t in group.inputs["instanceTypes"])


def test_every_gpu_node_group_is_tainted_and_runs_the_nvidia_ami(prod) -> None:
    platform, plan = prod
    gpu_groups = [g for g in plan.of_type(NODE_GROUP) if _is_gpu_group(g)]
    configured = sum(len(r.gpu_pools) for r in platform.regions if r.cloud is Cloud.AWS)
    assert len(gpu_groups) == configured == 8
    for group in gpu_groups:
        assert group.inputs["amiType"] == "AL2023_x86_64_NVIDIA", group.name
        assert {
            "key": GPU_TAINT.key,
            "value": GPU_TAINT.value,
            "effect": GPU_TAINT.cloud_effect,
        } in group.inputs["taints"], group.name
        assert group.inputs["labels"]["node-type"] == "gpu-enabled"


def test_gpu_taint_is_spelled_the_way_eks_accepts_it() -> None:
    assert (GPU_TAINT.key, GPU_TAINT.value, GPU_TAINT.cloud_effect) == (
        "nvidia.com/gpu",
        "present",
        "NO_SCHEDULE",
    )


def test_system_node_groups_are_untainted_on_the_standard_ami(prod) -> None:
    platform, plan = prod
    system = [g for g in plan.of_type(NODE_GROUP) if not _is_gpu_group(g)]  # system and queue-worker pools
    assert len(system) == 4 * (1 + len([w for w in platform.queue_workers if w.enabled]))
    for group in system:
        assert group.inputs["amiType"] == "AL2023_x86_64_STANDARD"
        assert group.inputs.get("taints", []) == []


def test_spot_and_on_demand_follow_the_pool_config(prod) -> None:
    _, plan = prod
    capacity = {g.inputs["nodeGroupName"]: g.inputs["capacityType"] for g in plan.of_type(NODE_GROUP)}
    assert capacity["wedsync-prod-us-east-1-gpu-l4"] == "ON_DEMAND"
    assert capacity["wedsync-prod-us-east-1-gpu-l4-spot"] == "SPOT"


def test_desired_size_is_left_to_the_cluster_autoscaler(prod) -> None:
    _, plan = prod
    for group in plan.of_type(NODE_GROUP):
        assert "scalingConfig.desiredSize" in group.ignore_changes, group.name


def test_gpu_pool_maximum_follows_the_season(prod, variant) -> None:
    platform, off_season_plan = prod
    _, peak_plan = variant("prod", lambda raw: raw.update(season="peak"))
    fraction = platform.season_profile.gpu_max_fraction
    assert fraction < 1

    def maxima(plan: Plan) -> dict[str, int]:
        return {g.inputs["nodeGroupName"]: g.inputs["scalingConfig"]["maxSize"] for g in plan.of_type(NODE_GROUP)}

    off, peak = maxima(off_season_plan), maxima(peak_plan)
    assert peak["wedsync-prod-us-east-1-gpu-l4-spot"] == 30
    assert off["wedsync-prod-us-east-1-gpu-l4-spot"] == math.ceil(30 * fraction)
    assert sum(off.values()) < sum(peak.values())
    assert off["wedsync-prod-us-east-1-system"] == peak["wedsync-prod-us-east-1-system"]  # system pool is not seasonal


def test_subnets_span_at_least_three_zones_in_every_region(prod) -> None:
    _, plan = prod
    zones: dict[tuple[str, str], set[str]] = defaultdict(set)
    for subnet in plan.of_type(SUBNET):
        kind = "public" if "kubernetes.io/role/elb" in subnet.inputs["tags"] else "private"
        zones[(_region(plan, subnet), kind)].add(subnet.inputs["availabilityZone"])
    assert len(zones) == 8  # 4 AWS regions x public/private
    assert all(len(z) >= 3 for z in zones.values()), zones


def test_subnets_carry_the_tags_eks_load_balancers_look_for(prod) -> None:
    _, plan = prod
    for subnet in plan.of_type(SUBNET):
        tags = subnet.inputs["tags"]
        cluster = f"wedsync-prod-{_region(plan, subnet)}"
        assert tags[f"kubernetes.io/cluster/{cluster}"] == "shared"
        assert ("kubernetes.io/role/elb" in tags) != ("kubernetes.io/role/internal-elb" in tags)


def test_clusters_and_nodes_run_on_the_private_subnets_of_their_region(prod) -> None:
    _, plan = prod
    private: dict[str, set[str]] = defaultdict(set)
    for subnet in plan.of_type(SUBNET):
        if "kubernetes.io/role/internal-elb" in subnet.inputs["tags"]:
            private[_region(plan, subnet)].add(subnet.outputs["id"])
    for cluster in plan.of_type(CLUSTER):
        assert set(cluster.inputs["vpcConfig"]["subnetIds"]) == private[_region(plan, cluster)]
    for group in plan.of_type(NODE_GROUP):
        assert set(group.inputs["subnetIds"]) == private[_region(plan, group)]


def test_kms_key_with_rotation_encrypts_cluster_secrets(prod) -> None:
    _, plan = prod
    regional = [k for k in plan.of_type("aws:kms/key:Key") if plan.ancestor_of_type(k, REGION_COMPONENT)]
    keys = {_region(plan, k): k for k in regional if k.name == f"{_region(plan, k)}-key"}
    assert len(keys) == 4
    for cluster in plan.of_type(CLUSTER):
        key = keys[_region(plan, cluster)]
        encryption = cluster.inputs["encryptionConfig"]
        assert encryption["resources"] == ["secrets"]
        assert encryption["provider"]["keyArn"] == key.outputs["arn"]
        assert key.urn in cluster.dependencies
        assert key.inputs["enableKeyRotation"] is True


def test_prod_has_exactly_the_configured_aws_regions(prod) -> None:
    platform, plan = prod
    aws_regions = [r.id for r in platform.regions if r.cloud is Cloud.AWS]
    providers = {p.name: p.inputs["region"] for p in plan.of_type("pulumi:providers:aws")}
    assert providers == {f"aws-{r}": r for r in aws_regions}  # backups and DNS reuse these providers
    assert sorted(c.inputs["name"] for c in plan.of_type(CLUSTER)) == sorted(f"wedsync-prod-{r}" for r in aws_regions)
    assert sorted(v.name for v in plan.of_type("aws:ec2/vpc:Vpc")) == sorted(f"{r}-network-vpc" for r in aws_regions)


def test_every_regional_resource_uses_its_regions_provider(prod) -> None:
    platform, plan = prod
    providers = {p.name: p.urn for p in plan.of_type("pulumi:providers:aws")}
    for resource in plan.resources:
        if resource.custom and resource.type.startswith("aws:") and plan.ancestor_of_type(resource, REGION_COMPONENT):
            region = _home_region(platform, plan, resource)
            assert resource.provider is not None
            assert resource.provider.startswith(providers[f"aws-{region}"] + "::"), resource.urn


def test_cluster_api_is_private_for_nodes_public_only_to_deployers_and_audited(prod) -> None:
    platform, plan = prod
    assert platform.aws is not None
    for cluster in plan.of_type(CLUSTER):
        vpc_config = cluster.inputs["vpcConfig"]
        assert vpc_config["endpointPrivateAccess"] is True
        assert vpc_config["endpointPublicAccess"] is True
        assert vpc_config["publicAccessCidrs"] == [str(c) for c in platform.aws.api_access_cidrs]
        assert {"api", "audit", "authenticator"} <= set(cluster.inputs["enabledClusterLogTypes"])
        assert cluster.inputs["version"] == "1.36"


def test_public_endpoint_is_limited_to_the_configured_deployer_cidrs(variant) -> None:
    def runners_elsewhere(raw) -> None:
        raw["aws"]["api_access_cidrs"] = ["198.18.7.0/28", "198.18.9.16/29"]

    _, plan = variant("staging", runners_elsewhere)
    (cluster,) = plan.of_type(CLUSTER)
    assert cluster.inputs["vpcConfig"]["endpointPublicAccess"] is True
    assert cluster.inputs["vpcConfig"]["publicAccessCidrs"] == ["198.18.7.0/28", "198.18.9.16/29"]


def test_launch_templates_require_imdsv2_and_encrypt_root_volumes(prod) -> None:
    _, plan = prod
    templates = plan.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert len(templates) == len(plan.of_type(NODE_GROUP))
    for template in templates:
        assert template.inputs["metadataOptions"]["httpTokens"] == "required"
        assert template.inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1
        (device,) = template.inputs["blockDeviceMappings"]
        assert device["ebs"]["encrypted"] == "true"


def test_core_addons_are_pinned_from_the_versions_table_and_enforce_network_policy(prod) -> None:
    _, plan = prod
    pins = KUBERNETES["1.36"].eks_addons
    expected = {
        "vpc-cni": pins.vpc_cni.version,
        "coredns": pins.coredns.version,
        "kube-proxy": pins.kube_proxy.version,
        "aws-ebs-csi-driver": pins.ebs_csi_driver.version,
    }
    by_region: dict[str, dict[str, Registration]] = defaultdict(dict)
    for addon in plan.of_type("aws:eks/addon:Addon"):
        by_region[_region(plan, addon)][addon.inputs["addonName"]] = addon
    assert len(by_region) == 4
    for addons in by_region.values():
        assert {name: a.inputs["addonVersion"] for name, a in addons.items()} == expected
        assert json.loads(addons["vpc-cni"].inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
        assert addons["vpc-cni"].inputs["serviceAccountRoleArn"].startswith("arn:aws:iam::222222222222:role/")
        assert addons["aws-ebs-csi-driver"].inputs["serviceAccountRoleArn"]


def test_irsa_roles_trust_exactly_one_service_account(prod) -> None:
    _, plan = prod
    irsa_roles = [r for r in plan.of_type("aws:iam/role:Role") if r.name.endswith("-irsa")]
    assert len(irsa_roles) == 8
    for role in irsa_roles:
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        (condition,) = statement["Condition"].values()
        subjects = [v for k, v in condition.items() if k.endswith(":sub")]
        assert len(subjects) == 1 and subjects[0].startswith("system:serviceaccount:kube-system:")


def test_every_vpc_has_flow_logs(prod) -> None:
    _, plan = prod
    flow_logs = plan.of_type("aws:ec2/flowLog:FlowLog")
    assert {_region(plan, f) for f in flow_logs} == {_region(plan, v) for v in plan.of_type("aws:ec2/vpc:Vpc")}
    for flow_log in flow_logs:
        assert flow_log.inputs["trafficType"] == "ALL"
    for group in plan.of_type("aws:cloudwatch/logGroup:LogGroup"):
        assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:")


def test_prod_protects_clusters_and_keys_and_staging_does_not(prod, staging) -> None:
    for (_, plan), expected in ((prod, True), (staging, False)):
        stateful = plan.of_type(CLUSTER) + plan.of_type("aws:kms/key:Key")
        assert stateful
        for resource in stateful:
            assert (resource.protect, resource.retain_on_delete) == (expected, expected), resource.urn
        for cluster in plan.of_type(CLUSTER):
            assert cluster.inputs["deletionProtection"] is expected


def test_every_child_is_parented_to_its_component_and_named_after_it(prod) -> None:
    _, plan = prod
    index = plan.by_urn()
    for resource in plan.resources:
        if resource.type == "pulumi:pulumi:Stack" or resource.type.startswith("pulumi:providers:"):
            continue
        parent = index[resource.parent or ""]
        if parent.type == "pulumi:pulumi:Stack":  # only the top-level components sit under the stack
            assert resource.type.startswith("wedsync:") and not resource.custom, resource.urn
            continue
        assert parent.type.startswith("wedsync:"), resource.urn
        assert resource.name.startswith(parent.name + "-"), resource.urn


def test_every_taggable_aws_resource_carries_the_required_tags(prod) -> None:
    platform, plan = prod
    checked = 0
    for resource in plan.resources:
        if not (resource.custom and resource.type.startswith("aws:")) or resource.type in UNTAGGABLE_AWS:
            continue
        tags = resource.inputs.get("tags", {})
        assert set(REQUIRED_TAG_KEYS) <= set(tags), f"{resource.urn} lacks {set(REQUIRED_TAG_KEYS) - set(tags)}"
        assert tags["environment"] == "prod"
        if plan.ancestor_of_type(resource, REGION_COMPONENT):
            assert tags["region"] == _home_region(platform, plan, resource), resource.urn
        checked += 1
    assert checked > 100
