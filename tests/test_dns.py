"""Residency-aware DNS: one health-checked name per region, latency sets per zone over them."""

from __future__ import annotations

from collections import defaultdict
from ipaddress import ip_address

from tests.plan_helpers import by_output

RECORD = "aws:route53/record:Record"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
ROUTE53_RECORD_TYPES = {"A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "TXT"}


def test_one_https_health_check_per_region_on_its_regional_name(prod) -> None:
    platform, plan = prod
    checks = plan.of_type(HEALTH_CHECK)
    assert sorted(c.inputs["fqdn"] for c in checks) == sorted(f"{r.id}.api.wedsync.example" for r in platform.regions)
    for check in checks:
        assert (check.inputs["type"], check.inputs["port"], check.inputs["resourcePath"]) == ("HTTPS", 443, "/healthz")


def test_regional_names_point_at_their_gateways_load_balancer(prod) -> None:
    platform, plan = prod
    regional = {r.inputs["name"]: r for r in plan.of_type(RECORD) if "setIdentifier" not in r.inputs}
    for region in platform.regions:
        record = regional[f"{region.id}.api.wedsync.example"]
        gateway = plan.outputs["regions"][region.id]["ingress"]
        assert record.inputs["records"] == [gateway]
        if region.cloud.value == "gcp":
            assert record.inputs["type"] == "A"
            ip_address(gateway)  # a GKE load balancer has an IP
        else:
            assert record.inputs["type"] == "CNAME"
            assert gateway.endswith(f".elb.{region.id}.amazonaws.com")  # an AWS NLB has a hostname


def test_zone_names_are_latency_sets_of_their_regions_each_tied_to_its_health_check(prod) -> None:
    platform, plan = prod
    latency_sets: dict[str, list] = defaultdict(list)
    for record in plan.of_type(RECORD):
        if "setIdentifier" in record.inputs:
            latency_sets[record.inputs["name"]].append(record)
    zones = platform.regions_by_zone()
    assert set(latency_sets) == {f"{zone}.api.wedsync.example" for zone in zones}
    for zone, regions in zones.items():
        records = latency_sets[f"{zone}.api.wedsync.example"]
        assert sorted(r.inputs["setIdentifier"] for r in records) == sorted(r.id for r in regions)
        for record in records:
            region = next(r for r in regions if r.id == record.inputs["setIdentifier"])
            (policy,) = record.inputs["latencyRoutingPolicies"]
            assert policy["region"] == region.route53_region
            check = by_output(plan, HEALTH_CHECK, "id", record.inputs["healthCheckId"])
            assert check.inputs["fqdn"] == f"{region.id}.api.wedsync.example"
            assert record.inputs["records"] == [f"{region.id}.api.wedsync.example"]


def test_traffic_never_leaves_its_residency_zone(prod) -> None:
    platform, plan = prod
    zone_of = {r.id: r.residency for r in platform.regions}
    for record in plan.of_type(RECORD):
        if "setIdentifier" in record.inputs:
            zone = record.inputs["name"].split(".")[0]
            assert zone_of[record.inputs["setIdentifier"]] == zone


def test_records_use_only_types_route53_accepts_and_never_mix_policies(prod) -> None:
    _, plan = prod
    for record in plan.of_type(RECORD):
        assert record.inputs["type"] in ROUTE53_RECORD_TYPES
        policies = [k for k in record.inputs if k.endswith("RoutingPolicies") or k.endswith("RoutingPolicy")]
        assert len(policies) <= 1, record.urn


def test_zone_is_looked_up_unless_created(prod, staging) -> None:
    _, prod_plan = prod
    _, staging_plan = staging
    assert prod_plan.of_type("aws:route53/zone:Zone") == []  # prod: existing zone looked up by name
    (zone,) = staging_plan.of_type("aws:route53/zone:Zone")
    assert zone.inputs["name"] == "staging.wedsync.example"
