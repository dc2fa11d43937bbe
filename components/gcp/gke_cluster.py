"""A private regional GKE cluster: workload identity, shielded nodes, network policy, no default pool,
secrets encrypted with a Cloud KMS key, and a DNS-based control-plane endpoint for deployers (IAM-authorised;
the IP endpoint stays private)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.gcp.kms import create_agent_key
from components.gcp.network import PODS_RANGE, SERVICES_RANGE
from components.options import child_opts, stateful_opts

NODE_SERVICE_ACCOUNT_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
)
# Admission webhooks the Kubernetes layer installs: Istio (15017) and KEDA's metrics server (6443, 9443).
WEBHOOK_PORTS = ["15017", "6443", "9443"]


def node_account_id(cluster_name: str) -> str:
    """A service account id (6-30 characters) for the cluster's nodes."""
    return f"{cluster_name.removeprefix('wedsync-')}-nodes"[:30].rstrip("-")


@dataclass(frozen=True)
class GkeClusterArgs:
    """Name, version, placement and protection of the cluster."""

    cluster_name: str
    project: str
    region: str
    zones: tuple[str, ...]
    kubernetes_version: str  # a floor: the REGULAR channel upgrades the cluster along the channel
    network_id: pulumi.Input[str]
    subnetwork_id: pulumi.Input[str]
    control_plane_cidr: str
    authorized_cidrs: tuple[str, ...]  # may reach the private IP endpoint (the VPC)
    labels: dict[str, str]
    protect: bool


class GkeCluster(pulumi.ComponentResource):
    """The control plane, a dedicated least-privilege node service account, and the webhook firewall."""

    cluster_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    dns_endpoint: pulumi.Output[str]
    ca_certificate: pulumi.Output[str]
    node_service_account: pulumi.Output[str]

    def __init__(self, name: str, args: GkeClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:GkeCluster", name, None, opts)
        secrets_key, key_grant = self._secrets_key(name, args)
        nodes = gcp.serviceaccount.Account(
            f"{name}-nodes",
            account_id=node_account_id(args.cluster_name),
            display_name=f"GKE nodes of {args.cluster_name}",
            project=args.project,
            opts=child_opts(self),
        )
        for role in NODE_SERVICE_ACCOUNT_ROLES:
            gcp.projects.IAMMember(
                f"{name}-nodes-{role.split('/')[1]}",
                project=args.project,
                role=role,
                member=nodes.email.apply(lambda email: f"serviceAccount:{email}"),
                opts=child_opts(self),
            )
        cluster = gcp.container.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            project=args.project,
            location=args.region,
            node_locations=list(args.zones),
            # With a release channel, min_master_version is only a floor: GKE upgrades along REGULAR.
            min_master_version=args.kubernetes_version,
            release_channel=gcp.container.ClusterReleaseChannelArgs(channel="REGULAR"),
            network=args.network_id,
            subnetwork=args.subnetwork_id,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
                cluster_secondary_range_name=PODS_RANGE, services_secondary_range_name=SERVICES_RANGE
            ),
            private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
                enable_private_nodes=True,
                enable_private_endpoint=True,
                master_ipv4_cidr_block=args.control_plane_cidr,
            ),
            # The reach path of `pulumi up` (foundation/deployers.py): the DNS endpoint, authorised by IAM.
            control_plane_endpoints_config=gcp.container.ClusterControlPlaneEndpointsConfigArgs(
                dns_endpoint_config=gcp.container.ClusterControlPlaneEndpointsConfigDnsEndpointConfigArgs(
                    allow_external_traffic=True
                ),
            ),
            master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
                cidr_blocks=[
                    gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(cidr_block=cidr)
                    for cidr in args.authorized_cidrs
                ]
            ),
            workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(
                workload_pool=f"{args.project}.svc.id.goog"
            ),
            network_policy=gcp.container.ClusterNetworkPolicyArgs(enabled=True, provider="CALICO"),
            addons_config=gcp.container.ClusterAddonsConfigArgs(
                network_policy_config=gcp.container.ClusterAddonsConfigNetworkPolicyConfigArgs(disabled=False)
            ),
            enable_shielded_nodes=True,
            # Admission by the project's Binary Authorization policy (components/gcp/binary_authorization.py)
            binary_authorization=gcp.container.ClusterBinaryAuthorizationArgs(
                evaluation_mode="PROJECT_SINGLETON_POLICY_ENFORCE"
            ),
            # Pod-to-pod traffic on one node goes through the VPC too, so flow logs and firewall rules see it.
            enable_intranode_visibility=True,
            remove_default_node_pool=True,
            initial_node_count=1,
            database_encryption=gcp.container.ClusterDatabaseEncryptionArgs(state="ENCRYPTED", key_name=secrets_key.id),
            deletion_protection=args.protect,
            resource_labels=args.labels,
            opts=stateful_opts(self, args.protect, depends_on=[key_grant]),
        )
        gcp.compute.Firewall(
            f"{name}-webhooks",
            name=f"{args.cluster_name}-control-plane-webhooks",
            project=args.project,
            network=args.network_id,
            direction="INGRESS",
            source_ranges=[args.control_plane_cidr],
            target_service_accounts=[nodes.email],
            allows=[gcp.compute.FirewallAllowArgs(protocol="tcp", ports=WEBHOOK_PORTS)],
            description="Control plane to admission webhooks (Istio, KEDA)",
            opts=child_opts(self),
        )

        self.cluster_id = cluster.id
        self.cluster_name = cluster.name
        self.endpoint = cluster.endpoint
        self.dns_endpoint = cluster.control_plane_endpoints_config.apply(_dns_endpoint)
        self.ca_certificate = cluster.master_auth.apply(lambda auth: auth.cluster_ca_certificate or "")
        self.node_service_account = nodes.email
        self.register_outputs(
            {
                "cluster_id": self.cluster_id,
                "cluster_name": self.cluster_name,
                "endpoint": self.endpoint,
                "dns_endpoint": self.dns_endpoint,
                "ca_certificate": self.ca_certificate,
                "node_service_account": self.node_service_account,
            }
        )

    def _secrets_key(self, name: str, args: GkeClusterArgs) -> tuple[gcp.kms.CryptoKey, gcp.kms.CryptoKeyIAMMember]:
        """A rotating Cloud KMS key in the cluster's region for application-layer secrets encryption, and the
        grant letting the project's GKE service agent use it (the cluster must wait for that grant). The agent
        is obtained, not spelt from the project number: it exists only once the container API has made it."""
        agent = gcp.projects.ServiceIdentity(
            f"{name}-gke-agent", project=args.project, service="container.googleapis.com", opts=child_opts(self)
        )
        return create_agent_key(
            name,
            key_resource="secrets-key",
            agent="gke",
            key_ring_name=f"{args.cluster_name}-secrets",
            key_name="kubernetes-secrets",
            location=args.region,
            project=args.project,
            labels=args.labels,
            agent_member=agent.member,
            parent=self,
            protect=args.protect,
        )


def _dns_endpoint(config: gcp.container.outputs.ClusterControlPlaneEndpointsConfig | None) -> str:
    dns = config.dns_endpoint_config if config else None
    return (dns.endpoint or "") if dns else ""
