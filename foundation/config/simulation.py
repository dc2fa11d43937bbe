"""A peak Saturday to replay through the plan (`python -m infra simulate`): seed 004's defaults.

Seed 004: "10,000+ wedding photos simultaneously", "a 500-photo wedding gallery in under 30 minutes",
"10x capacity during peak periods". The default curve sends 2 galleries an hour at night and 20 an hour
in the evening peak (10x), and 20 galleries of 500 photos are 10,000 photos arriving at once.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from foundation.config.base import Model, PositiveInt
from foundation.config.seasons import Season

HOURS_PER_DAY = 24

# Galleries arriving per hour of a region's local Saturday, 00:00 to 23:00.
SEED_SATURDAY = (2, 2, 2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 20, 20, 20, 20, 8, 4)


class SimulationConfig(Model):
    """The arrival curve of a peak Saturday, and what the plan cannot say about itself."""

    galleries_per_hour: tuple[Annotated[int, Field(ge=0)], ...] = Field(
        SEED_SATURDAY,
        min_length=HOURS_PER_DAY,
        max_length=HOURS_PER_DAY,
        description="Galleries uploaded in each hour of a region's local Saturday (24 values, from 00:00); "
        "an hour's galleries arrive together at its start",
    )
    photos_per_gallery: PositiveInt = Field(500, description="Photos in one gallery (seed 004: 500)")
    raw_share: Annotated[float, Field(ge=0, le=1)] = Field(
        0.3, description="Fraction of photos that are camera RAW files (slower: developed on the host and GPU)"
    )
    target_minutes: PositiveInt = Field(30, description="A gallery must be done this many minutes after upload")
    node_startup_seconds: PositiveInt = Field(
        300, description="Seconds from a GPU node being requested to a worker running on it (boot, driver, image)"
    )
    season: Season = Field(Season.PEAK, description="The season whose plan the Saturday is replayed through")
