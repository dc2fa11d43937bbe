"""The CDN in the prod plan: CloudFront and Cloud CDN front each region's own photo bucket, which stays private,
and only the CDN (through origin access control or the fill account) reads the photos prefix."""

from __future__ import annotations

import json

import pytest

from components.aws.cdn import MINIMUM_TLS
from components.gcp.cdn import SIGNED_URL_KEY
from foundation.catalog import residency_of
from foundation.config import Cloud
from foundation.cost import CostKind, platform_cost
from foundation.naming import LEDGER_PREFIX, PHOTOS_PREFIX, cdn_host
from foundation.prices import CDN_EGRESS_GB, HOURS_PER_MONTH
from infra.offline.monitor import Registration
from infra.offline.plan import Plan
from tests.plan_helpers import by_output, children, provider_region, sibling

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
AWS_STORAGE = "wedsync:aws:PhotoStorage"
SECURE_BUCKET = "wedsync:aws:SecureBucket"
BUCKET = "aws:s3/bucket:Bucket"


def _photo_bucket(plan: Plan, storage: Registration) -> Registration:
    (photos,) = [c for c in children(plan, storage, SECURE_BUCKET) if c.name.endswith("-photos")]
    (bucket,) = children(plan, photos, BUCKET)
    return bucket


def _distributions(plan: Plan) -> list[tuple[Registration, Registration]]:
    """Each distribution with the photo bucket of the storage it belongs to."""
    pairs = []
    for distribution in plan.of_type(DISTRIBUTION):
        storage = plan.ancestor_of_type(distribution, AWS_STORAGE)
        assert storage is not None, distribution.urn
        pairs.append((distribution, _photo_bucket(plan, storage)))
    return pairs


def test_every_aws_region_has_a_distribution_in_front_of_its_own_bucket(prod) -> None:
    platform, plan = prod
    pairs = _distributions(plan)
    assert len(pairs) == sum(r.cloud is Cloud.AWS for r in platform.regions)
    for distribution, bucket in pairs:
        region = provider_region(plan, bucket)
        (origin,) = distribution.inputs["origins"]
        assert origin["domainName"] == f"{bucket.inputs['bucket']}.s3.{region}.amazonaws.com"
        assert origin["originPath"] == f"/{PHOTOS_PREFIX}"
        assert distribution.inputs["aliases"] == [cdn_host(platform.dns, platform.delivery.host_label, region)]
        # Residency: the origin lies in the region whose galleries the host serves.
        assert residency_of("aws", region) == residency_of("aws", distribution.inputs["aliases"][0].split(".")[0])


