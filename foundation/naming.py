"""Names and ports that several parts of the platform must agree on, each spelt once.

Cloud names (clusters, public DNS names), the Kubernetes names one module creates and another refers
to (namespaces, releases, service accounts, workloads, secrets), and the ports the workloads serve.
"""

from __future__ import annotations

from foundation.config import DnsConfig, PlatformConfig, Region

# Namespaces and Helm releases of the add-ons.
MONITORING_NAMESPACE = "monitoring"
ISTIO_NAMESPACE = "istio-system"
GATEWAY_NAMESPACE = "istio-ingress"
GATEWAY_RELEASE = "istio-ingressgateway"
EGRESS_NAMESPACE = "istio-egress"  # the egress gateway: calls to external APIs leave the mesh through it
EGRESS_RELEASE = "istio-egressgateway"  # the gateway chart labels its pods istio=egressgateway
PROMETHEUS_RELEASE = "kube-prometheus-stack"
# The labels Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules by (set on the release's
# prometheusSpec selectors, and on every monitor and rule: ours and those the charts render from values).
PROMETHEUS_SELECTOR = {"release": PROMETHEUS_RELEASE}
# Where Alertmanager finds the Secrets its spec lists (prometheus-operator api.md, AlertmanagerSpec.secrets:
# /etc/alertmanager/secrets/<secret-name>), and the matcher of the routes that page: alert routing writes both,
# the alerts-reach-someone policy reads them.
ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets"
CRITICAL_MATCHER = 'severity="critical"'
CERT_MANAGER_NAMESPACE = "cert-manager"
ACME_SERVICE_ACCOUNT = "cert-manager-acme-dns"  # cert-manager's identity for Route53 DNS-01
VELERO_NAMESPACE = "velero"
VELERO_SERVICE_ACCOUNT = "velero-server"  # the velero chart's server account (its cloud identity's subject)

# Workloads of the photo namespace, and the secret holding their Redis connection.
WORKER = "gpu-worker"
JOBS_API = "jobs-api"
REDIS_EXPORTER = "redis-exporter"
RECONCILER = "job-reconciler"  # re-queues accepted jobs that Redis lost (one CronJob per cluster)
REDIS_SECRET = "redis-connection"
# The gateway's VirtualService of the namespace: its routes are named after the Services they reach, and Argo
# Rollouts edits the weights of a canaried service's route in it.
API_VIRTUAL_SERVICE = "api"
# Where Argo Rollouts' analysis asks Prometheus: the Service kube-prometheus-stack names `<fullname>-prometheus`
# (templates/prometheus/service.yaml; fullname is the release name when it contains the chart's name).
PROMETHEUS_URL = f"http://{PROMETHEUS_RELEASE}-prometheus.{MONITORING_NAMESPACE}.svc.cluster.local:9090"


def canary_service(app: str) -> str:
    """The Service Argo Rollouts points at a Rollout's canary pods (`app` itself is the stable Service)."""
    return f"{app}-canary"


CACHE_SERVICE = "ai-cache-service"  # the AI cache tier's HTTP service (seed 002)
CACHE_SECRET = "ai-cache-connection"  # its cache cluster's endpoint (and token on AWS)
CACHE_SERVICE_PORT = 3000  # the port its container serves HTTP on (seed 002)

# The service-account annotations that give a pod a cloud identity: IRSA on EKS, Workload Identity on GKE.
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
GKE_WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"

# Where photos live in a region's bucket (the workers' and the API's `--store` prefix), and where the job
# ledger lives under it (gpu_worker/ledger.py LEDGER_PREFIX; tests/test_worker_contract.py checks they agree).
PHOTOS_PREFIX = "photos"
LEDGER_PREFIX = "_ledger"

# Ports: the jobs API's HTTP port, the one port Prometheus may reach on every scraped pod (network policy,
# authorization, mTLS exception), and the port every HTTP Service of the namespace listens on (the gateway's routes).
API_PORT = 8000
METRICS_PORT = 8080
SERVICE_PORT = 80

# Paths the worker's processes serve (gpu_worker/health.py, gpu_worker/api.py; tests/wiring proves they answer),
# and the path Route53 asks every region's gateway for, routed to the jobs API's readiness.
LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
REGION_HEALTH_PATH = "/healthz"

# Envoy's own Prometheus endpoint on every injected sidecar: Istio names the port, serves the path and leaves the
# port outside traffic capture (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml;
# cni/pkg/plugin/sidecar_redirect.go adds 15020,15021,15090 to the excluded inbound ports).
ENVOY_STATS_PORT = 15090
ENVOY_STATS_PORT_NAME = "http-envoy-prom"
ENVOY_STATS_PATH = "/stats/prometheus"

# Where GKE pods reach the metadata server for Workload Identity credentials: 169.254.169.254:80, and on
# Dataplane V2 the gke-metadata-server itself at 169.254.169.252:988 (GKE Workload Identity docs).
GKE_METADATA_SERVER = (("169.254.169.254/32", 80), ("169.254.169.252/32", 988))


def cluster_name_for(platform: PlatformConfig, region: Region) -> str:
    """The EKS/GKE cluster name of a region (stable: subnet tags and the autoscaler refer to it)."""
    return f"wedsync-{platform.environment}-{region.id}"


def regional_name(dns: DnsConfig, region: str) -> str:
    """`<region>.<api>.<domain>`: one region's gateway, with its own health check."""
    return f"{region}.{dns.api_label}.{dns.domain}"


def cdn_host(dns: DnsConfig, label: str, region: str) -> str:
    """`<region>.<cdn label>.<domain>`: the CDN in front of one region's delivered variants."""
    return f"{region}.{label}.{dns.domain}"


def zone_name(dns: DnsConfig, residency: str) -> str:
    """`<zone>.<api>.<domain>`: the latency set over a residency zone's regions."""
    return f"{residency}.{dns.api_label}.{dns.domain}"


def api_hosts(platform: PlatformConfig, region: Region) -> tuple[str, str]:
    """The names a region's gateway answers to: its regional name and its residency zone's name."""
    return regional_name(platform.dns, region.id), zone_name(platform.dns, region.residency)
