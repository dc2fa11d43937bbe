"""The whole per-environment description: `wedsync-platform:platform` in `Pulumi.<stack>.yaml`."""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from itertools import combinations

from pydantic import Field, model_validator

from foundation.catalog import ResidencyZone
from foundation.config.accounts import AwsAccount, GcpProject
from foundation.config.alerting import AlertingConfig
from foundation.config.api import ApiConfig
from foundation.config.base import Cloud, Model, Slug
from foundation.config.cache import CacheConfig, cache_problems
from foundation.config.delivery import DeliveryConfig
from foundation.config.dr import DrConfig
from foundation.config.kubernetes import KubernetesLayer
from foundation.config.operations import BudgetConfig, FreezeWindow
from foundation.config.problems import raise_if_any
from foundation.config.queue_workers import QueueWorkload, residency_problems
from foundation.config.region import Problems, Region
from foundation.config.seasons import Season, SeasonCalendar, SeasonProfile
from foundation.config.simulation import SimulationConfig
from foundation.config.storage import StorageTiers
from foundation.config.traffic import DnsConfig
from foundation.config.versions import KUBERNETES, Pin
from foundation.config.worker import WorkerConfig
from foundation.placeholders import Placeholder, find_placeholders


class Tier(StrEnum):
    """prod is protected and judged strictest; nonprod is everything else."""

    NONPROD = "nonprod"
    PROD = "prod"


