"""The job queues: encrypted both ways, authenticated, failing over, never evicting."""

from __future__ import annotations

from infra.offline.monitor import Registration
from infra.offline.plan import Plan
from tests.plan_helpers import by_output, sibling

REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def queue_groups(plan: Plan) -> list[Registration]:
    """The job queues' replication groups (the AI cache's groups sit in wedsync:aws:Cache components)."""
    return [g for g in plan.of_type(REPLICATION_GROUP) if "::wedsync:aws:Redis$" in g.urn]


def test_elasticache_is_encrypted_both_ways_authenticated_and_fails_over(prod) -> None:
    _, plan = prod
    groups = queue_groups(plan)
    assert len(groups) == 4
    for group in groups:
        inputs = group.inputs
        assert inputs["engine"] == "redis" and inputs["engineVersion"].startswith("7.")
        assert inputs["atRestEncryptionEnabled"] is True
        assert inputs["kmsKeyId"].startswith("arn:aws:kms:")
        assert inputs["transitEncryptionEnabled"] is True and inputs["transitEncryptionMode"] == "required"
        assert inputs["authToken"] == "[secret]"
        assert inputs["automaticFailoverEnabled"] is True and inputs["multiAzEnabled"] is True
        assert inputs["numCacheClusters"] >= 2
        assert inputs["snapshotRetentionLimit"] >= 1


def test_elasticache_never_evicts_jobs(prod) -> None:
    _, plan = prod
    for group in queue_groups(plan):
        parameters = sibling(plan, group, "aws:elasticache/parameterGroup:ParameterGroup")
        assert group.inputs["parameterGroupName"] == parameters.outputs["name"]
        assert {"name": "maxmemory-policy", "value": "noeviction"} in parameters.inputs["parameters"]
        assert parameters.inputs["family"] == "redis7"


def test_only_the_cluster_nodes_reach_redis(prod) -> None:
    _, plan = prod
    for group in plan.of_type(REPLICATION_GROUP):
        (security_group_id,) = group.inputs["securityGroupIds"]
        security_group = by_output(plan, "aws:ec2/securityGroup:SecurityGroup", "id", security_group_id)
        assert "ingress" not in security_group.inputs or security_group.inputs["ingress"] == []
        (rule,) = [
            r
            for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            if r.inputs["securityGroupId"] == security_group_id
        ]
        assert (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["ipProtocol"]) == (6379, 6379, "tcp")
        assert rule.inputs["referencedSecurityGroupId"].startswith("sg-")
        assert "cidrIpv4" not in rule.inputs


def test_auth_token_uses_only_characters_elasticache_accepts(prod) -> None:
    _, plan = prod
    for token in plan.of_type("random:index/randomPassword:RandomPassword"):
        assert 16 <= token.inputs["length"] <= 128
        assert set(token.inputs["overrideSpecial"]) <= set("!&#$^<>-")


def test_memorystore_is_ha_with_tls_auth_and_noeviction(prod) -> None:
    _, plan = prod
    (instance,) = plan.of_type("gcp:redis/instance:Instance")
    inputs = instance.inputs
    assert inputs["tier"] == "STANDARD_HA"
    assert inputs["redisVersion"].startswith("REDIS_7")
    assert inputs["authEnabled"] is True
    assert inputs["transitEncryptionMode"] == "SERVER_AUTHENTICATION"
    assert inputs["redisConfigs"] == {"maxmemory-policy": "noeviction"}
    assert inputs["persistenceConfig"]["persistenceMode"] == "RDB"


def test_outputs_name_buckets_and_redis_and_keep_credentials_secret(prod) -> None:
    platform, plan = prod
    for region in platform.regions:
        exported = plan.outputs["regions"][region.id]
        assert exported["bucket"].startswith(f"wedsync-prod-photos-{region.id}")
        assert exported["redis_endpoint"]
        assert exported["redis_port"] == (6379 if region.cloud.value == "aws" else 6378)
    assert plan.outputs["credentials"] == "[secret]"
