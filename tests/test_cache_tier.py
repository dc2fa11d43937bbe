"""The AI cache tier read from the plan: cluster mode with a cache's eviction policy (the queue keeps noeviction),
TLS and auth on both clouds, Global Datastore members inside one residency zone; and the config and policy
that keep EU cache data in the EU."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pytest

from components.aws.cache import AwsCache, AwsCacheArgs
from components.aws.elasticache_access import Placement
from components.gcp.cache import GcpCache, GcpCacheArgs
from foundation.catalog import residency_of
from foundation.config import CacheConfig, CacheServiceConfig, ConfigError, EvictionPolicy, parse_platform_config
from foundation.tags import Tagging
from infra.offline.monitor import Registration
from infra.offline.plan import Plan, capture
from tests.conftest import shipped_raw
from tests.plan_helpers import by_output, provider_region, sibling
from tests.test_policies import _violated
from tests.test_redis import queue_groups

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
DATASTORE = "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup"
PARAMETERS = "aws:elasticache/parameterGroup:ParameterGroup"
REDIS_CLUSTER = "gcp:redis/cluster:Cluster"
CACHE_EVICTIONS = {policy.value for policy in EvictionPolicy}  # LRU or LFU, all keys or volatile ones


def cache_groups(plan: Plan) -> list[Registration]:
    return [g for g in plan.of_type(GROUP) if "::wedsync:aws:Cache$" in g.urn]


def _maxmemory_policy(parameters: Registration) -> str:
    (policy,) = [p["value"] for p in parameters.inputs["parameters"] if p["name"] == "maxmemory-policy"]
    return str(policy)


def test_every_aws_region_has_a_cluster_mode_cache_sized_from_config(prod) -> None:
    platform, plan = prod
    assert platform.cache is not None
    groups = cache_groups(plan)
    assert sorted(provider_region(plan, g) for g in groups) == sorted(
        r.id for r in platform.regions if r.cloud.value == "aws"
    )
    for group in groups:
        inputs = group.inputs
        assert inputs["replicasPerNodeGroup"] == platform.cache.replicas_per_shard >= 1
        assert inputs["automaticFailoverEnabled"] is True and inputs["multiAzEnabled"] is True
        if "globalReplicationGroupId" in inputs:  # a member: shards, engine and parameters are the datastore's
            assert "numNodeGroups" not in inputs and "parameterGroupName" not in inputs
            continue
        assert inputs["clusterMode"] == "enabled" and inputs["numNodeGroups"] == platform.cache.shards
        assert inputs["engine"] == "valkey"
        parameters = sibling(plan, group, PARAMETERS)
        assert inputs["parameterGroupName"] == parameters.outputs["name"]
        assert {"name": "cluster-enabled", "value": "yes"} in parameters.inputs["parameters"]
        assert parameters.inputs["family"] == f"valkey{inputs['engineVersion'].split('.')[0]}"


def test_the_cache_evicts_cold_keys_while_the_queue_in_the_same_region_never_evicts(prod) -> None:
    platform, plan = prod
    assert platform.cache is not None
    cache_policy = {
        provider_region(plan, g): _maxmemory_policy(sibling(plan, g, PARAMETERS))
        for g in cache_groups(plan)
        if "globalReplicationGroupId" not in g.inputs
    }
    queue_policy = {
        provider_region(plan, g): _maxmemory_policy(sibling(plan, g, PARAMETERS)) for g in queue_groups(plan)
    }
    assert cache_policy and set(cache_policy.values()) == {platform.cache.eviction_policy.value}
    for region, policy in cache_policy.items():
        assert policy in CACHE_EVICTIONS and queue_policy[region] == "noeviction", region
    (cluster,) = plan.of_type(REDIS_CLUSTER)
    (queue,) = plan.of_type("gcp:redis/instance:Instance")
    assert cluster.inputs["redisConfigs"]["maxmemory-policy"] in CACHE_EVICTIONS
    assert queue.inputs["redisConfigs"]["maxmemory-policy"] == "noeviction"


def test_the_aws_cache_is_encrypted_both_ways_and_its_token_is_kept_encrypted(prod) -> None:
    _, plan = prod
    for group in cache_groups(plan):
        inputs = group.inputs
        assert inputs["atRestEncryptionEnabled"] is True and inputs["kmsKeyId"].startswith("arn:aws:kms:")
        assert inputs["transitEncryptionEnabled"] is True and inputs["authToken"] == "[secret]"
        if "globalReplicationGroupId" not in inputs:
            assert inputs["transitEncryptionMode"] == "required"
        secret = sibling(plan, group, "aws:secretsmanager/secret:Secret")
        assert secret.inputs["kmsKeyId"] == inputs["kmsKeyId"]
        assert sibling(plan, group, "aws:secretsmanager/secretVersion:SecretVersion").inputs["secretString"] == (
            "[secret]"
        )


def test_only_the_cluster_nodes_reach_the_cache_on_its_port(prod) -> None:
    _, plan = prod
    eks = {provider_region(plan, c): c for c in plan.of_type("aws:eks/cluster:Cluster")}
    for group in cache_groups(plan):
        (security_group_id,) = group.inputs["securityGroupIds"]
        rules = [
            r
            for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            if r.inputs["securityGroupId"] == security_group_id
        ]
        (rule,) = rules
        assert rule.inputs["fromPort"] == rule.inputs["toPort"] == group.inputs["port"]
        cluster = eks[provider_region(plan, group)]
        assert rule.inputs["referencedSecurityGroupId"] == cluster.outputs["vpcConfig"]["clusterSecurityGroupId"]


def test_the_gcp_cache_uses_iam_auth_tls_psc_and_its_own_key(prod) -> None:
    platform, plan = prod
    assert platform.cache is not None
    (cluster,) = plan.of_type(REDIS_CLUSTER)
    inputs = cluster.inputs
    assert inputs["authorizationMode"] == "AUTH_MODE_IAM_AUTH"
    assert inputs["transitEncryptionMode"] == "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION"
    assert (inputs["shardCount"], inputs["replicaCount"]) == (platform.cache.shards, platform.cache.replicas_per_shard)
    assert inputs["deletionProtectionEnabled"] is True
    (network,) = plan.of_type("gcp:compute/network:Network")
    assert inputs["pscConfigs"] == [{"network": network.outputs["id"]}]
    policy = sibling(plan, cluster, "gcp:networkconnectivity/serviceConnectionPolicy:ServiceConnectionPolicy")
    assert (
        policy.inputs["serviceClass"] == "gcp-memorystore-redis" and policy.inputs["network"] == network.outputs["id"]
    )
    key = by_output(plan, "gcp:kms/cryptoKey:CryptoKey", "id", inputs["kmsKey"])
    assert key.inputs["rotationPeriod"]


def _datastore_members(plan: Plan) -> list[tuple[str, str]]:
    """(primary region, replica region) of every Global Datastore member, read through the datastore."""
    pairs = []
    for replica in (g for g in cache_groups(plan) if "globalReplicationGroupId" in g.inputs):
        datastore = by_output(plan, DATASTORE, "globalReplicationGroupId", replica.inputs["globalReplicationGroupId"])
        primary = by_output(plan, GROUP, "id", datastore.inputs["primaryReplicationGroupId"])
        assert primary.inputs["clusterMode"] == "enabled"
        pairs.append((provider_region(plan, primary), provider_region(plan, replica)))
    return pairs


def test_global_datastore_members_share_their_primarys_residency_zone(prod) -> None:
    platform, plan = prod
    assert platform.cache is not None
    pairs = _datastore_members(plan)
    configured = [(g.primary, s) for g in platform.cache.replication for s in g.secondaries]
    assert sorted(pairs) == sorted(configured) and pairs
    for primary, replica in pairs:
        assert residency_of("aws", primary) == residency_of("aws", replica), (primary, replica)


def _invalid(edit: Callable[[dict], None]) -> list[str]:
    raw = shipped_raw("prod")
    edit(raw)
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw)
    return caught.value.lines


def test_config_refuses_eu_cache_replicas_outside_the_eu_and_names_the_key() -> None:
    def eu_to_us(raw: dict) -> None:
        raw["cache"]["replication"] = [{"primary": "eu-west-1", "secondaries": ["us-west-2"]}]

    (line,) = _invalid(eu_to_us)
    assert line.startswith("cache.replication[0].secondaries[0]: must lie in residency zone 'eu' like eu-west-1")


def test_config_refuses_a_region_in_two_groups_and_more_replicas_than_memorystore_keeps() -> None:
    def twice(raw: dict) -> None:
        raw["cache"]["replication"].append({"primary": "us-west-2", "secondaries": ["us-east-1"]})
        raw["cache"]["replicas_per_shard"] = 3

    lines = _invalid(twice)
    assert any(
        line.startswith("cache.replicas_per_shard: must be at most 2 when a region runs on gcp") for line in lines
    )
    assert any(line.startswith("cache.replication[2].primary: us-west-2 already replicates") for line in lines)


def _cache_program(replica_region: str) -> Callable[[], None]:
    """An EU primary and its Global Datastore member in `replica_region`, built by the real component."""

    def program() -> None:
        config = CacheConfig(service=CacheServiceConfig(image="registry.example/cache:1.0.0"))
        placement = Placement("vpc-1", ["subnet-1"], "sg-1", "arn:aws:kms:eu-west-1:222222222222:key/1")

        def cache(region: str, **extra) -> AwsCache:
            return AwsCache(
                f"{region}-cache",
                AwsCacheArgs(f"prod-{region}-cache", config, placement, Tagging("prod", region), True, **extra),
                pulumi.ResourceOptions(provider=aws.Provider(f"aws-{region}", region=region)),
            )

        primary = cache("eu-west-1", global_primary=True)
        cache(replica_region, joins=primary.membership)

    return program


def test_a_plan_replicating_the_eu_cache_outside_the_eu_fails_the_policy(policy_pack, prod) -> None:
    platform, _ = prod
    in_zone = capture(_cache_program("eu-central-1"), "prod", {}, "222222222222")
    assert "cache-residency" not in _violated(policy_pack, platform, in_zone.resources)
    to_us = capture(_cache_program("us-east-1"), "prod", {}, "222222222222")
    (message,) = _violated(policy_pack, platform, to_us.resources)["cache-residency"]
    assert "the cache in us-east-1 (zone us) replicates" in message and "in eu-west-1 (zone eu)" in message


def _memorystore_program(replica_region: str) -> Callable[[], None]:
    """An apac primary cluster and a cross-region secondary in `replica_region`, built by the real component."""

    def program() -> None:
        config = CacheConfig(service=CacheServiceConfig(image="registry.example/cache:1.0.0"))

        def cache(region: str, primary: pulumi.Input[str] | None = None) -> GcpCache:
            return GcpCache(
                f"{region}-cache",
                GcpCacheArgs(
                    f"prod-{region}-cache", "wedsync-prod", region, config, "net", "subnet", (), {}, True, primary
                ),
                pulumi.ResourceOptions(provider=gcp.Provider(f"gcp-{region}", project="wedsync-prod", region=region)),
            )

        cache(replica_region, cache("asia-southeast1").cluster_id)

    return program


def test_a_memorystore_secondary_follows_its_primary_and_only_inside_the_zone(policy_pack, prod) -> None:
    platform, _ = prod
    in_zone = capture(_memorystore_program("asia-southeast2"), "prod", {}, "222222222222")
    primary, secondary = sorted(in_zone.of_type(REDIS_CLUSTER), key=lambda c: c.inputs["region"])
    assert "crossClusterReplicationConfig" not in primary.inputs
    replication = secondary.inputs["crossClusterReplicationConfig"]
    assert replication == {"clusterRole": "SECONDARY", "primaryCluster": {"cluster": primary.outputs["id"]}}
    assert "cache-residency" not in _violated(policy_pack, platform, in_zone.resources)
    to_eu = capture(_memorystore_program("europe-west1"), "prod", {}, "222222222222")
    (message,) = _violated(policy_pack, platform, to_eu.resources)["cache-residency"]
    assert "the cache in europe-west1 (zone eu) replicates" in message and "asia-southeast1 (zone apac)" in message
