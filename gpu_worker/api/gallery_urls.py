"""Signed URLs for one tenant's gallery on the CDN, valid for every variant under it until they expire.

CloudFront: a custom policy whose resource is `https://<host>/<tenant>/<gallery>/*` (the wildcard covers the
gallery's variants, and the `/` before it keeps `acme` from covering `acme2`), signed RSA-SHA1 with the key group's
private key by botocore's CloudFrontSigner. Cloud CDN: a signed URL prefix, HMAC-SHA1 over
`URLPrefix=...&Expires=...&KeyName=...` with the backend bucket's key
(https://cloud.google.com/cdn/docs/using-signed-urls, "Signing URL prefixes").
Either way the answer is a query string the client appends to each variant's URL under the prefix.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from gpu_worker.api.settings import TENANT_PATTERN

_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]*"
GALLERY_PATTERN = rf"^{_SEGMENT}(/{_SEGMENT})*$"


class InvalidScope(ValueError):
    """Not a tenant id, or a gallery path that could reach beyond the gallery."""


@dataclass(frozen=True)
class SignedGallery:
    """The prefix a signature covers, the query that carries it, and when it stops working."""

    prefix: str
    query: str
    expires: datetime

    def url(self, relative_key: str) -> str:
        """The signed URL of one object under the gallery, e.g. `<job id>/1024.jpg`."""
        if ".." in relative_key.split("/") or relative_key.startswith("/"):
            raise InvalidScope(f"{relative_key!r} leaves the gallery")
        return f"{self.prefix}{relative_key}?{self.query}"


def gallery_prefix(base_url: str, tenant: str, gallery: str) -> str:
    """`<base>/<tenant>/<gallery>/`, after checking both parts cannot widen the scope."""
    if re.fullmatch(TENANT_PATTERN, tenant) is None:
        raise InvalidScope(f"{tenant!r} is not a tenant id")
    if re.fullmatch(GALLERY_PATTERN, gallery) is None or any(part in (".", "..") for part in gallery.split("/")):
        raise InvalidScope(f"{gallery!r} is not a gallery path (letters, digits, '.', '_', '-' segments)")
    return f"{base_url.rstrip('/')}/{tenant}/{gallery}/"


def sign_cloudfront(
    base_url: str, tenant: str, gallery: str, key_pair_id: str, private_key_pem: bytes, expires: datetime
) -> SignedGallery:
    """A CloudFront custom-policy signature over the gallery's prefix (for a trusted key group's key)."""
    prefix = gallery_prefix(base_url, tenant, gallery)
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidScope("CloudFront signs with an RSA key")

    def rsa_sha1(message: bytes) -> bytes:  # the signature CloudFrontSigner documents for its policies
        return key.sign(message, padding.PKCS1v15(), hashes.SHA1())

    signer = CloudFrontSigner(key_pair_id, rsa_sha1)
    policy = signer.build_policy(f"{prefix}*", expires)
    signed = signer.generate_presigned_url(f"{prefix}*", policy=policy)
    return SignedGallery(prefix, signed.split("?", 1)[1], expires)


def sign_cloud_cdn(
    base_url: str, tenant: str, gallery: str, key_name: str, key: str, expires: datetime
) -> SignedGallery:
    """A Cloud CDN signed URL prefix (`key`: the backend bucket's base64url key)."""
    prefix = gallery_prefix(base_url, tenant, gallery)
    encoded = base64.urlsafe_b64encode(prefix.encode()).decode()
    unsigned = f"URLPrefix={encoded}&Expires={int(expires.timestamp())}&KeyName={key_name}"
    digest = hmac.new(base64.urlsafe_b64decode(key), unsigned.encode(), hashlib.sha1).digest()
    return SignedGallery(prefix, f"{unsigned}&Signature={base64.urlsafe_b64encode(digest).decode()}", expires)
