"""Pure planning arithmetic, tested as plain functions."""

from __future__ import annotations

from ipaddress import IPv4Network
from itertools import combinations

import pytest

from foundation.config import NodePoolSize, SeasonProfile
from foundation.node_pools import seasonal_bounds
from foundation.planning import plan_zone_subnets

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "10.20.0.0/18", "172.16.0.0/20"])
@pytest.mark.parametrize("zone_count", [1, 3, 6])
def test_subnets_lie_inside_the_vpc_and_never_overlap(cidr: str, zone_count: int) -> None:
    vpc = IPv4Network(cidr)
    zones = tuple(f"z{i}" for i in range(zone_count))
    plans = plan_zone_subnets(vpc, zones)
    subnets = [s for p in plans for s in (p.public, p.private)]
    assert [p.zone for p in plans] == list(zones)
    assert all(s.subnet_of(vpc) for s in subnets)
    assert not any(a.overlaps(b) for a, b in combinations(subnets, 2))


def test_private_subnets_are_large_and_public_subnets_small() -> None:
    plans = plan_zone_subnets(IPv4Network("10.0.0.0/16"), ZONES)
    assert {p.private.prefixlen for p in plans} == {19}  # 8,190 addresses for nodes and pods
    assert {p.public.prefixlen for p in plans} == {22}


@pytest.mark.parametrize("zone_count", [0, 7])
def test_zone_count_outside_one_to_six_is_refused(zone_count: int) -> None:
    with pytest.raises(ValueError, match="need 1 to 6 zones"):
        plan_zone_subnets(IPv4Network("10.0.0.0/16"), tuple(f"z{i}" for i in range(zone_count)))


def _profile(fraction: float) -> SeasonProfile:
    return SeasonProfile(
        months=(1,),
        worker_min_replicas=0,
        worker_max_replicas=1,
        gpu_max_fraction=fraction,
        queue_lag_target=1,
    )


@pytest.mark.parametrize(
    ("sizes", "fraction", "expected"),
    [
        ((2, 4, 20), 1.0, (2, 4, 20)),  # peak: as configured
        ((2, 4, 20), 0.25, (2, 4, 5)),  # off-season: a quarter of the maximum
        ((2, 4, 10), 0.5, (2, 4, 5)),
        ((3, 3, 8), 0.25, (3, 3, 3)),  # never below the minimum
        ((0, 0, 30), 0.25, (0, 0, 8)),  # rounded up
        ((0, 0, 1), 0.25, (0, 0, 1)),  # a pool keeps at least one node of headroom
        ((1, 6, 10), 0.25, (1, 3, 3)),  # desired follows the lowered maximum
    ],
)
def test_season_cuts_the_maximum(sizes: tuple[int, int, int], fraction: float, expected: tuple[int, int, int]) -> None:
    pool = NodePoolSize(min_size=sizes[0], desired_size=sizes[1], max_size=sizes[2])
    bounds = seasonal_bounds(pool, _profile(fraction))
    assert (bounds.min_size, bounds.desired_size, bounds.max_size) == expected
