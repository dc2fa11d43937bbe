"""A Redis as the workloads see it (the job queue's, the AI cache's): one secret, the environment and mounts
that read it."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import meta, scratch_mount, scratch_volume
from foundation.naming import REDIS_SECRET

CA_PATH = "/etc/redis-ca"
SECRET_KEYS_ANNOTATION = "wedsync.io/keys"  # secret values never reach the plan; reviewers still see the keys


@dataclass(frozen=True)
class RedisConnection:
    """Where a Redis listens and how clients authenticate (TLS always: both clouds require it)."""

    host: pulumi.Input[str]
    port: int
    password: pulumi.Input[str] | None  # None: IAM authentication (the client's own identity, no shared secret)
    ca: pulumi.Input[str] | None  # a private CA (Memorystore); None: the public CAs (ElastiCache)
    secret_name: str = REDIS_SECRET

    @property
    def address(self) -> pulumi.Output[str]:
        """`host:port`."""
        return pulumi.Output.concat(self.host, ":", str(self.port))

    def create_secret(self, name: str, namespace: str, opts: pulumi.ResourceOptions) -> k8s.core.v1.Secret:
        """The secret every client reads: URL, password and (Memorystore) the CA."""
        data: dict[str, pulumi.Input[str]] = {
            "url": pulumi.Output.concat("rediss://", self.host, ":", str(self.port), "/0"),
        }
        if self.password is not None:
            data["password"] = self.password
        if self.ca is not None:
            data["ca.crt"] = self.ca
        return k8s.core.v1.Secret(
            name,
            metadata=meta(self.secret_name, namespace, annotations={SECRET_KEYS_ANNOTATION: ",".join(data)}),
            type="Opaque",
            string_data=data,
            opts=opts,
        )

    def env(self) -> list[k8s.core.v1.EnvVarArgs]:
        """REDIS_URL and (unless IAM-authenticated) REDIS_PASSWORD from the secret, and REDIS_CA_FILE where a
        private CA is mounted."""

        def from_secret(variable: str, key: str) -> k8s.core.v1.EnvVarArgs:
            return k8s.core.v1.EnvVarArgs(
                name=variable,
                value_from=k8s.core.v1.EnvVarSourceArgs(
                    secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=self.secret_name, key=key)
                ),
            )

        env = [from_secret("REDIS_URL", "url")]
        if self.password is not None:
            env.append(from_secret("REDIS_PASSWORD", "password"))
        if self.ca is not None:
            env.append(k8s.core.v1.EnvVarArgs(name="REDIS_CA_FILE", value=self.ca_file))
        return env

    @property
    def ca_file(self) -> str:
        """Where the private CA is mounted in a client's container."""
        return f"{CA_PATH}/ca.crt"

    def volumes(self) -> tuple[list[k8s.core.v1.VolumeArgs], list[k8s.core.v1.VolumeMountArgs]]:
        """Scratch space, plus the private CA where there is one."""
        volumes, mounts = [scratch_volume()], [scratch_mount()]
        if self.ca is not None:
            volumes.append(
                k8s.core.v1.VolumeArgs(
                    name="redis-ca",
                    secret=k8s.core.v1.SecretVolumeSourceArgs(
                        secret_name=self.secret_name, items=[k8s.core.v1.KeyToPathArgs(key="ca.crt", path="ca.crt")]
                    ),
                )
            )
            mounts.append(k8s.core.v1.VolumeMountArgs(name="redis-ca", mount_path=CA_PATH, read_only=True))
        return volumes, mounts

    def trigger_secret_refs(self) -> list[dict[str, str]]:
        """KEDA TriggerAuthentication references to the password (and CA) in the secret."""
        refs = [{"parameter": "password", "name": self.secret_name, "key": "password"}]
        if self.ca is not None:
            refs.append({"parameter": "ca", "name": self.secret_name, "key": "ca.crt"})
        return refs
