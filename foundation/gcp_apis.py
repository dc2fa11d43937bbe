"""The Google APIs the program uses, and which API each resource type needs enabled before it is created.

`serviceusage.googleapis.com` (the API that enables the others) must already be on: the bootstrap enables
it. Everything else is enabled by the program with `disable_on_destroy=False`, before first use.
"""

from __future__ import annotations

PROGRAM_APIS = (
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "container.googleapis.com",
    "redis.googleapis.com",
    "networkconnectivity.googleapis.com",
    "cloudkms.googleapis.com",
    "artifactregistry.googleapis.com",
    "dns.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "sts.googleapis.com",
    "storage.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "binaryauthorization.googleapis.com",
    "containeranalysis.googleapis.com",
)
# Type-token prefixes (`gcp:<module>/...`) and the API that serves them.
_API_OF_MODULE = {
    "compute": "compute.googleapis.com",
    "container": "container.googleapis.com",
    "redis": "redis.googleapis.com",
    "networkconnectivity": "networkconnectivity.googleapis.com",
    "kms": "cloudkms.googleapis.com",
    "artifactregistry": "artifactregistry.googleapis.com",
    "dns": "dns.googleapis.com",
    "serviceaccount": "iam.googleapis.com",
    "storage": "storage.googleapis.com",
    "binaryauthorization": "binaryauthorization.googleapis.com",
    "containeranalysis": "containeranalysis.googleapis.com",
    "logging": "logging.googleapis.com",
}
_API_OF_TYPE = {
    "gcp:projects/iAMMember:IAMMember": "cloudresourcemanager.googleapis.com",
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": "cloudresourcemanager.googleapis.com",
    "gcp:projects/serviceIdentity:ServiceIdentity": "serviceusage.googleapis.com",
    "gcp:projects/service:Service": "serviceusage.googleapis.com",
}
BOOTSTRAP_APIS = frozenset({"serviceusage.googleapis.com"})


def api_for(resource_type: str) -> str | None:
    """The API a `gcp:` resource type is created through (None if the table does not know the type)."""
    if resource_type in _API_OF_TYPE:
        return _API_OF_TYPE[resource_type]
    module = resource_type.removeprefix("gcp:").split("/")[0]
    return _API_OF_MODULE.get(module)
