"""CloudFront in front of a region's photo bucket: the variants under `photos/`, to signed URLs only.

The bucket stays private (its public access block stays on): CloudFront reads it through origin access
control (SigV4), and the bucket policy lets the service principal read `photos/*` only when the request comes
from this distribution (`AWS:SourceArn`), never the job ledger beneath it. The objects are SSE-KMS encrypted,
so the key policy lets CloudFront decrypt too. Both statements follow "Restrict access to an Amazon S3 origin"
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html,
sections "Give the origin access control permission" and "SSE-KMS").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.options import child_opts
from foundation.config.delivery import DeliveryConfig
from foundation.naming import LEDGER_PREFIX, PHOTOS_PREFIX

ORIGIN_ID = "photos"
CLOUDFRONT = "cloudfront.amazonaws.com"
MINIMUM_TLS = "TLSv1.2_2021"


def cloudfront_reads_variants(bucket_arn: str, distribution_arn: str) -> list[dict[str, Any]]:
    """Bucket-policy statements: this distribution may read the photos prefix, and never the job ledger."""
    return [
        {
            "Sid": "CloudFrontReadsVariants",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDFRONT},
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/{PHOTOS_PREFIX}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        },
        {
            "Sid": "CloudFrontNeverReadsLedger",
            "Effect": "Deny",
            "Principal": {"Service": CLOUDFRONT},
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/{PHOTOS_PREFIX}/{LEDGER_PREFIX}/*",
        },
    ]


def cloudfront_decrypts(account_id: str) -> dict[str, Any]:
    """Key-policy statement: the account's distributions may decrypt (the bucket policy names the one that reads).

    The key cannot name the distribution itself: the distribution's origin is the bucket the key encrypts.
    """
    return {
        "Sid": "CloudFrontDecryptsVariants",
        "Effect": "Allow",
        "Principal": {"Service": CLOUDFRONT},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:cloudfront::{account_id}:distribution/*"}},
    }


@dataclass(frozen=True)
class AwsDeliveryArgs:
    """The bucket to front, the host viewers use, and the delivery settings."""

    name: str  # e.g. wedsync-prod-eu-west-1
    bucket_domain_name: str  # the bucket's regional domain, `<bucket>.s3.<region>.amazonaws.com`
    host: str
    delivery: DeliveryConfig
    tags: dict[str, str]


class AwsDelivery(pulumi.ComponentResource):
    """Origin access control, the key group of signed URLs, a cache policy and the distribution."""

    distribution_arn: pulumi.Output[str]
    domain_name: pulumi.Output[str]

    def __init__(self, name: str, args: AwsDeliveryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:Delivery", name, None, opts)
        delivery = args.delivery
        access = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=args.name,
            description=f"CloudFront reads {args.bucket_domain_name}",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child_opts(self),
        )
        public_key = aws.cloudfront.PublicKey(
            f"{name}-signing-key",
            name=f"{args.name}-signed-urls",
            encoded_key=delivery.cloudfront_public_key + "\n",
            comment="the jobs API signs gallery URLs with the private half",
            opts=child_opts(self),
        )
        key_group = aws.cloudfront.KeyGroup(
            f"{name}-key-group", name=f"{args.name}-signed-urls", items=[public_key.id], opts=child_opts(self)
        )
        none = "none"
        cache = aws.cloudfront.CachePolicy(
            f"{name}-cache",
            name=f"{args.name}-variants",
            comment="variants never change once written; signatures are not part of the cache key",
            min_ttl=0,
            default_ttl=delivery.cache_seconds,
            max_ttl=delivery.cache_seconds,
            parameters_in_cache_key_and_forwarded_to_origin=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs(
                cookies_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs(
                    cookie_behavior=none
                ),
                headers_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs(
                    header_behavior=none
                ),
                query_strings_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs(
                    query_string_behavior=none
                ),
            ),
            opts=child_opts(self),
        )
        rh = aws.cloudfront
        headers = rh.ResponseHeadersPolicy(
            f"{name}-security-headers",
            name=f"{args.name}-security-headers",
            comment="HSTS, nosniff, no framing, no referrer leaking signed gallery URLs",
            security_headers_config=rh.ResponseHeadersPolicySecurityHeadersConfigArgs(
                strict_transport_security=rh.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                    access_control_max_age_sec=31_536_000, include_subdomains=True, preload=True, override=True
                ),
                content_type_options=rh.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(override=True),
                frame_options=rh.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                    frame_option="DENY", override=True
                ),
                referrer_policy=rh.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                    referrer_policy="no-referrer", override=True
                ),
            ),
            opts=child_opts(self),
        )
        distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=f"{args.name}: delivered variants",
            aliases=[args.host],
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class=delivery.price_class,
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=ORIGIN_ID,
                    domain_name=args.bucket_domain_name,
                    origin_path=f"/{PHOTOS_PREFIX}",
                    origin_access_control_id=access.id,
                )
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=ORIGIN_ID,
                viewer_protocol_policy="https-only",
                allowed_methods=["GET", "HEAD"],
                cached_methods=["GET", "HEAD"],
                cache_policy_id=cache.id,
                response_headers_policy_id=headers.id,
                trusted_key_groups=[key_group.id],
                compress=False,  # JPEG does not compress further
            ),
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
            ),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=delivery.cloudfront_certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version=MINIMUM_TLS,
            ),
            tags=args.tags,
            opts=child_opts(self),
        )
        self.distribution_arn = distribution.arn
        self.domain_name = distribution.domain_name
        self.register_outputs({"distribution_arn": self.distribution_arn, "domain_name": self.domain_name})
