"""Where alerts go: the pager and chat receivers (their webhook URLs are Pulumi secrets), how soon each pages,
and which seasons the wedding-day escalation covers (its weekday, hours and clock are the freeze's)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from foundation.config.base import Model
from foundation.config.seasons import Season

# Alertmanager's <duration> (prometheus.io/docs/alerting/latest/configuration/#configuration-file).
AlertDuration = Annotated[str, StringConstraints(pattern=r"^[0-9]+(ms|s|m|h|d)$")]
ConfigKey = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z][a-zA-Z0-9]*$")]


class Cadence(Model):
    """How soon a route notifies and how often it repeats."""

    group_wait: AlertDuration = Field(description="Wait before the first notification of a new alert group")
    group_interval: AlertDuration = Field(description="Wait before notifying about alerts added to a group")
    repeat_interval: AlertDuration = Field(description="Wait before re-sending a notification still firing")


class AlertingConfig(Model):
    """Alertmanager routing: critical alerts page, the rest go to chat; Saturdays in season page sooner."""

    pager_webhook_key: ConfigKey = Field(
        "alertPagerWebhookUrl",
        description="Stack config key (under the project namespace) of the pager webhook URL, set with "
        "`pulumi config set --secret`",
    )
    chat_webhook_key: ConfigKey = Field(
        "alertChatWebhookUrl",
        description="Stack config key of the chat webhook URL, set with `pulumi config set --secret`",
    )
    page: Cadence = Field(
        Cadence(group_wait="1m", group_interval="5m", repeat_interval="1h"), description="Paging of critical alerts"
    )
    wedding_day_page: Cadence = Field(
        Cadence(group_wait="10s", group_interval="1m", repeat_interval="15m"),
        description="Paging during the wedding-day window (the freeze's weekday and hours, in season)",
    )
    chat: Cadence = Field(
        Cadence(group_wait="2m", group_interval="10m", repeat_interval="4h"),
        description="Chat notifications of warning and info alerts",
    )
    escalation_seasons: tuple[Season, ...] = Field(
        (Season.PEAK, Season.MODERATE),
        min_length=1,
        description="Seasons whose months the wedding-day escalation covers (default March-October; "
        "seed 001's wedding season is April-October)",
    )
