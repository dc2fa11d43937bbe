"""Progressive delivery: the canary steps Argo Rollouts walks and the thresholds its analysis aborts on.
Defaults from seed 002 (steps 10/25/50/75 % with pauses of 2/5/10/10 minutes, error rate under 1 %)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from foundation.config.base import Model, NonNegativeInt, PositiveInt
from foundation.config.problems import raise_if_any

Weight = Annotated[int, Field(ge=1, le=99)]


class CanaryStep(Model):
    """Send `weight` % of requests to the new version, then wait."""

    weight: Weight = Field(description="Percent of requests routed to the canary")
    pause_minutes: PositiveInt = Field(description="Minutes to hold this weight before the next step")


def _seed_steps() -> tuple[CanaryStep, ...]:
    return tuple(CanaryStep(weight=w, pause_minutes=p) for w, p in ((10, 2), (25, 5), (50, 10), (75, 10)))


class CanaryAnalysis(Model):
    """What the canary must keep up while it takes traffic; a metric failing more than `failure_limit` times
    aborts the rollout and sends every request back to the stable version."""

    min_success_rate: Annotated[float, Field(gt=0, le=1)] = Field(
        0.99, description="Fewest non-5xx responses per request the canary may serve (seed 002: error rate < 1 %)"
    )
    max_p95_latency_ms: PositiveInt = Field(1000, description="Highest p95 response time of the canary, ms")
    interval_minutes: PositiveInt = Field(1, description="Minutes between measurements")
    failure_limit: NonNegativeInt = Field(2, description="Failed measurements tolerated per metric")


class Rollouts(Model):
    """How HTTP services roll out: canary steps, analysis thresholds."""

    steps: tuple[CanaryStep, ...] = Field(default_factory=_seed_steps, description="Canary steps, in order")
    analysis: CanaryAnalysis = Field(CanaryAnalysis(), description="Analysis that aborts a failing canary")

    @model_validator(mode="after")
    def _weights_rise(self) -> Rollouts:
        weights = [step.weight for step in self.steps]
        if not weights or weights != sorted(set(weights)):
            raise_if_any([(("steps",), f"weights must be given and strictly rise (got {weights})")])
        return self
