"""The Kubernetes layer in every prod cluster, read from the plan the real program registers under mocks: the add-ons
and the photo namespace (the config-defined queue workers' namespaces are tests/test_queue_workers.py's)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from foundation.scheduling import GPU_NODE_LABELS, GPU_TAINT
from infra.offline.manifests import manifest, validate, write_manifests
from infra.offline.plan import Plan
from infra.offline.summary import region_of

RELEASE = "kubernetes:helm.sh/v3:Release"
NS = "photography-ai"


def _outside_queue_workers(platform, resource) -> bool:
    metadata = resource.inputs.get("metadata") or {}
    return metadata.get("namespace") not in {w.namespace for w in platform.queue_workers}


def _in_region(plan: Plan, platform, resource_type: str, region: str) -> list:
    ids = {r.id for r in platform.regions}
    return [
        r
        for r in plan.of_type(resource_type)
        if region_of(plan, r, ids) == region and _outside_queue_workers(platform, r)
    ]


def _named(resources: list, name: str):
    (found,) = [r for r in resources if r.inputs["metadata"]["name"] == name]
    return found


def _custom(plan, platform, kind: str, region: str) -> list:
    return [
        r
        for r in plan.resources
        if r.type.startswith("kubernetes:")
        and r.type.endswith(f":{kind}")
        and region_of(plan, r, {x.id for x in platform.regions}) == region
        and _outside_queue_workers(platform, r)
    ]


REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "asia-southeast1"]


def test_every_object_is_named_and_created_by_its_own_clusters_provider(prod) -> None:
    platform, plan = prod
    providers = {p.urn: p for p in plan.of_type("pulumi:providers:kubernetes")}
    assert len(providers) == len(platform.regions)
    ids = {r.id for r in platform.regions}
    for resource in plan.resources:
        if not resource.type.startswith("kubernetes:"):
            continue
        provider = providers[resource.provider.rsplit("::", 1)[0]]
        assert provider.name == f"{region_of(plan, resource, ids)}-kubernetes-provider"
        assert provider.inputs["kubeconfig"] == "[secret]"  # built from the cluster's outputs, never a file
        if resource.type != RELEASE:
            assert resource.inputs["metadata"]["name"], resource.urn


@pytest.mark.parametrize("region", REGIONS)
def test_add_ons_are_pinned_and_fit_the_cloud(prod, region: str) -> None:
    platform, plan = prod
    charts = platform.kubernetes.charts
    releases = {r.inputs["name"]: r.inputs for r in _in_region(plan, platform, RELEASE, region)}
    pins = {c.chart: c.version for c in charts.__dict__.values()}
    for release in releases.values():
        assert release["version"] == pins[release["chart"]]
    common = {
        "keda",
        "kube-prometheus-stack",
        "cert-manager",
        "argo-rollouts",
        "istio-base",
        "istio-cni",
        "istiod",
        "istio-ingressgateway",
        "istio-egressgateway",  # prod's pdf-analysis workers call external APIs through it
        "velero",  # cluster backups (tests/wiring/test_cluster_backups.py)
    }
    if region == "asia-southeast1":
        assert set(releases) == common | {"dcgm-exporter"}  # GKE manages drivers and the device plugin
    else:
        assert set(releases) == common | {"gpu-operator", "cluster-autoscaler", "kyverno"}  # Kyverno: image admission
        operator = releases["gpu-operator"]["values"]
        assert operator["driver"] == {"enabled": False} and operator["toolkit"] == {"enabled": False}
        autoscaler = releases["cluster-autoscaler"]["values"]
        assert autoscaler["autoDiscovery"] == {"clusterName": f"wedsync-prod-{region}"}
        role = autoscaler["rbac"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
        assert role.startswith("arn:aws:iam::222222222222:role/")


def test_namespace_is_restricted_with_quota_and_limits(prod) -> None:
    platform, plan = prod
    for region in REGIONS:
        namespace = _named(_in_region(plan, platform, "kubernetes:core/v1:Namespace", region), NS)
        assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        (quota,) = _in_region(plan, platform, "kubernetes:core/v1:ResourceQuota", region)
        hard = quota.inputs["spec"]["hard"]
        # GPUs: one per worker at KEDA's maximum (the sums are proven in tests/wiring/test_autoscaling.py)
        (scaled,) = _custom(plan, platform, "ScaledObject", region)
        model_gpus = sum(s.gpus * s.autoscale.max_replicas for s in platform.kubernetes.model_services)
        assert hard["requests.nvidia.com/gpu"] == str(scaled.inputs["spec"]["maxReplicaCount"] + model_gpus)
        assert hard["persistentvolumeclaims"] == str(platform.kubernetes.quota.persistent_volume_claims) == "50"
        assert _in_region(plan, platform, "kubernetes:core/v1:LimitRange", region)


@pytest.mark.parametrize(("region", "redis_port"), [("us-east-1", 6379), ("asia-southeast1", 6378)])
def test_network_policies_deny_by_default_and_allow_exactly_the_needed_flows(prod, region, redis_port) -> None:
    platform, plan = prod
    policies = {
        p.inputs["metadata"]["name"]: p.inputs["spec"]
        for p in _in_region(plan, platform, "kubernetes:networking.k8s.io/v1:NetworkPolicy", region)
    }
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    ingress = policies["allow-gateway-and-metrics"]["ingress"]
    sources = [rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for rule in ingress]
    assert sources == ["istio-ingress", "monitoring"]
    # Prometheus reaches only the metrics port and the sidecars' Envoy stats
    assert ingress[1]["ports"] == [{"port": 8080, "protocol": "TCP"}, {"port": 15090, "protocol": "TCP"}]
    egress = policies["allow-egress"]["egress"]
    egress_ports = {(p["port"], p["protocol"]) for rule in egress for p in rule["ports"]}
    metadata_server = {(80, "TCP"), (988, "TCP")} if region == "asia-southeast1" else set()
    assert (
        egress_ports == {(53, "UDP"), (53, "TCP"), (15012, "TCP"), (redis_port, "TCP"), (443, "TCP")} | metadata_server
    )
    # Workload Identity on GKE: pods reach the metadata server at exactly its addresses, nowhere else on 80/988.
    blocks = {(r["to"][0]["ipBlock"]["cidr"], r["ports"][0]["port"]) for r in egress if "ipBlock" in str(r.get("to"))}
    assert blocks == ({("169.254.169.254/32", 80), ("169.254.169.252/32", 988)} if metadata_server else set())


def test_tls_certificates_gateway_and_routes(prod) -> None:
    platform, plan = prod
    (certificate,) = _custom(plan, platform, "Certificate", "eu-west-1")
    assert certificate.inputs["spec"]["dnsNames"] == ["eu-west-1.api.wedsync.example", "eu.api.wedsync.example"]
    (issuer,) = _custom(plan, platform, "ClusterIssuer", "eu-west-1")
    (solver,) = issuer.inputs["spec"]["acme"]["solvers"]
    assert solver["dns01"]["route53"]["role"].startswith("arn:aws:iam::222222222222:role/")
    (gateway,) = _custom(plan, platform, "Gateway", "eu-west-1")
    https = gateway.inputs["spec"]["servers"][0]
    assert (
        https["tls"]["mode"] == "SIMPLE" and https["tls"]["credentialName"] == certificate.inputs["spec"]["secretName"]
    )
    (routes,) = [  # the gateway's routes (a service called inside the mesh has its own, on `mesh`)
        r for r in _custom(plan, platform, "VirtualService", "eu-west-1") if r.inputs["spec"]["gateways"] != ["mesh"]
    ]
    by_prefix = {r["match"][0]["uri"].get("prefix"): r for r in routes.inputs["spec"]["http"]}
    assert by_prefix["/api/v1/photos"]["route"][0]["destination"]["host"] == "jobs-api.photography-ai.svc.cluster.local"
    assert by_prefix["/api/v1/venue-analysis"]["timeout"] == "120s"
    assert by_prefix["/api/v1/venue-analysis"]["retries"]["attempts"] == 3
    assert by_prefix["/api/v1/venue-analysis"]["retries"]["perTryTimeout"] == "40s"
    assert by_prefix["/api/v1/shot-list"]["timeout"] == "60s"
    assert by_prefix["/api/v1/timing-optimization"]["timeout"] == "30s"


def test_mesh_security(prod) -> None:
    platform, plan = prod
    rules = _custom(plan, platform, "DestinationRule", "us-east-1")
    # the jobs API's and the cache service's stable and canary Services, and each model service
    assert len(rules) == 2 + 2 + len(platform.kubernetes.model_services)
    for rule in rules:
        outlier = rule.inputs["spec"]["trafficPolicy"]["outlierDetection"]
        assert (outlier["consecutiveGatewayErrors"], outlier["maxEjectionPercent"]) == (5, 50)
    authentication = {
        p.inputs["metadata"]["name"]: p.inputs["spec"]
        for p in _custom(plan, platform, "PeerAuthentication", "us-east-1")
    }
    assert authentication["default"] == {"mtls": {"mode": "STRICT"}}
    assert authentication["metrics-port"]["selector"] == {"matchLabels": {"wedsync.io/scrape": "true"}}
    assert authentication["metrics-port"]["portLevelMtls"] == {"8080": {"mode": "PERMISSIVE"}}
    (authorization,) = [
        p
        for p in _custom(plan, platform, "AuthorizationPolicy", "us-east-1")
        if p.inputs["spec"]["action"] == "ALLOW" and p.inputs["metadata"]["name"] == "allow-gateway-and-api"
    ]
    principals = authorization.inputs["spec"]["rules"][0]["from"][0]["source"]["principals"]
    assert principals == [
        "cluster.local/ns/istio-ingress/sa/istio-ingressgateway",
        "cluster.local/ns/photography-ai/sa/jobs-api",
    ]


def test_model_services_have_deployments_services_and_seed_autoscaling(prod) -> None:
    platform, plan = prod
    for service in platform.kubernetes.model_services:
        deployment = _named(_in_region(plan, platform, "kubernetes:apps/v1:Deployment", "us-west-2"), service.name)
        pod = deployment.inputs["spec"]["template"]["spec"]
        assert pod["containers"][0]["image"] == platform.kubernetes.triton_image
        assert pod["initContainers"][0]["image"] == service.image  # the team's model repository
        _named(_in_region(plan, platform, "kubernetes:core/v1:Service", "us-west-2"), service.name)
        hpa = _named(
            _in_region(plan, platform, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "us-west-2"), service.name
        ).inputs["spec"]
        assert (hpa["minReplicas"], hpa["maxReplicas"]) == (1, 1)  # one GPU each, out of the pools' GPUs
        assert {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["metrics"]} == {
            "cpu": 70,
            "memory": 80,
        }
        assert hpa["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300
        assert hpa["behavior"]["scaleUp"]["selectPolicy"] == "Max"


@pytest.mark.parametrize("region", ["us-east-1", "asia-southeast1"])
def test_the_gpu_worker_runs_only_on_gpu_pools_locked_down(prod, region: str) -> None:
    platform, plan = prod
    worker = _named(_in_region(plan, platform, "kubernetes:apps/v1:Deployment", region), "gpu-worker").inputs["spec"]
    assert "replicas" not in worker  # KEDA owns the count
    pod = worker["template"]["spec"]
    (container,) = pod["containers"]
    expected_image = next(r.worker_image for r in platform.regions if r.id == region) or platform.worker.image
    assert container["image"] == expected_image  # pulled from the region's own registry
    assert container["image"].startswith("asia-southeast1-docker.pkg.dev/" if region == "asia-southeast1" else "2222")
    assert (
        container["resources"]["requests"]["nvidia.com/gpu"]
        == container["resources"]["limits"]["nvidia.com/gpu"]
        == "1"
    )
    assert pod["tolerations"] == [{"key": GPU_TAINT.key, "operator": "Exists", "effect": GPU_TAINT.effect.value}]
    (term,) = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert {e["key"]: e["values"] for e in term["matchExpressions"]} == {k: [v] for k, v in GPU_NODE_LABELS.items()}
    context = container["securityContext"]
    assert context["runAsNonRoot"] and context["readOnlyRootFilesystem"]
    assert context["allowPrivilegeEscalation"] is False and context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["volumes"][0]["emptyDir"] and container["volumeMounts"][0]["mountPath"] == "/tmp"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod["terminationGracePeriodSeconds"] == platform.worker.termination_grace_seconds
    env = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e}
    assert env == {"REDIS_URL": "redis-connection", "REDIS_PASSWORD": "redis-connection"}
    _named(_in_region(plan, platform, "kubernetes:policy/v1:PodDisruptionBudget", region), "gpu-worker")
    _named(_in_region(plan, platform, "kubernetes:core/v1:Service", region), "gpu-worker-metrics")


def test_the_worker_identity_reaches_only_its_regions_bucket(prod) -> None:
    platform, plan = prod
    account = _named(_in_region(plan, platform, "kubernetes:core/v1:ServiceAccount", "eu-west-1"), "gpu-worker")
    role_arn = account.inputs["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    (role,) = [r for r in plan.of_type("aws:iam/role:Role") if r.outputs.get("arn") == role_arn]
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]["StringEquals"]
    assert "system:serviceaccount:photography-ai:gpu-worker" in trust.values()
    (policy,) = [p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy") if p.name == role.name]
    resources = {res for s in json.loads(policy.inputs["policy"])["Statement"] for res in s["Resource"]}
    buckets = {res for res in resources if res.startswith("arn:aws:s3:::")}
    assert buckets == {
        "arn:aws:s3:::wedsync-prod-photos-eu-west-1-222222222222",
        "arn:aws:s3:::wedsync-prod-photos-eu-west-1-222222222222/photos/*",  # the photos prefix only
    }
    gke_account = _named(
        _in_region(plan, platform, "kubernetes:core/v1:ServiceAccount", "asia-southeast1"), "gpu-worker"
    )
    email = gke_account.inputs["metadata"]["annotations"]["iam.gke.io/gcp-service-account"]
    (binding,) = [
        b for b in plan.of_type("gcp:storage/bucketIAMMember:BucketIAMMember") if b.inputs["member"].endswith(email)
    ]
    assert binding.inputs["member"] == f"serviceAccount:{email}"
    assert binding.inputs["bucket"].startswith("wedsync-prod-photos-asia-southeast1")


def test_keda_scales_the_worker_on_queue_lag_and_prescales_for_saturday(prod, variant) -> None:
    platform, plan = prod
    for region, timezone, port in (
        ("us-east-1", "America/New_York", 6379),
        ("asia-southeast1", "Asia/Singapore", 6378),
    ):
        (scaled,) = _custom(plan, platform, "ScaledObject", region)
        spec = scaled.inputs["spec"]
        assert spec["scaleTargetRef"] == {"name": "gpu-worker"}
        # off-season: may scale to zero; at most the season's 8, or fewer where the GPU pools hold fewer once the
        # three model services' GPUs are carved out (us-east-1: 13 - 3; asia-southeast1: 5 - 3)
        expected_max = 8 if region == "us-east-1" else 2
        assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (0, expected_max)
        streams, pending, cron = spec["triggers"]
        assert pending["metadata"]["pendingEntriesCount"] == str(platform.worker.batch_size)
        assert streams["type"] == "redis-streams"
        assert streams["metadata"]["lagCount"] == "1000" and streams["metadata"]["enableTLS"] == "true"
        assert streams["metadata"]["address"].endswith(f":{port}")
        assert streams["authenticationRef"] == {"name": "redis-streams"}
        assert cron["type"] == "cron" and cron["metadata"]["timezone"] == timezone
        assert (cron["metadata"]["start"], cron["metadata"]["end"]) == ("0 9 * * 6", "0 21 * * 6")
        (auth,) = _custom(plan, platform, "TriggerAuthentication", region)
        assert {"parameter": "password", "name": "redis-connection", "key": "password"} in auth.inputs["spec"][
            "secretTargetRef"
        ]
    peak_platform, peak = variant("prod", lambda raw: raw.update(season="peak"))
    (scaled,) = _custom(peak, peak_platform, "ScaledObject", "us-east-1")
    assert (scaled.inputs["spec"]["minReplicaCount"], scaled.inputs["spec"]["maxReplicaCount"]) == (4, 32)


def test_monitoring_is_selected_by_the_prometheus_release(prod) -> None:
    platform, plan = prod
    monitors = _custom(plan, platform, "ServiceMonitor", "eu-central-1")
    assert {m.inputs["metadata"]["name"] for m in monitors} == {
        "gpu-worker",
        "jobs-api",
        "redis-exporter",
    }  # the cache service's pods, stable and canary, are scraped by a PodMonitor (cache_service.py)
    (rule,) = [
        r
        for r in _custom(plan, platform, "PrometheusRule", "eu-central-1")
        if r.inputs["metadata"]["name"] == "photo-platform-alerts"
    ]
    assert rule.inputs["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    alerts = {a["alert"]: a for a in rule.inputs["spec"]["groups"][0]["rules"]}
    for expected in (
        "PhotoProcessingHighLatency",
        "PhotoProcessingHighErrorRate",
        "GPUUtilizationHigh",
        "WorkerMemoryGrowth",
        "WorkerCrashLooping",
        "PhotoQueueBacklog",
        "RedisMemoryHigh",
        "WeddingTrafficSpike",
    ):
        assert alerts[expected]["labels"]["severity"] in {"info", "warning", "critical"}
        assert alerts[expected]["annotations"]["runbook_url"].startswith("https://")
    dashboard = _named(
        _in_region(plan, platform, "kubernetes:core/v1:ConfigMap", "eu-central-1"), "gpu-worker-dashboard"
    )
    assert dashboard.inputs["metadata"]["labels"] == {"grafana_dashboard": "1"}
    assert json.loads(dashboard.inputs["data"]["gpu-worker.json"])["panels"]


def test_manifests_are_written_per_region_and_validate_strictly(prod, tmp_path: Path) -> None:
    platform, plan = prod
    report = write_manifests(plan, platform, tmp_path)
    assert report.errors == []
    assert report.validated > 150 and report.custom > 50
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(REGIONS)
    releases = (tmp_path / "us-east-1" / "helm-releases.yaml").read_text()
    assert (
        "chart: gpu-operator" in releases and f"version: {platform.kubernetes.charts.gpu_operator.version}" in releases
    )


def test_strict_validation_rejects_an_unknown_field(prod) -> None:
    _, plan = prod
    (deployment,) = [
        r
        for r in plan.of_type("kubernetes:apps/v1:Deployment")
        if "us-east-1-kubernetes" in r.name and r.inputs["metadata"]["name"] == "gpu-worker"
    ]
    document = copy.deepcopy(manifest(deployment))
    assert validate(document, "1.36") == []
    document["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    assert validate(document, "1.36")


@pytest.mark.parametrize("region", ["us-east-1", "asia-southeast1"])
def test_every_service_monitor_scrapes_a_port_its_pods_serve(prod, region: str) -> None:
    platform, plan = prod
    services = {
        s.inputs["metadata"]["name"]: s.inputs for s in _in_region(plan, platform, "kubernetes:core/v1:Service", region)
    }
    deployments = {
        d.inputs["metadata"]["name"]: d.inputs
        for kind in ("kubernetes:apps/v1:Deployment", "kubernetes:argoproj.io/v1alpha1:Rollout")
        for d in _in_region(plan, platform, kind, region)
    }
    for monitor in _custom(plan, platform, "ServiceMonitor", region):
        app = monitor.inputs["spec"]["selector"]["matchLabels"]["app"]
        (endpoint,) = monitor.inputs["spec"]["endpoints"]
        (service,) = [
            s
            for s in services.values()
            if (s["metadata"].get("labels") or {}).get("app") == app  # what the ServiceMonitor selects by
            and s["spec"]["selector"] == {"app": app}
            and endpoint["port"] in {p["name"] for p in s["spec"]["ports"]}
        ]
        port = next(p for p in service["spec"]["ports"] if p["name"] == endpoint["port"])
        assert port["port"] == 8080  # the port the network policy, authorization and mTLS exception open
        pod = deployments[app]["spec"]["template"]
        assert pod["metadata"]["labels"]["wedsync.io/scrape"] == "true"
        served = {p["containerPort"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}
        assert 8080 in served