class PlatformConfig(Model):
    """Validated once, frozen, and handed down to every component."""

    environment: Slug = Field(description="Environment name, used in resource names (e.g. prod, staging)")
    tier: Tier = Field(description="prod or nonprod")
    protect_stateful: bool | None = Field(
        None, description="Protect stateful resources from deletion (default: on in prod, off elsewhere)"
    )
    season: Season = Field(description="The capacity season deployed now: peak, moderate or off_season")
    seasons: SeasonCalendar = Field(SeasonCalendar(), description="The capacity profile of each season")
    aws: AwsAccount | None = Field(None, description="The AWS account (required: DNS lives in Route53)")
    gcp: GcpProject | None = Field(None, description="The GCP project (required when a region runs on gcp)")
    regions: tuple[Region, ...] = Field(min_length=1, description="Regions with a cluster, one of them primary")
    storage: StorageTiers = Field(StorageTiers(), description="Photo bucket lifecycle and backup retention")
    dns: DnsConfig = Field(description="Public DNS zone and API names")
    worker: WorkerConfig = Field(description="The GPU worker's image and queue")
    api: ApiConfig = Field(description="How the jobs API authenticates its callers and whom it serves")
    budget: BudgetConfig = Field(BudgetConfig(), description="Spending caps the policy pack enforces")
    freeze: FreezeWindow = Field(FreezeWindow(), description="The weekly change freeze for prod deploys")
    kubernetes: KubernetesLayer = Field(KubernetesLayer(), description="What runs inside every cluster")
    delivery: DeliveryConfig | None = Field(
        None, description="CDN delivery of finished variants (CloudFront, Cloud CDN); none: no CDN"
    )
    simulation: SimulationConfig = Field(
        SimulationConfig(), description="The peak Saturday `python -m infra simulate` replays through the plan"
    )
    alerting: AlertingConfig = Field(AlertingConfig(), description="Alertmanager receivers, routes and escalation")
    dr: DrConfig = Field(DrConfig(), description="Recovery targets `python -m infra dr-report` checks the plan against")
    cache: CacheConfig | None = Field(None, description="The AI cache tier in every region (none when absent)")
    queue_workers: tuple[QueueWorkload, ...] = Field(
        (), description="Queue-driven CPU workloads beside the GPU photo worker (seed 001: pdf-analysis)"
    )

    @model_validator(mode="after")
    def _regions_fit_together(self) -> PlatformConfig:
        problems: Problems = []
        primaries = [r.id for r in self.regions if r.is_primary]
        if len(primaries) != 1:
            problems.append((("regions",), f"must have exactly one primary region (got {len(primaries)}: {primaries})"))
        problems += self._duplicate_id_problems()
        problems += self._cidr_overlap_problems()
        problems += self._failover_problems()
        problems += self._latency_region_problems()
        if self.cache is not None:
            problems += cache_problems(self.cache, self.regions)
        problems += residency_problems(self.queue_workers, {r.id: r.residency for r in self.regions})
        if self.gcp is None and any(r.cloud is Cloud.GCP for r in self.regions):
            problems.append((("gcp",), "is required: a region runs on gcp"))
        if self.aws is None:
            problems.append((("aws",), "is required: DNS lives in Route53 even when no region runs on aws"))
        raise_if_any(problems)
        return self

    def _duplicate_id_problems(self) -> Problems:
        seen: dict[str, int] = {}
        problems: Problems = []
        for index, region in enumerate(self.regions):
            if region.id in seen:
                problems.append((("regions", index, "id"), f"duplicates regions[{seen[region.id]}] ({region.id})"))
            seen.setdefault(region.id, index)
        return problems

    def _cidr_overlap_problems(self) -> Problems:
        return [
            (
                ("regions", j, "network", "cidr"),
                f"overlaps regions[{i}].network.cidr ({b.network.cidr} overlaps {a.network.cidr})",
            )
            for (i, a), (j, b) in combinations(enumerate(self.regions), 2)
            if a.network.cidr.overlaps(b.network.cidr)
        ]

    def _failover_problems(self) -> Problems:
        by_id = {r.id: r for r in self.regions}
        problems: Problems = []
        for index, region in enumerate(self.regions):
            for target_index, target in enumerate(region.failover_to):
                path = ("regions", index, "failover_to", target_index)
                if target not in by_id:
                    problems.append((path, f"is not a configured region (got {target!r})"))
                elif by_id[target].residency != region.residency:
                    problems.append(
                        (
                            path,
                            f"must lie in residency zone {region.residency!r} like {region.id}: traffic fails "
                            f"over only within its zone (got {target}, zone {by_id[target].residency!r})",
                        )
                    )
        return problems

    def _latency_region_problems(self) -> Problems:
        problems: Problems = []
        for zone, regions in self.regions_by_zone().items():
            seen: dict[str, str] = {}
            for region in regions:
                if region.route53_region in seen:
                    index = self.regions.index(region)
                    problems.append(
                        (
                            ("regions", index, "latency_region"),
                            f"Route53 latency region {region.route53_region} is already used by "
                            f"{seen[region.route53_region]} in zone {zone!r}: a latency set takes each AWS region once",
                        )
                    )
                seen.setdefault(region.route53_region, region.id)
        return problems

    @property
    def protect(self) -> bool:
        """Whether stateful resources are protected: on in prod unless explicitly configured."""
        return self.tier is Tier.PROD if self.protect_stateful is None else self.protect_stateful

    @property
    def season_profile(self) -> SeasonProfile:
        """The capacity profile of the configured season."""
        return self.seasons.profile(self.season)

    @property
    def primary(self) -> Region:
        return next(r for r in self.regions if r.is_primary)

    def regions_by_zone(self) -> dict[ResidencyZone, list[Region]]:
        """Regions grouped by residency zone, in config order."""
        zones: dict[ResidencyZone, list[Region]] = defaultdict(list)
        for region in self.regions:
            zones[region.residency].append(region)
        return dict(zones)

    def placeholders(self) -> list[Placeholder]:
        """Documentation-example values in this config (accounts, domains, e-mails, registries, CIDRs)."""
        return find_placeholders(self.model_dump(mode="json"))

    def pins_in_use(self) -> list[tuple[str, Pin]]:
        """Every dated pin this config deploys, labelled: Kubernetes per cloud, EKS add-ons, charts."""
        pins: dict[str, Pin] = {}
        for region in self.regions:
            release = KUBERNETES[region.kubernetes_version]
            if region.cloud is Cloud.AWS:
                pins[f"EKS {region.kubernetes_version}"] = release.eks
                for addon, pin in release.eks_addons:
                    pins[f"EKS add-on {addon} for {region.kubernetes_version}"] = pin
                pins[f"cluster-autoscaler image for {region.kubernetes_version}"] = release.cluster_autoscaler_image
            else:
                pins[f"GKE {region.kubernetes_version}"] = release.gke
        for name, chart in self.kubernetes.charts:
            pins[f"chart {name} ({chart.chart})"] = chart
        return list(pins.items())

    def zones_without_failover(self) -> list[ResidencyZone]:
        """Residency zones served by a single region: they have no failover."""
        return [zone for zone, regions in self.regions_by_zone().items() if len(regions) == 1]
