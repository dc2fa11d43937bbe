"""Signed gallery URLs: checked here as the edge checks them, so a URL for tenant A's gallery never opens
tenant B's, nor A's after it expires.

CloudFront's check (custom policy: the RSA-SHA1 signature over the policy JSON, the resource's `*` matching any
characters, `DateLessThan`) follows "Create a signed URL using a custom policy" in the CloudFront Developer
Guide; Cloud CDN's (the URL begins with the decoded URLPrefix, HMAC-SHA1 over the query before `&Signature`)
follows "Signing URL prefixes" in https://cloud.google.com/cdn/docs/using-signed-urls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from gpu_worker.api.gallery_urls import InvalidScope, sign_cloud_cdn, sign_cloudfront

NOW = datetime(2026, 6, 13, 18, 0, tzinfo=UTC)
EXPIRES = NOW + timedelta(hours=1)
CLOUDFRONT = "https://eu-west-1.cdn.wedsync.example"
CLOUD_CDN = "https://asia-southeast1.cdn.wedsync.example/photos"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
HMAC_KEY = base64.urlsafe_b64encode(bytes(range(16))).decode()


def _cloudfront_b64decode(text: str) -> bytes:
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"))


def cloudfront_allows(url: str, at: datetime) -> bool:
    """CloudFront's verdict on a custom-policy signed URL."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    policy = _cloudfront_b64decode(query["Policy"])
    try:
        KEY.public_key().verify(_cloudfront_b64decode(query["Signature"]), policy, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        return False
    (statement,) = json.loads(policy)["Statement"]
    pattern = ".*".join(re.escape(piece) for piece in statement["Resource"].split("*"))
    resource = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return (
        bool(re.fullmatch(pattern, resource))
        and at.timestamp() < statement["Condition"]["DateLessThan"]["AWS:EpochTime"]
    )


def cloud_cdn_allows(url: str, at: datetime) -> bool:
    """Cloud CDN's verdict on a URL signed with a URL prefix."""
    address, query = url.split("?", 1)
    unsigned, signature = query.rsplit("&Signature=", 1)
    fields = {k: v[0] for k, v in parse_qs(unsigned).items()}
    expected = hmac.new(base64.urlsafe_b64decode(HMAC_KEY), unsigned.encode(), hashlib.sha1).digest()
    prefix = base64.urlsafe_b64decode(fields["URLPrefix"]).decode()
    return (
        hmac.compare_digest(base64.urlsafe_b64decode(signature), expected)
        and address.startswith(prefix)
        and at.timestamp() < int(fields["Expires"])
    )


def _swap_path(url: str, old: str, new: str) -> str:
    address, query = url.split("?", 1)
    return f"{address.replace(old, new)}?{query}"


def test_a_cloudfront_url_opens_its_gallery_only_and_only_until_it_expires() -> None:
    signed = sign_cloudfront(CLOUDFRONT, "acme", "2026-06-13-smith", "K2JCJMDEHXQW5F", PEM, EXPIRES)
    url = signed.url("job-1/1024.jpg")
    assert url.startswith(f"{CLOUDFRONT}/acme/2026-06-13-smith/job-1/1024.jpg?")
    assert cloudfront_allows(url, NOW)
    assert cloudfront_allows(signed.url("job-2/full.jpg"), NOW)  # every variant of the gallery
    assert not cloudfront_allows(_swap_path(url, "/acme/", "/globex/"), NOW)  # tenant B's path
    assert not cloudfront_allows(_swap_path(url, "/acme/", "/acme2/"), NOW)  # a tenant whose id extends A's
    assert not cloudfront_allows(_swap_path(url, "2026-06-13-smith", "2026-06-13-jones"), NOW)  # another gallery
    assert not cloudfront_allows(url, EXPIRES)
    assert parse_qs(urlsplit(url).query)["Key-Pair-Id"] == ["K2JCJMDEHXQW5F"]


def test_a_cloud_cdn_url_opens_its_gallery_only_and_only_until_it_expires() -> None:
    signed = sign_cloud_cdn(CLOUD_CDN, "acme", "2026-06-13-smith", "gallery-urls", HMAC_KEY, EXPIRES)
    url = signed.url("job-1/1024.jpg")
    assert cloud_cdn_allows(url, NOW)
    assert not cloud_cdn_allows(_swap_path(url, "/acme/", "/globex/"), NOW)
    assert not cloud_cdn_allows(_swap_path(url, "/acme/", "/acme2/"), NOW)
    assert not cloud_cdn_allows(url, EXPIRES)
    forged_prefix = base64.urlsafe_b64encode(f"{CLOUD_CDN}/globex/".encode()).decode()
    forged = re.sub(r"URLPrefix=[^&]+", f"URLPrefix={forged_prefix}", _swap_path(url, "/acme/", "/globex/"))
    assert not cloud_cdn_allows(forged, NOW)  # rewriting the prefix breaks the signature


@pytest.mark.parametrize(
    ("tenant", "gallery"),
    [("Acme", "g"), ("_ledger", "g"), ("acme", "../globex"), ("acme", "g/../../globex"), ("acme", "g*"), ("acme", "")],
)
def test_scopes_that_could_reach_beyond_one_gallery_are_refused(tenant: str, gallery: str) -> None:
    with pytest.raises(InvalidScope):
        sign_cloud_cdn(CLOUD_CDN, tenant, gallery, "gallery-urls", HMAC_KEY, EXPIRES)


def test_a_signed_gallery_never_builds_a_url_outside_itself() -> None:
    signed = sign_cloud_cdn(CLOUD_CDN, "acme", "g", "gallery-urls", HMAC_KEY, EXPIRES)
    with pytest.raises(InvalidScope):
        signed.url("../../globex/g/1024.jpg")
