"""Cloud KMS keys that a Google service agent encrypts with: a key ring, a rotating key, the agent's grant."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp as gcp

from components.options import child_opts, stateful_opts

KEY_ROTATION_PERIOD = f"{90 * 24 * 3600}s"


def create_agent_key(
    name: str,
    *,
    key_resource: str,
    agent: str,
    key_ring_name: str,
    key_name: str,
    location: str,
    project: str,
    labels: dict[str, str],
    agent_member: pulumi.Input[str],
    parent: pulumi.Resource,
    protect: bool,
) -> tuple[gcp.kms.CryptoKey, gcp.kms.CryptoKeyIAMMember]:
    """A protected key ring and 90-day rotating key, and the grant letting `agent_member` use the key.

    Resources are named `{name}-keyring`, `{name}-{key_resource}` and `{name}-{agent}-agent-uses-key`;
    whatever encrypts with the key must wait for the grant.
    """
    key_ring = gcp.kms.KeyRing(
        f"{name}-keyring",
        name=key_ring_name,
        location=location,
        project=project,
        opts=stateful_opts(parent, protect),
    )
    key = gcp.kms.CryptoKey(
        f"{name}-{key_resource}",
        name=key_name,
        key_ring=key_ring.id,
        purpose="ENCRYPT_DECRYPT",
        rotation_period=KEY_ROTATION_PERIOD,
        labels=labels,
        opts=stateful_opts(parent, protect),
    )
    grant = gcp.kms.CryptoKeyIAMMember(
        f"{name}-{agent}-agent-uses-key",
        crypto_key_id=key.id,
        role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
        member=agent_member,
        opts=child_opts(parent),
    )
    return key, grant


def storage_agent_key(
    name: str,
    *,
    key_ring_name: str,
    key_name: str,
    location: str,
    project: str,
    labels: dict[str, str],
    parent: pulumi.Resource,
    protect: bool,
    after: Sequence[pulumi.Resource] = (),
) -> tuple[gcp.kms.CryptoKey, gcp.kms.CryptoKeyIAMMember]:
    """A bucket key (`create_agent_key`) that the project's Cloud Storage service agent encrypts with. Reading the
    agent creates it (projects.serviceAccount.get), once the API is on (`after`)."""
    service_agent = gcp.storage.get_project_service_account_output(
        project=project, opts=pulumi.InvokeOutputOptions(parent=parent, depends_on=list(after))
    )
    return create_agent_key(
        name,
        key_resource="key",
        agent="storage",
        key_ring_name=key_ring_name,
        key_name=key_name,
        location=location,
        project=project,
        labels=labels,
        agent_member=service_agent.email_address.apply(lambda email: f"serviceAccount:{email}"),
        parent=parent,
        protect=protect,
    )
