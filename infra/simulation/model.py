"""The Saturday model: galleries queue, KEDA asks for workers, the autoscaler adds GPU nodes, GPUs drain the queue.

Time advances one KEDA polling interval at a time. Each poll:

- KEDA's recommendation is ceil(queued photos / lagCount), at least the cron pre-scale inside its window and
  minReplicaCount, at most maxReplicaCount. The HPA scales up at once and down only to the highest
  recommendation of its 300 s stabilization window (Kubernetes' default `scaleDown.stabilizationWindowSeconds`).
- Each worker pod takes `gpus_per_pod` GPUs. Missing GPUs are requested as nodes from the pools
  up to each pool's maximum, on-demand pools first (the autoscaler's least-waste expander ties between equal
  instance types, so the cost is the dearer of its choices), and arrive `node_startup_seconds` later; nodes stay until
  they have been unneeded for 600 s (cluster-autoscaler's default `--scale-down-unneeded-time`), down to the
  pools' minima. Nodes are paid for from the moment they are requested.
- Running pods (limited by ready GPUs) drain the queue first in, first out at the per-GPU rate; a gallery is
  done when its last photo is. Pods on a ready node are assumed to start within the poll.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace

HPA_DOWNSCALE_WINDOW_SECONDS = 300
NODE_UNNEEDED_SECONDS = 600


@dataclass(frozen=True)
class Pool:
    """A GPU node group as the plan deploys it."""

    name: str
    min_nodes: int
    desired_nodes: int
    max_nodes: int
    gpus_per_node: int
    hourly_usd: float
    spot: bool = False


@dataclass(frozen=True)
class Scaler:
    """The worker's ScaledObject; the pre-scale window in seconds after local midnight (none: start == end)."""

    polling_seconds: int
    min_replicas: int
    max_replicas: int
    lag_target: int
    prescale_replicas: int = 0
    prescale_start: int = 0
    prescale_end: int = 0

    def recommendation(self, at: float, queued: float) -> int:
        wanted = math.ceil(queued / self.lag_target)
        if self.prescale_start <= at % 86400 < self.prescale_end:
            wanted = max(wanted, self.prescale_replicas)
        return min(max(wanted, self.min_replicas), self.max_replicas)


@dataclass(frozen=True)
class Region:
    """What one region's Saturday runs on."""

    name: str
    scaler: Scaler
    pools: tuple[Pool, ...]
    gpus_per_pod: int
    seconds_per_photo: float  # GPU-seconds per photo
    node_startup_seconds: int

    @property
    def max_gpus(self) -> int:
        return sum(p.max_nodes * p.gpus_per_node for p in self.pools)

    def with_gpus(self, gpus: int) -> Region:
        """The same region allowed `gpus` GPUs and as many worker pods: the first pool grows."""
        first, *rest = self.pools
        others = sum(p.max_nodes * p.gpus_per_node for p in rest)
        grown = replace(first, max_nodes=max(first.max_nodes, math.ceil((gpus - others) / first.gpus_per_node)))
        return replace(
            self,
            pools=(grown, *rest),
            scaler=replace(self.scaler, max_replicas=max(self.scaler.max_replicas, gpus // self.gpus_per_pod)),
        )


@dataclass(frozen=True)
class Gallery:
    arrival: int  # seconds after local midnight
    photos: int


@dataclass
class Outcome:
    """What the day did: queue depth at each poll, each gallery's completion time, what the GPUs cost."""

    samples: list[tuple[int, float, int]] = field(default_factory=list)  # (time, queued photos, ready GPUs)
    completion_seconds: list[float] = field(default_factory=list)
    gpu_seconds: float = 0.0
    cost_usd: float = 0.0
    unfinished: int = 0  # galleries still queued when the simulation gave up

    @property
    def worst_seconds(self) -> float:
        return math.inf if self.unfinished else max(self.completion_seconds, default=0.0)

    @property
    def gpu_hours(self) -> float:
        return self.gpu_seconds / 3600


@dataclass
class _Nodes:
    """Nodes per pool: the time each becomes ready."""

    ready_at: list[list[float]]

    def gpus(self, pools: tuple[Pool, ...], now: float | None = None) -> int:
        return sum(
            p.gpus_per_node * sum(1 for t in ready if now is None or t <= now)
            for p, ready in zip(pools, self.ready_at, strict=True)
        )


def _resize(nodes: _Nodes, pools: tuple[Pool, ...], wanted_gpus: int, now: float, startup: int) -> None:
    """Add nodes (pools in order) until `wanted_gpus` fit, or remove them (last pool first, down to minima)."""
    missing = wanted_gpus - nodes.gpus(pools)
    for pool, ready in zip(pools, nodes.ready_at, strict=True):
        while missing > 0 and len(ready) < pool.max_nodes:
            ready.append(now + startup)
            missing -= pool.gpus_per_node
    for pool, ready in reversed(list(zip(pools, nodes.ready_at, strict=True))):
        while len(ready) > pool.min_nodes and nodes.gpus(pools) - pool.gpus_per_node >= wanted_gpus:
            ready.pop()


def simulate(region: Region, galleries: list[Gallery], give_up_after: int = 3 * 86400) -> Outcome:
    """Replay the galleries (by arrival) until every one is done, or `give_up_after` seconds."""
    step, scaler, pools = region.scaler.polling_seconds, region.scaler, region.pools
    arrivals = deque(sorted(galleries, key=lambda g: g.arrival))
    queue: deque[list[float]] = deque()  # [arrival, photos left]
    nodes = _Nodes([[0.0] * p.desired_nodes for p in pools])
    recent: deque[tuple[int, int]] = deque()  # (time, recommendation) within the HPA's window
    needed: deque[tuple[int, int]] = deque()  # (time, GPUs the pods asked for) within the unneeded time
    outcome = Outcome()
    now = 0
    while (arrivals or queue or now < 86400) and now < give_up_after:
        while arrivals and arrivals[0].arrival <= now:
            gallery = arrivals.popleft()
            queue.append([float(gallery.arrival), float(gallery.photos)])
        queued = sum(left for _, left in queue)
        recent.append((now, scaler.recommendation(now, queued)))
        while recent[0][0] <= now - HPA_DOWNSCALE_WINDOW_SECONDS:
            recent.popleft()
        pods = max(r for _, r in recent)
        needed.append((now, pods * region.gpus_per_pod))
        while needed[0][0] <= now - NODE_UNNEEDED_SECONDS:
            needed.popleft()
        _resize(nodes, pools, max(g for _, g in needed), now, region.node_startup_seconds)
        outcome.samples.append((now, queued, nodes.gpus(pools, now)))
        running = min(pods, nodes.gpus(pools, now) // region.gpus_per_pod)
        _drain(queue, running * region.gpus_per_pod / region.seconds_per_photo, now, step, outcome)
        for pool, ready in zip(pools, nodes.ready_at, strict=True):
            outcome.gpu_seconds += len(ready) * pool.gpus_per_node * step
            outcome.cost_usd += len(ready) * pool.hourly_usd * step / 3600
        now += step
    outcome.unfinished = len(queue) + len(arrivals)
    return outcome


def _drain(queue: deque[list[float]], rate: float, now: int, step: int, outcome: Outcome) -> None:
    """Process `rate` photos/s for one step, first in first out, recording when each gallery finishes."""
    budget = rate * step
    used = 0.0
    while queue and budget - used > 0:
        arrival, left = queue[0]
        if left > budget - used:
            queue[0][1] = left - (budget - used)
            return
        used += left
        outcome.completion_seconds.append(now + used / rate - arrival)
        queue.popleft()
