"""Cloud CDN in front of a region's photo bucket: a backend bucket behind a global HTTPS load balancer.

The bucket stays private (public access prevention enforced): Cloud CDN fetches as its fill service account,
`service-<project number>@cloud-cdn-fill.iam.gserviceaccount.com`, which exists once a signed URL key does and
is granted read on the photos prefix alone (never the job ledger), through an IAM condition
(https://cloud.google.com/cdn/docs/using-signed-urls, "Configure permissions"). Requests must carry a URL
prefix signed with the backend bucket's key (HMAC-SHA1), which the jobs API signs per tenant's gallery.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from components.options import child_opts
from foundation.config.delivery import DeliveryConfig
from foundation.naming import LEDGER_PREFIX, PHOTOS_PREFIX

SIGNED_URL_KEY = "gallery-urls"  # the KeyName signed URLs carry


def cdn_fill_member(project_number: str) -> str:
    return f"serviceAccount:service-{project_number}@cloud-cdn-fill.iam.gserviceaccount.com"


def photos_prefix_condition(bucket: str) -> str:
    """CEL: objects under the photos prefix of `bucket`, the job ledger excepted."""
    objects = f"projects/_/buckets/{bucket}/objects"
    return (
        f'resource.name.startsWith("{objects}/{PHOTOS_PREFIX}/") && '
        f'!resource.name.startsWith("{objects}/{PHOTOS_PREFIX}/{LEDGER_PREFIX}/")'
    )


def _base64url(standard: str) -> str:
    """Cloud CDN takes the key as RFC 4648 section 5 base64url."""
    return base64.urlsafe_b64encode(base64.b64decode(standard)).decode()


@dataclass(frozen=True)
class GcpDeliveryArgs:
    """The bucket to front, the host viewers use, and the delivery settings."""

    name: str  # e.g. wedsync-prod-asia-southeast1
    project: str
    bucket_name: pulumi.Input[str]
    host: str
    delivery: DeliveryConfig
    compute_api: Sequence[pulumi.Resource] = ()  # the Compute Engine API's enablement


class GcpDelivery(pulumi.ComponentResource):
    """Backend bucket with Cloud CDN, its signed URL key, the fill account's read grant, and the HTTPS front."""

    address: pulumi.Output[str]
    signed_url_key: pulumi.Output[str]

    def __init__(self, name: str, args: GcpDeliveryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:Delivery", name, None, opts)
        project, seconds = args.project, args.delivery.cache_seconds
        after_api = child_opts(self, depends_on=list(args.compute_api))
        backend = gcp.compute.BackendBucket(
            f"{name}-backend",
            name=f"{args.name}-variants",
            project=project,
            bucket_name=args.bucket_name,
            enable_cdn=True,
            compression_mode="DISABLED",  # JPEG does not compress further
            cdn_policy=gcp.compute.BackendBucketCdnPolicyArgs(
                cache_mode="CACHE_ALL_STATIC",
                default_ttl=seconds,
                max_ttl=seconds,
                client_ttl=seconds,
                signed_url_cache_max_age_sec=seconds,
            ),
            opts=after_api,
        )
        key_bytes = random.RandomBytes(f"{name}-url-key", length=16, opts=child_opts(self))
        encoded: pulumi.Output[str] = key_bytes.base64.apply(_base64url)
        key_value: pulumi.Output[str] = pulumi.Output.secret(encoded)
        signed_url_key = gcp.compute.BackendBucketSignedUrlKey(
            f"{name}-url-key",
            name=SIGNED_URL_KEY,
            project=project,
            backend_bucket=backend.name,
            key_value=key_value,
            opts=child_opts(self),
        )
        number = gcp.organizations.get_project_output(project_id=project, opts=pulumi.InvokeOutputOptions(parent=self))
        gcp.storage.BucketIAMMember(
            f"{name}-cdn-reads",
            bucket=args.bucket_name,
            role="roles/storage.objectViewer",
            member=number.number.apply(cdn_fill_member),
            condition=gcp.storage.BucketIAMMemberConditionArgs(
                title="cdn-reads-photos-prefix",
                expression=pulumi.Output.from_input(args.bucket_name).apply(photos_prefix_condition),
            ),
            opts=child_opts(self, depends_on=[signed_url_key]),  # the fill account appears with the first key
        )
        url_map = gcp.compute.URLMap(
            f"{name}-urls", name=args.name, project=project, default_service=backend.self_link, opts=after_api
        )
        certificate = gcp.compute.ManagedSslCertificate(
            f"{name}-certificate",
            name=args.name,
            project=project,
            managed=gcp.compute.ManagedSslCertificateManagedArgs(domains=[args.host]),
            opts=after_api,
        )
        tls = gcp.compute.SSLPolicy(
            f"{name}-tls", name=args.name, project=project, profile="MODERN", min_tls_version="TLS_1_2", opts=after_api
        )
        proxy = gcp.compute.TargetHttpsProxy(
            f"{name}-proxy",
            name=args.name,
            project=project,
            url_map=url_map.self_link,
            ssl_certificates=[certificate.self_link],
            ssl_policy=tls.self_link,
            opts=child_opts(self),
        )
        address = gcp.compute.GlobalAddress(f"{name}-address", name=args.name, project=project, opts=after_api)
        gcp.compute.GlobalForwardingRule(
            f"{name}-https",
            name=args.name,
            project=project,
            target=proxy.self_link,
            ip_address=address.address,
            port_range="443",
            load_balancing_scheme="EXTERNAL_MANAGED",
            opts=child_opts(self),
        )
        self.address = address.address
        self.signed_url_key = signed_url_key.key_value
        self.register_outputs({"address": self.address})
