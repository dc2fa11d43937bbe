"""Residency-aware DNS in Route53: a health-checked name per region, latency records per zone.

`<region>.<api>.<domain>` points at the region's ingress (CNAME to an AWS load balancer hostname,
A record to a GKE load balancer IP) and has an HTTPS health check on /healthz, which the gateway routes to
the jobs API's readiness.
A zone the program creates is DNSSEC-signed and logs its queries (components/aws/zone_security.py).
`<zone>.<api>.<domain>` is a set of latency records, one per region of the residency zone, each
tied to its region's health check: an unhealthy region drops out and its zone-mates take over.
Traffic never crosses zones; a zone with one region has no failover.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.zone_security import log_queries, sign_zone
from components.options import child_opts, stateful_opts
from foundation.config import DnsConfig
from foundation.naming import REGION_HEALTH_PATH, regional_name, zone_name
from foundation.tags import Tagging

RECORD_TTL_SECONDS = 60


@dataclass(frozen=True)
class RegionEndpoint:
    """A region's ingress: a load-balancer hostname or IP, and where Route53 measures its latency."""

    region: str
    residency: str
    route53_region: str
    endpoint: pulumi.Input[str]
    endpoint_is_ip: bool


@dataclass(frozen=True)
class GlobalTrafficArgs:
    """The DNS config, every region's endpoint, and whether the zone is protected."""

    dns: DnsConfig
    regions: tuple[RegionEndpoint, ...]
    tagging: Tagging
    protect: bool
    account_id: str  # owns the zone's DNSSEC key and query log group


class GlobalTraffic(pulumi.ComponentResource):
    """The hosted zone (created or looked up), regional names with health checks, zone latency sets."""

    zone_id: pulumi.Output[str]
    regional_names: pulumi.Output[dict[str, str]]
    zone_names: pulumi.Output[dict[str, str]]
    health_check_ids: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: GlobalTrafficArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:dns:GlobalTraffic", name, None, opts)
        dns = args.dns
        tags = args.tagging.for_component("dns")
        if dns.create_zone:
            zone = aws.route53.Zone(
                f"{name}-zone",
                name=dns.domain,
                comment="wedsync public API names",
                force_destroy=False,
                tags=tags,
                opts=stateful_opts(self, args.protect),
            )
            sign_zone(name, zone, args.account_id, tags, self, args.protect)
            log_queries(name, zone, dns.domain, args.account_id, tags, self, args.protect)
            zone_id = zone.zone_id
        else:
            zone_id = aws.route53.get_zone_output(
                name=dns.domain, private_zone=False, opts=pulumi.InvokeOutputOptions(parent=self)
            ).zone_id

        health_checks: dict[str, pulumi.Output[str]] = {}
        for region in args.regions:
            name_of_region = regional_name(dns, region.region)
            aws.route53.Record(
                f"{name}-{region.region}",
                zone_id=zone_id,
                name=name_of_region,
                type="A" if region.endpoint_is_ip else "CNAME",
                ttl=RECORD_TTL_SECONDS,
                records=[region.endpoint],
                opts=child_opts(self),
            )
            health_checks[region.region] = aws.route53.HealthCheck(
                f"{name}-{region.region}-health",
                type="HTTPS",
                fqdn=name_of_region,
                port=443,
                resource_path=REGION_HEALTH_PATH,
                enable_sni=True,
                request_interval=30,
                failure_threshold=3,
                measure_latency=True,
                tags={**tags, "Name": name_of_region},
                opts=child_opts(self),
            ).id

        for region in args.regions:
            aws.route53.Record(
                f"{name}-{region.residency}-via-{region.region}",
                zone_id=zone_id,
                name=zone_name(dns, region.residency),
                type="CNAME",
                ttl=RECORD_TTL_SECONDS,
                set_identifier=region.region,
                latency_routing_policies=[aws.route53.RecordLatencyRoutingPolicyArgs(region=region.route53_region)],
                health_check_id=health_checks[region.region],
                records=[regional_name(dns, region.region)],
                opts=child_opts(self),
            )

        self.zone_id = pulumi.Output.from_input(zone_id)
        self.regional_names = pulumi.Output.from_input({r.region: regional_name(dns, r.region) for r in args.regions})
        self.zone_names = pulumi.Output.from_input({r.residency: zone_name(dns, r.residency) for r in args.regions})
        self.health_check_ids = pulumi.Output.all(**health_checks)
        self.register_outputs(
            {
                "zone_id": self.zone_id,
                "regional_names": self.regional_names,
                "zone_names": self.zone_names,
                "health_check_ids": self.health_check_ids,
            }
        )
