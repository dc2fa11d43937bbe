"""What counts as a placeholder: values from documentation examples that must never be applied.

One definition, read by the config (`PlatformConfig.placeholders`), the offline preview (a warning per
value) and the `no-placeholders` policy (mandatory for deploys). Recognised:
- example AWS account ids: one digit repeated twelve times, and the ids AWS documentation uses;
- reserved domain names (RFC 2606/6761): the `.example`, `.test` and `.invalid` top-level domains and
  `example.com/.net/.org`, wherever they appear (hosts, e-mail addresses, registries such as
  `registry.example`);
- documentation address blocks (RFC 5737): 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24.
Values are searched inside longer strings too (an account id inside an ARN, a domain inside a URL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, ip_network
from typing import Any

DOCUMENTATION_ACCOUNT_IDS = frozenset({"123456789012", "111122223333", "444455556666", "777788889999"})
DOCUMENTATION_NETWORKS = tuple(IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))

_ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")
_RESERVED_DOMAIN = re.compile(
    r"(?<![A-Za-z0-9-])(?:[A-Za-z0-9-]+\.)*(?:[A-Za-z0-9-]+\.(?:example|test|invalid)|example\.(?:com|net|org))"
    r"(?![A-Za-z0-9-])",
    re.IGNORECASE,
)
_IPV4_BLOCK = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?![\d.])")


@dataclass(frozen=True)
class Placeholder:
    """A placeholder found at a path of a document."""

    path: str
    value: str
    reason: str

    def line(self) -> str:
        return f"{self.path} = {self.value!r}: {self.reason}"


def _account_reason(text: str) -> str | None:
    for account in _ACCOUNT_ID.findall(text):
        if len(set(account)) == 1 or account in DOCUMENTATION_ACCOUNT_IDS:
            return f"{account} is an example AWS account id"
    return None


def _domain_reason(text: str) -> str | None:
    match = _RESERVED_DOMAIN.search(text)
    return f"{match.group(0)} is a reserved example domain (RFC 2606)" if match else None


def _network_reason(text: str) -> str | None:
    for block in _IPV4_BLOCK.findall(text):
        try:
            network = ip_network(block, strict=False)
        except ValueError:
            continue
        if any(network.subnet_of(doc) for doc in DOCUMENTATION_NETWORKS if network.version == doc.version):
            return f"{block} is a documentation address block (RFC 5737)"
    return None


def placeholder_reason(text: str) -> str | None:
    """Why `text` is or contains a placeholder, or None."""
    for check in (_account_reason, _domain_reason, _network_reason):
        reason = check(text)
        if reason:
            return reason
    return None


def find_placeholders(value: Any, path: str = "") -> list[Placeholder]:
    """Every placeholder in a nested document (mappings and sequences, e.g. the analyzer's read-only proxies)."""
    if isinstance(value, str):
        reason = placeholder_reason(value)
        return [Placeholder(path or "(value)", value, reason)] if reason else []
    if isinstance(value, Mapping):
        return [
            found for key, item in value.items() for found in find_placeholders(item, f"{path}.{key}" if path else key)
        ]
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return [found for index, item in enumerate(value) for found in find_placeholders(item, f"{path}[{index}]")]
    return []
