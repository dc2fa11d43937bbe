"""Typed per-environment config (pydantic v2): the only code that reads config."""

from foundation.config.accounts import AwsAccount, AwsDeployerRole, DeployerAccess, GcpDeployer, GcpProject
from foundation.config.api import ApiConfig
from foundation.config.base import Cloud
from foundation.config.cache import CacheConfig, CacheReplication, CacheServiceConfig, EvictionPolicy
from foundation.config.charts import Chart, Charts
from foundation.config.kubernetes import (
    Autoscale,
    KubernetesLayer,
    ModelService,
    Quota,
    Resources,
    Retries,
    SaturdayPrescale,
)
from foundation.config.loader import (
    PLATFORM_KEY,
    PROJECT,
    ConfigError,
    load_from_pulumi,
    load_stack_platform,
    parse_platform_config,
)
from foundation.config.operations import BudgetConfig, FreezeWindow
from foundation.config.platform import PlatformConfig, Tier
from foundation.config.pools import GpuPool, NodePoolSize, SystemPool
from foundation.config.queue_observability import MetricsEndpoint, QueueAlerting
from foundation.config.queue_workers import EgressEndpoint, QueueWorkload, ReplicaBounds, SeasonalBounds
from foundation.config.region import NetworkSettings, Region, RegionRole
from foundation.config.rollouts import CanaryAnalysis, CanaryStep, Rollouts
from foundation.config.seasons import Season, SeasonCalendar, SeasonProfile
from foundation.config.storage import RedisSize, StorageTiers
from foundation.config.traffic import DnsConfig
from foundation.config.versions import (
    KUBERNETES,
    SUPPORT_MARGIN_DAYS,
    ChartPin,
    EksAddonPins,
    KubernetesRelease,
    Pin,
    expiring,
)
from foundation.config.worker import WorkerConfig

__all__ = [
    "KUBERNETES",
    "PLATFORM_KEY",
    "PROJECT",
    "SUPPORT_MARGIN_DAYS",
    "ApiConfig",
    "Autoscale",
    "AwsAccount",
    "AwsDeployerRole",
    "BudgetConfig",
    "CacheConfig",
    "CacheReplication",
    "CacheServiceConfig",
    "CanaryAnalysis",
    "CanaryStep",
    "Chart",
    "ChartPin",
    "Charts",
    "Cloud",
    "ConfigError",
    "DeployerAccess",
    "DnsConfig",
    "EgressEndpoint",
    "EksAddonPins",
    "EvictionPolicy",
    "FreezeWindow",
    "GcpDeployer",
    "GcpProject",
    "GpuPool",
    "KubernetesLayer",
    "KubernetesRelease",
    "MetricsEndpoint",
    "ModelService",
    "NetworkSettings",
    "NodePoolSize",
    "Pin",
    "PlatformConfig",
    "QueueAlerting",
    "QueueWorkload",
    "Quota",
    "RedisSize",
    "Region",
    "RegionRole",
    "ReplicaBounds",
    "Resources",
    "Retries",
    "Rollouts",
    "SaturdayPrescale",
    "Season",
    "SeasonCalendar",
    "SeasonProfile",
    "SeasonalBounds",
    "StorageTiers",
    "SystemPool",
    "Tier",
    "WorkerConfig",
    "expiring",
    "load_from_pulumi",
    "load_stack_platform",
    "parse_platform_config",
]
