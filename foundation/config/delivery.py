"""Delivery of finished variants to couples and clients through a CDN: CloudFront on AWS, Cloud CDN on GCP.

Buckets stay private: the CDN alone reads the variants prefix (origin access control on AWS, an IAM grant to
the Cloud CDN fill account on GCP), and only URLs signed for one tenant's gallery, and not yet expired, pass.
Each region's CDN fetches from that region's own bucket, so an EU gallery is always read from an EU origin.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from foundation.config.base import Model, PositiveInt

PemPublicKey = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, pattern=r"^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----$"
    ),
]
AcmCertificateArn = Annotated[
    str, StringConstraints(pattern=r"^arn:aws:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}$")
]


class DeliveryConfig(Model):
    """What the edge serves, for how long, to whom, and how much of it a month."""

    cloudfront_public_key: PemPublicKey = Field(
        description="PEM public key (RSA 2048) of the key group whose signed URLs CloudFront accepts; the jobs API "
        "holds the private key"
    )
    cloudfront_certificate_arn: AcmCertificateArn = Field(
        description="ACM certificate in us-east-1 for `<region>.<host_label>.<domain>` (CloudFront reads it there)"
    )
    host_label: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}$")] = Field(
        "cdn", description="The CDN hosts are `<region>.<host_label>.<domain>`"
    )
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = Field(
        "PriceClass_100",
        description="CloudFront edge locations that cache variants for cache_seconds (the origin stays the "
        "region's own bucket); PriceClass_100: North America, Europe and Israel only",
    )
    cache_seconds: PositiveInt = Field(
        86400, description="How long an edge keeps a variant (variants never change once written)"
    )
    signed_url_seconds: Annotated[int, Field(ge=60, le=7 * 86400)] = Field(
        3600, description="Lifetime of a signed gallery URL"
    )
    monthly_delivery_gb: Annotated[int, Field(ge=0)] = Field(
        1000, description="GB of variants each region's CDN serves a month (prices CDN egress in the cost table)"
    )
