"""The ECR repository the worker image is pushed to: immutable tags, scanned on push, KMS-encrypted."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.options import child_opts
from foundation.tags import Tagging

UNTAGGED_IMAGE_DAYS = 14


@dataclass(frozen=True)
class EcrRepositoryArgs:
    """The repository name and its tags."""

    name: str
    tagging: Tagging


class EcrRepository(pulumi.ComponentResource):
    """A private repository whose tags can never be moved (a pinned tag always means the same image)."""

    repository_url: pulumi.Output[str]

    def __init__(self, name: str, args: EcrRepositoryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:EcrRepository", name, None, opts)
        repository = aws.ecr.Repository(
            f"{name}-repository",
            name=args.name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")],
            force_delete=False,
            tags=args.tagging.for_component("registry"),
            opts=child_opts(self),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=repository.name,
            policy=json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": f"expire untagged images after {UNTAGGED_IMAGE_DAYS} days",
                            "selection": {
                                "tagStatus": "untagged",
                                "countType": "sinceImagePushed",
                                "countUnit": "days",
                                "countNumber": UNTAGGED_IMAGE_DAYS,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
            opts=child_opts(self),
        )
        self.repository_url = repository.repository_url
        self.register_outputs({"repository_url": self.repository_url})
