"""The measurements an Argo Rollouts AnalysisTemplate repeats while a canary takes traffic: Prometheus queries
and the conditions their results must meet (argo-rollouts v1.9 manifests/crds/analysis-template-crd.yaml:
metrics[].interval, successCondition, failureLimit, provider.prometheus.{address,query}).

Request metrics are Istio's, reported by the canary's own sidecar (`reporter="destination"`) and keyed by the
Service the request was routed to, so the canary Service's series are the canary's alone. A query with no
series yet (no request reached the canary) is no verdict: `len(result) == 0` passes, as does NaN from 0/0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from foundation.calendar import utc_week_ranges
from foundation.config import CanaryAnalysis, FreezeWindow

RATE_WINDOW = "2m"  # two scrapes at the 30 s scrape interval, short enough for a 2-minute step
MINUTE_OF_WEEK = "(day_of_week() * 1440 + hour() * 60 + minute())"  # UTC, Sunday 00:00 = 0
NO_DATA = "len(result) == 0 || isNaN(result[0])"


@dataclass(frozen=True)
class AnalysisMetric:
    """One metric of an AnalysisTemplate: a PromQL query, the condition on its first value, how often it is
    measured and how many failed measurements abort the rollout."""

    name: str
    query: str
    success_condition: str
    interval_minutes: int
    failure_limit: int

    def as_spec(self, prometheus_url: str) -> dict[str, object]:
        return {
            "name": self.name,
            "interval": f"{self.interval_minutes}m",
            "successCondition": self.success_condition,
            "failureLimit": self.failure_limit,
            "provider": {"prometheus": {"address": prometheus_url, "query": self.query}},
        }


def _istio(metric: str, service: str, namespace: str, extra: str = "") -> str:
    labels = (
        f'reporter="destination", destination_service_namespace="{namespace}", destination_service_name="{service}"'
    )
    return f"{metric}{{{labels}{extra}}}[{RATE_WINDOW}]"


def success_rate(service: str, namespace: str, analysis: CanaryAnalysis) -> AnalysisMetric:
    """Share of the canary Service's responses that are not 5xx."""
    ok = _istio("istio_requests_total", service, namespace, ', response_code!~"5.."')
    every = _istio("istio_requests_total", service, namespace)
    return AnalysisMetric(
        "success-rate",
        f"sum(rate({ok})) / sum(rate({every}))",
        f"{NO_DATA} || result[0] >= {analysis.min_success_rate}",
        analysis.interval_minutes,
        analysis.failure_limit,
    )


def p95_latency(service: str, namespace: str, analysis: CanaryAnalysis) -> AnalysisMetric:
    """The canary Service's p95 response time in milliseconds."""
    buckets = _istio("istio_request_duration_milliseconds_bucket", service, namespace)
    return AnalysisMetric(
        "p95-latency-ms",
        f"histogram_quantile(0.95, sum by (le) (rate({buckets})))",
        f"{NO_DATA} || result[0] <= {analysis.max_p95_latency_ms}",
        analysis.interval_minutes,
        analysis.failure_limit,
    )


def cache_hit_rate(
    hits: str, requests: str, pod_selector: str, analysis: CanaryAnalysis, minimum: float = 0.85
) -> AnalysisMetric:
    """Share of the canary's cache lookups that hit (seed 002: above 0.85). `hits` and `requests` are counters
    the service exports; `pod_selector` (PromQL matchers, e.g. `namespace="x", pod=~"cache-.*"`) confines them
    to the canary's pods."""
    return AnalysisMetric(
        "cache-hit-rate",
        f"sum(rate({hits}{{{pod_selector}}}[{RATE_WINDOW}])) / sum(rate({requests}{{{pod_selector}}}[{RATE_WINDOW}]))",
        f"{NO_DATA} || result[0] > {minimum}",
        analysis.interval_minutes,
        analysis.failure_limit,
    )


def freeze_query(freeze: FreezeWindow, years: range) -> str:
    """1 while the weekly change freeze is on (judged in UTC, see `utc_week_ranges`), else 0."""
    spans = [
        f"({MINUTE_OF_WEEK} >= bool {begin}) * ({MINUTE_OF_WEEK} < bool {end})"
        for begin, end in utc_week_ranges(freeze.weekday, freeze.start, freeze.end, freeze.timezone, years)
    ]
    return f"clamp_max({' + '.join(spans)}, 1)"


def outside_freeze(freeze: FreezeWindow, interval_minutes: int, today: date) -> AnalysisMetric:
    """Fails at once inside the freeze: a rollout started or still running then is aborted to the stable
    version (the `change-freeze` policy refuses the deploy itself; this catches a rollout begun earlier or
    restarted by hand). PromQL's clock is UTC, so every offset the zone uses this year and next is frozen."""
    return AnalysisMetric(
        "outside-change-freeze",
        freeze_query(freeze, range(today.year, today.year + 2)),
        "result[0] == 0",
        interval_minutes,
        0,
    )
