"""Alerts reach someone: a prod deploy (`deploy: true`, tier prod) is refused when Alertmanager would send
critical alerts, or the alerts no route catches, to a receiver with no notifier, or when a receiver reads its
URL from a file of a Secret the Alertmanager pods do not mount (the file would not exist; Alertmanager's
`url_file` is read at notification time: prometheus.io/docs/alerting/latest/configuration/#webhook_config,
and kube-prometheus-stack mounts `alertmanagerSpec.secrets` at /etc/alertmanager/secrets/<name>:
prometheus-operator Documentation/api-reference/api.md, AlertmanagerSpec.secrets)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from foundation.config import Tier
from foundation.crds import HELM_RELEASE
from foundation.naming import ALERTMANAGER_SECRETS_DIR, CRITICAL_MATCHER, PROMETHEUS_RELEASE
from foundation.policy_settings import setting
from policies.build import Report, stack_policy
from policies.resources import get

SECRETS_DIR = f"{ALERTMANAGER_SECRETS_DIR}/"


def routes(route: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """A route and every route below it."""
    yield route
    for child in route.get("routes") or []:
        yield from routes(child)


def must_deliver(config: Mapping[str, Any]) -> set[str]:
    """Receivers that must notify someone: the root route's (alerts no other route catches) and every
    receiver a route of critical alerts names."""
    root = config.get("route") or {}
    paging = {r["receiver"] for r in routes(root) if CRITICAL_MATCHER in (r.get("matchers") or []) and "receiver" in r}
    return paging | ({root["receiver"]} if "receiver" in root else set())


def notifiers(receiver: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A receiver's notifier entries (webhook_configs, pagerduty_configs, slack_configs, ...)."""
    return [n for key, entries in receiver.items() if key.endswith("_configs") for n in entries or []]


def unmounted_files(alertmanager: Mapping[str, Any]) -> list[str]:
    """`*_file` paths under the secrets directory whose Secret `alertmanagerSpec.secrets` does not mount."""
    mounted = set(get(alertmanager, "alertmanagerSpec", "secrets", default=None) or [])
    return [
        path
        for receiver in get(alertmanager, "config", "receivers", default=None) or []
        for notifier in notifiers(receiver)
        for key, path in notifier.items()
        if key.endswith("_file") and path.startswith(SECRETS_DIR)
        if path.removeprefix(SECRETS_DIR).split("/")[0] not in mounted
    ]


def _alerts_reach_someone(args: StackValidationArgs, report: Report) -> None:
    config = args.get_config()
    if not setting(config, "deploy") or setting(config, "tier") != Tier.PROD.value:
        return
    for release in args.resources:
        if release.resource_type != HELM_RELEASE or release.props.get("chart") != PROMETHEUS_RELEASE:
            continue
        alertmanager = get(release.props, "values", "alertmanager", default=None) or {}
        config = alertmanager.get("config") or {}
        receivers = {r["name"]: r for r in config.get("receivers") or []}
        silent = sorted(name for name in must_deliver(config) if not notifiers(receivers.get(name, {})))
        if silent:
            report(f"Alertmanager receivers {', '.join(silent)} notify nobody: alerts would go nowhere", release.urn)
        for path in unmounted_files(alertmanager):
            report(f"Alertmanager reads {path}, but alertmanagerSpec.secrets does not mount its Secret", release.urn)


POLICIES = [
    stack_policy(
        "alerts-reach-someone",
        "A prod deploy routes critical alerts, and alerts no route catches, to a receiver that notifies someone, "
        "through files of Secrets the Alertmanager pods mount.",
        _alerts_reach_someone,
        "Set the pager and chat webhook URLs: `pulumi config set --secret <alerting.pager_webhook_key> <url>` "
        "(and chat_webhook_key), then preview again.",
        severity=Severity.CRITICAL,
        settings=("deploy", "tier"),
    ),
]
