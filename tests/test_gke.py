"""The GKE region: private, workload identity, network policy, tainted GPU pools scaled by totals."""

from __future__ import annotations

from foundation.scheduling import GPU_TAINT

NODE_POOL = "gcp:container/nodePool:NodePool"


def _gpu_pools(plan):
    return [p for p in plan.of_type(NODE_POOL) if p.inputs["nodeConfig"].get("guestAccelerators")]


def test_gke_gpu_pools_carry_the_shared_taint_and_managed_drivers(prod) -> None:
    _, plan = prod
    pools = _gpu_pools(plan)
    assert len(pools) == 2
    for pool in pools:
        config = pool.inputs["nodeConfig"]
        assert {"key": GPU_TAINT.key, "value": GPU_TAINT.value, "effect": GPU_TAINT.cloud_effect} in config["taints"]
        (accelerator,) = config["guestAccelerators"]
        assert (accelerator["type"], accelerator["count"]) == ("nvidia-l4", 1)
        assert accelerator["gpuDriverInstallationConfig"]["gpuDriverVersion"] == "LATEST"
        assert config["workloadMetadataConfig"]["mode"] == "GKE_METADATA"
        assert config["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}


def test_gke_pools_autoscale_by_totals_and_never_by_initial_count(prod) -> None:
    platform, plan = prod
    (region,) = [r for r in platform.regions if r.cloud.value == "gcp"]
    spot = {p.name: p.capacity.value == "spot" for p in region.gpu_pools}
    for pool in plan.of_type(NODE_POOL):
        autoscaling = pool.inputs["autoscaling"]
        assert {"totalMinNodeCount", "totalMaxNodeCount"} <= set(autoscaling)
        assert "minNodeCount" not in autoscaling and "maxNodeCount" not in autoscaling
        assert "initialNodeCount" not in pool.inputs and "nodeCount" not in pool.inputs
        if pool.inputs["name"].startswith("gpu-"):
            assert pool.inputs["nodeConfig"].get("spot", False) is spot[pool.inputs["name"].removeprefix("gpu-")]


def test_gke_cluster_is_private_with_workload_identity_and_network_policy(prod) -> None:
    _, plan = prod
    (cluster,) = plan.of_type("gcp:container/cluster:Cluster")
    inputs = cluster.inputs
    assert inputs["privateClusterConfig"]["enablePrivateNodes"] is True
    assert inputs["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert inputs["workloadIdentityConfig"] == {"workloadPool": "wedsync-prod.svc.id.goog"}
    assert inputs["networkPolicy"]["enabled"] is True
    assert inputs["removeDefaultNodePool"] is True
    assert inputs["enableShieldedNodes"] is True
    assert inputs["releaseChannel"] == {"channel": "REGULAR"}
    assert inputs["deletionProtection"] is True


def test_gke_secrets_are_encrypted_with_a_rotating_regional_key_the_agent_may_use(prod) -> None:
    _, plan = prod
    (cluster,) = plan.of_type("gcp:container/cluster:Cluster")
    (key,) = [k for k in plan.of_type("gcp:kms/cryptoKey:CryptoKey") if k.inputs["name"] == "kubernetes-secrets"]
    assert cluster.inputs["databaseEncryption"] == {"state": "ENCRYPTED", "keyName": key.outputs["id"]}
    assert key.inputs["rotationPeriod"] == f"{90 * 86400}s"
    (ring,) = [r for r in plan.of_type("gcp:kms/keyRing:KeyRing") if r.inputs["name"].endswith("-secrets")]
    assert ring.inputs["location"] == "asia-southeast1"
    (grant,) = [g for g in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember") if "gke-agent" in g.name]
    assert grant.inputs["member"].endswith("@container-engine-robot.iam.gserviceaccount.com")
    assert grant.urn in cluster.dependencies


def test_nodes_run_as_a_dedicated_service_account(prod) -> None:
    _, plan = prod
    (account,) = [a for a in plan.of_type("gcp:serviceaccount/account:Account") if a.name.endswith("-gke-nodes")]
    for pool in plan.of_type(NODE_POOL):
        assert pool.inputs["nodeConfig"]["serviceAccount"] == account.outputs["email"]
    roles = {m.inputs["role"] for m in plan.of_type("gcp:projects/iAMMember:IAMMember")}
    assert "roles/editor" not in roles and "roles/owner" not in roles


def test_control_plane_reaches_the_admission_webhooks(prod) -> None:
    _, plan = prod
    (firewall,) = plan.of_type("gcp:compute/firewall:Firewall")
    (cluster,) = plan.of_type("gcp:container/cluster:Cluster")
    assert firewall.inputs["sourceRanges"] == [cluster.inputs["privateClusterConfig"]["masterIpv4CidrBlock"]]
    (allow,) = firewall.inputs["allows"]
    assert set(allow["ports"]) == {"15017", "6443", "9443"}


def test_private_nodes_egress_through_cloud_nat(prod) -> None:
    _, plan = prod
    (nat,) = plan.of_type("gcp:compute/routerNat:RouterNat")
    assert nat.inputs["sourceSubnetworkIpRangesToNat"] == "ALL_SUBNETWORKS_ALL_IP_RANGES"
    (subnet,) = plan.of_type("gcp:compute/subnetwork:Subnetwork")
    assert {r["rangeName"] for r in subnet.inputs["secondaryIpRanges"]} == {"pods", "services"}