def test_the_bucket_is_read_only_by_its_distribution_through_origin_access_control(prod) -> None:
    _, plan = prod
    for distribution, bucket in _distributions(plan):
        oac = by_output(plan, "aws:cloudfront/originAccessControl:OriginAccessControl", "id", _oac_id(distribution))
        assert (oac.inputs["signingProtocol"], oac.inputs["signingBehavior"]) == ("sigv4", "always")
        assert oac.inputs["originAccessControlOriginType"] == "s3"
        statements = json.loads(sibling(plan, bucket, "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])["Statement"]
        grants = [s for s in statements if s["Effect"] == "Allow"]
        assert grants == [
            {
                "Sid": "CloudFrontReadsVariants",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": f"{bucket.outputs['arn']}/{PHOTOS_PREFIX}/*",
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution.outputs["arn"]}},
            }
        ]
        denied = {s["Sid"]: s["Resource"] for s in statements if s["Effect"] == "Deny"}
        assert denied["CloudFrontNeverReadsLedger"] == f"{bucket.outputs['arn']}/{PHOTOS_PREFIX}/{LEDGER_PREFIX}/*"
        assert "DenyInsecureTransport" in denied
        block = sibling(plan, bucket, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
        assert all(
            block[flag]
            for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        )


def _oac_id(distribution: Registration) -> str:
    (origin,) = distribution.inputs["origins"]
    return str(origin["originAccessControlId"])


def test_only_urls_signed_with_the_configured_key_pass_over_tls_1_2(prod) -> None:
    platform, plan = prod
    for distribution, _ in _distributions(plan):
        behaviour = distribution.inputs["defaultCacheBehavior"]
        assert behaviour["viewerProtocolPolicy"] == "https-only"
        assert behaviour["allowedMethods"] == ["GET", "HEAD"]
        (group_id,) = behaviour["trustedKeyGroups"]
        group = by_output(plan, "aws:cloudfront/keyGroup:KeyGroup", "id", group_id)
        (key_id,) = group.inputs["items"]
        key = by_output(plan, "aws:cloudfront/publicKey:PublicKey", "id", key_id)
        assert key.inputs["encodedKey"].strip() == platform.delivery.cloudfront_public_key
        assert distribution.inputs["viewerCertificate"]["minimumProtocolVersion"] == MINIMUM_TLS
        cache = by_output(plan, "aws:cloudfront/cachePolicy:CachePolicy", "id", behaviour["cachePolicyId"])
        assert cache.inputs["maxTtl"] == platform.delivery.cache_seconds
        assert distribution.inputs["priceClass"] == platform.delivery.price_class


def test_the_photo_key_lets_cloudfront_decrypt(prod) -> None:
    platform, plan = prod
    for _, bucket in _distributions(plan):
        storage = plan.ancestor_of_type(bucket, AWS_STORAGE)
        (key,) = [k for k in children(plan, storage, "aws:kms/key:Key") if k.name.endswith("-storage-key")]
        statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
        decrypt = statements["CloudFrontDecryptsVariants"]
        assert decrypt["Action"] == "kms:Decrypt"
        assert decrypt["Condition"]["ArnLike"]["AWS:SourceArn"].startswith(
            f"arn:aws:cloudfront::{platform.aws.account_id}:distribution/"
        )


def test_cloud_cdn_fronts_the_gcp_bucket_with_a_signed_url_key_and_a_prefix_scoped_read(prod) -> None:
    _, plan = prod
    (backend,) = plan.of_type("gcp:compute/backendBucket:BackendBucket")
    (bucket,) = [
        b for b in plan.of_type("gcp:storage/bucket:Bucket") if b.outputs["name"] == backend.inputs["bucketName"]
    ]
    assert bucket.inputs["publicAccessPrevention"] == "enforced"
    assert backend.inputs["enableCdn"] is True
    assert backend.inputs["cdnPolicy"]["signedUrlCacheMaxAgeSec"] > 0
    (key,) = plan.of_type("gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey")
    assert (key.inputs["backendBucket"], key.inputs["name"]) == (backend.inputs["name"], SIGNED_URL_KEY)
    (grant,) = [
        g
        for g in plan.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
        if g.inputs["member"].endswith("cdn-fill.iam.gserviceaccount.com")
    ]
    assert grant.inputs["bucket"] == bucket.outputs["name"]
    assert grant.inputs["member"].endswith("@cloud-cdn-fill.iam.gserviceaccount.com")
    assert grant.inputs["role"] == "roles/storage.objectViewer"
    objects = f"projects/_/buckets/{bucket.outputs['name']}/objects"
    assert f'startsWith("{objects}/{PHOTOS_PREFIX}/")' in grant.inputs["condition"]["expression"]
    assert (
        f'!resource.name.startsWith("{objects}/{PHOTOS_PREFIX}/{LEDGER_PREFIX}/")'
        in grant.inputs["condition"]["expression"]
    )
    (rule,) = plan.of_type("gcp:compute/globalForwardingRule:GlobalForwardingRule")
    proxy = by_output(plan, "gcp:compute/targetHttpsProxy:TargetHttpsProxy", "selfLink", rule.inputs["target"])
    policy = by_output(plan, "gcp:compute/sSLPolicy:SSLPolicy", "selfLink", proxy.inputs["sslPolicy"])
    assert policy.inputs["minTlsVersion"] == "TLS_1_2"
    url_map = by_output(plan, "gcp:compute/uRLMap:URLMap", "selfLink", proxy.inputs["urlMap"])
    assert url_map.inputs["defaultService"] == backend.outputs["selfLink"]


def test_cdn_egress_is_priced_from_the_configured_monthly_volume(prod) -> None:
    platform, _ = prod
    for region, cost in zip(platform.regions, platform_cost(platform), strict=True):
        (egress,) = [line for line in cost.lines if line.kind is CostKind.CDN_EGRESS]
        monthly = platform.delivery.monthly_delivery_gb * CDN_EGRESS_GB[region.cloud.value].usd
        assert egress.at_max * HOURS_PER_MONTH == pytest.approx(monthly)
