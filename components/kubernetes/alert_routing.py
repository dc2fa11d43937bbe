"""Alert routing: kube-prometheus-stack's Alertmanager config and the Secret holding its webhook URLs.

Upstream behaviour this relies on (read 2026-11-29):
- Alertmanager configuration (prometheus.io/docs/alerting/latest/configuration/): `time_intervals` take a
  `location` (an IANA zone; without one they are judged in UTC), routes take `active_time_intervals`,
  `webhook_config` takes `url_file` (the URL read from a file, so it never sits in the config), and
  `inhibit_rules` mute `target_matchers` while an alert matching `source_matchers` fires.
- prometheus-operator Documentation/api-reference/api.md (AlertmanagerSpec.secrets): each listed Secret of the
  Alertmanager's namespace is mounted at /etc/alertmanager/secrets/<secret-name>.
- kube-prometheus-stack values.yaml: these values are merged into the chart's default `alertmanager.config`
  (Helm merges maps and replaces lists), so the routes, receivers and inhibit rules here replace the chart's;
  its always-firing Watchdog and InfoInhibitor are routed to a null receiver again, as the chart does.

Rule-level conditions such as `day_of_week()` or `month()` in PromQL are judged in UTC; routing by
`time_intervals` with the freeze's own time zone is what makes "Saturday 10:00-20:00 local" exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import meta
from foundation.config import PROJECT, PlatformConfig
from foundation.config.alerting import Cadence
from foundation.naming import ALERTMANAGER_SECRETS_DIR, CRITICAL_MATCHER, MONITORING_NAMESPACE

WEBHOOKS_SECRET = "alertmanager-webhooks"
PAGER, CHAT, NULL = "pager", "chat", "null"
WEDDING_DAY = "wedding-day"
GROUP_BY = ("alertname", "workload")
# What a region-down alert mutes: the symptoms it causes (labels set in monitoring.py).
REGION_DOWN_ALERT = "RegionDown"
SYMPTOM_LABEL = ("impact", "symptom")


@dataclass(frozen=True)
class Webhook:
    """A receiver's webhook: the Secret key its URL file is read from, and the URL (a Pulumi secret)."""

    receiver: str
    secret_key: str
    url: pulumi.Output[str] | None


def webhooks(platform: PlatformConfig) -> tuple[Webhook, ...]:
    """The pager and chat webhooks from the stack's secret config (None where the stack has not set one)."""
    alerting, config = platform.alerting, pulumi.Config(PROJECT)
    return (
        Webhook(PAGER, "pager-url", config.get_secret(alerting.pager_webhook_key)),
        Webhook(CHAT, "chat-url", config.get_secret(alerting.chat_webhook_key)),
    )


def escalation_months(platform: PlatformConfig) -> tuple[int, ...]:
    """The months the wedding-day escalation covers: those of the configured escalation seasons."""
    return tuple(sorted({m for s in platform.alerting.escalation_seasons for m in platform.seasons.profile(s).months}))


def wedding_day_interval(platform: PlatformConfig) -> dict[str, Any]:
    """The freeze's weekday and hours, on its own clock, in the escalation seasons' months."""
    freeze = platform.freeze
    return {
        "name": WEDDING_DAY,
        "time_intervals": [
            {
                "weekdays": [freeze.weekday],
                "times": [{"start_time": freeze.start.strftime("%H:%M"), "end_time": freeze.end.strftime("%H:%M")}],
                "months": [str(month) for month in escalation_months(platform)],
                "location": freeze.timezone,
            }
        ],
    }


def _cadence(cadence: Cadence) -> dict[str, str]:
    return {
        "group_wait": cadence.group_wait,
        "group_interval": cadence.group_interval,
        "repeat_interval": cadence.repeat_interval,
    }


def _receiver(webhook: Webhook) -> dict[str, Any]:
    if webhook.url is None:
        return {"name": webhook.receiver}
    return {
        "name": webhook.receiver,
        "webhook_configs": [
            {"url_file": f"{ALERTMANAGER_SECRETS_DIR}/{WEBHOOKS_SECRET}/{webhook.secret_key}", "send_resolved": True}
        ],
    }


def alertmanager_values(platform: PlatformConfig, hooks: tuple[Webhook, ...]) -> dict[str, Any]:
    """kube-prometheus-stack's `alertmanager` values: routes by severity (grouped per workload), the wedding-day
    escalation, inhibition of symptoms under a region-down alert, and receivers reading their URLs from files."""
    alerting = platform.alerting
    label, value = SYMPTOM_LABEL
    config = {
        "route": {
            "receiver": CHAT,
            "group_by": list(GROUP_BY),
            **_cadence(alerting.chat),
            "routes": [
                {"receiver": NULL, "matchers": ['alertname=~"Watchdog|InfoInhibitor"']},
                {
                    "receiver": PAGER,
                    "matchers": [CRITICAL_MATCHER],
                    "active_time_intervals": [WEDDING_DAY],
                    **_cadence(alerting.wedding_day_page),
                },
                {"receiver": PAGER, "matchers": [CRITICAL_MATCHER], **_cadence(alerting.page)},
                {"receiver": CHAT, "matchers": ['severity=~"warning|info"'], **_cadence(alerting.chat)},
            ],
        },
        "inhibit_rules": [
            {"source_matchers": [f'alertname="{REGION_DOWN_ALERT}"'], "target_matchers": [f'{label}="{value}"']}
        ],
        "time_intervals": [wedding_day_interval(platform)],
        "receivers": [{"name": NULL}, *(_receiver(hook) for hook in hooks)],
    }
    mounted = [WEBHOOKS_SECRET] if any(hook.url is not None for hook in hooks) else []
    return {"config": config, "alertmanagerSpec": {"secrets": mounted}}


class AlertWebhooks(pulumi.ComponentResource):
    """The Secret the Alertmanager pods mount: one key per configured webhook, its value kept secret."""

    def __init__(self, name: str, hooks: tuple[Webhook, ...], opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:k8s:AlertWebhooks", name, None, opts)
        configured: dict[str, pulumi.Output[str]] = {
            hook.secret_key: pulumi.Output.secret(hook.url) for hook in hooks if hook.url is not None
        }
        if configured:
            k8s.core.v1.Secret(
                f"{name}-secret",
                metadata=meta(WEBHOOKS_SECRET, MONITORING_NAMESPACE),
                type="Opaque",
                string_data=configured,
                opts=pulumi.ResourceOptions(parent=self),
            )
        missing = [hook.receiver for hook in hooks if hook.url is None]
        if missing:
            pulumi.log.warn(
                f"alert receivers without a webhook (alerts to them go nowhere): {', '.join(missing)}; "
                "set them with `pulumi config set --secret <alerting.*_webhook_key> <url>`",
                self,
            )
        self.register_outputs({})
