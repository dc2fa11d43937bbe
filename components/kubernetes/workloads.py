"""The workloads: the GPU worker (scaled by KEDA on queue lag), the jobs API and the model services."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import (
    METRICS_PORT,
    disruption_budget,
    hpa_behavior,
    http_probe,
    labels,
    locked_down,
    meta,
    pod_security,
    requirements,
    scratch_mount,
    scratch_volume,
    selector,
)
from components.scheduling import GPU_NODE_LABELS, gpu_toleration
from infra.config.kubernetes import Autoscale, ModelService, Resources, SaturdayPrescale
from infra.config.models import SeasonProfile, WorkerConfig

WORKER = "gpu-worker"
JOBS_API = "jobs-api"
REDIS_EXPORTER = "redis-exporter"
REDIS_SECRET = "redis-connection"
API_PORT = 8000
CA_PATH = "/etc/redis-ca"
SECRET_KEYS_ANNOTATION = "wedsync.io/keys"  # secret values never reach the plan; reviewers still see the keys
_WEEKDAY_CRON = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 0}


@dataclass(frozen=True)
class WorkloadsArgs:
    """What the workloads run, where their jobs and photos are, and who they are in the cloud."""

    namespace: str
    worker: WorkerConfig
    worker_image: str
    worker_resources: Resources
    season: SeasonProfile
    prescale: SaturdayPrescale
    prescale_timezone: str
    freeze_weekday: str
    jobs_api_autoscale: Autoscale
    model_services: tuple[ModelService, ...]
    redis_exporter_image: str
    store_uri: pulumi.Input[str]
    redis_host: pulumi.Input[str]
    redis_port: int
    redis_password: pulumi.Input[str]
    redis_ca: pulumi.Input[str] | None  # a private CA (Memorystore); None: the public CAs (ElastiCache)
    worker_identity: dict[str, pulumi.Input[str]]


class Workloads(pulumi.ComponentResource):
    """Deployments, Services, autoscalers and disruption budgets of the namespace."""

    def __init__(self, name: str, args: WorkloadsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:k8s:Workloads", name, None, opts)
        self.args = args
        self.child = pulumi.ResourceOptions(parent=self)
        ns = args.namespace
        secret_data: dict[str, pulumi.Input[str]] = {  # TLS always: both clouds' Redis require it
            "url": pulumi.Output.concat("rediss://", args.redis_host, ":", str(args.redis_port), "/0"),
            "password": args.redis_password,
        }
        if args.redis_ca is not None:
            secret_data["ca.crt"] = args.redis_ca
        k8s.core.v1.Secret(
            f"{name}-redis",
            metadata=meta(REDIS_SECRET, ns, annotations={SECRET_KEYS_ANNOTATION: ",".join(secret_data)}),
            type="Opaque",
            string_data=secret_data,
            opts=self.child,
        )
        self._worker(name)
        self._jobs_api(name)
        self._redis_exporter(name)
        for service in args.model_services:
            self._model_service(name, service)
        self.register_outputs({})

    def _redis_env(self) -> list[k8s.core.v1.EnvVarArgs]:
        def from_secret(variable: str, key: str) -> k8s.core.v1.EnvVarArgs:
            return k8s.core.v1.EnvVarArgs(
                name=variable,
                value_from=k8s.core.v1.EnvVarSourceArgs(
                    secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=REDIS_SECRET, key=key)
                ),
            )

        env = [from_secret("REDIS_URL", "url"), from_secret("REDIS_PASSWORD", "password")]
        if self.args.redis_ca is not None:
            env.append(k8s.core.v1.EnvVarArgs(name="REDIS_CA_FILE", value=f"{CA_PATH}/ca.crt"))
        return env

    def _volumes(self) -> tuple[list[k8s.core.v1.VolumeArgs], list[k8s.core.v1.VolumeMountArgs]]:
        volumes, mounts = [scratch_volume()], [scratch_mount()]
        if self.args.redis_ca is not None:
            volumes.append(
                k8s.core.v1.VolumeArgs(
                    name="redis-ca",
                    secret=k8s.core.v1.SecretVolumeSourceArgs(
                        secret_name=REDIS_SECRET, items=[k8s.core.v1.KeyToPathArgs(key="ca.crt", path="ca.crt")]
                    ),
                )
            )
            mounts.append(k8s.core.v1.VolumeMountArgs(name="redis-ca", mount_path=CA_PATH, read_only=True))
        return volumes, mounts

    def _worker(self, name: str) -> None:
        args, ns, worker = self.args, self.args.namespace, self.args.worker
        app_labels = labels(WORKER, "gpu-worker", scraped=True)
        k8s.core.v1.ServiceAccount(
            f"{name}-worker-sa", metadata=meta(WORKER, ns, app_labels, args.worker_identity), opts=self.child
        )
        volumes, mounts = self._volumes()
        container = k8s.core.v1.ContainerArgs(
            name=WORKER,
            image=args.worker_image,
            args=[
                "serve",
                "--redis",
                "$(REDIS_URL)",
                "--store",
                args.store_uri,
                "--stream",
                worker.stream,
                "--group",
                worker.group,
                "--batch-size",
                str(worker.batch_size),
                "--max-deliveries",
                str(worker.max_deliveries),
                "--health-port",
                str(METRICS_PORT),
                "--device",
                "gpu",
            ],
            env=self._redis_env(),
            ports=[k8s.core.v1.ContainerPortArgs(name="http-metrics", container_port=METRICS_PORT)],
            resources=requirements(args.worker_resources, gpus=1),
            liveness_probe=http_probe("/healthz", "http-metrics", period=20, failures=6, delay=30),
            readiness_probe=http_probe("/readyz", "http-metrics"),
            security_context=locked_down(),
            volume_mounts=mounts,
        )
        k8s.apps.v1.Deployment(
            f"{name}-worker",
            metadata=meta(WORKER, ns, app_labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(  # no replicas: KEDA owns the count
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector(WORKER)),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge="25%", max_unavailable=0),
                ),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=meta(
                        WORKER,
                        extra_labels=app_labels,
                        annotations={"prometheus.io/scrape": "true", "prometheus.io/port": str(METRICS_PORT)},
                    ),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=WORKER,
                        security_context=pod_security(),
                        termination_grace_period_seconds=worker.termination_grace_seconds,
                        tolerations=[gpu_toleration()],
                        affinity=_gpu_node_affinity(),
                        containers=[container],
                        volumes=volumes,
                    ),
                ),
            ),
            opts=self.child,
        )
        k8s.core.v1.Service(
            f"{name}-worker-metrics",
            metadata=meta(f"{WORKER}-metrics", ns, app_labels),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=selector(WORKER),
                ports=[k8s.core.v1.ServicePortArgs(name="http-metrics", port=METRICS_PORT, target_port="http-metrics")],
            ),
            opts=self.child,
        )
        disruption_budget(f"{name}-worker-pdb", ns, WORKER, self.child)
        self._scaled_object(name)

    def _scaled_object(self, name: str) -> None:
        args, ns, worker = self.args, self.args.namespace, self.args.worker
        secret_refs = [{"parameter": "password", "name": REDIS_SECRET, "key": "password"}]
        if args.redis_ca is not None:
            secret_refs.append({"parameter": "ca", "name": REDIS_SECRET, "key": "ca.crt"})
        auth = k8s.apiextensions.CustomResource(
            f"{name}-redis-auth",
            api_version="keda.sh/v1alpha1",
            kind="TriggerAuthentication",
            metadata=meta("redis-streams", ns),
            spec={"secretTargetRef": secret_refs},
            opts=self.child,
        )
        prescale = args.prescale
        weekday = _WEEKDAY_CRON[args.freeze_weekday]
        k8s.apiextensions.CustomResource(
            f"{name}-worker-scaler",
            api_version="keda.sh/v1alpha1",
            kind="ScaledObject",
            metadata=meta(WORKER, ns, labels(WORKER, "autoscaling")),
            spec={
                "scaleTargetRef": {"name": WORKER},
                "minReplicaCount": args.season.worker_min_replicas,
                "maxReplicaCount": args.season.worker_max_replicas,
                "pollingInterval": 15,
                "cooldownPeriod": 300,
                "triggers": [
                    {
                        "type": "redis-streams",
                        "metadata": {
                            "address": pulumi.Output.concat(args.redis_host, ":", str(args.redis_port)),
                            "stream": worker.stream,
                            "consumerGroup": worker.group,
                            "lagCount": str(args.season.queue_lag_target),
                            "enableTLS": "true",
                        },
                        "authenticationRef": {"name": "redis-streams"},
                    },
                    {
                        "type": "cron",
                        "metadata": {
                            "timezone": args.prescale_timezone,
                            "start": f"{prescale.start.minute} {prescale.start.hour} * * {weekday}",
                            "end": f"{prescale.end.minute} {prescale.end.hour} * * {weekday}",
                            "desiredReplicas": str(min(prescale.replicas, args.season.worker_max_replicas)),
                        },
                    },
                ],
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[auth]),
        )

    def _http_service(
        self,
        name: str,
        app: str,
        port: int,
        autoscale: Autoscale,
        container: k8s.core.v1.ContainerArgs,
        *,
        scraped: bool = False,
    ) -> None:
        """A CPU Deployment behind a Service on port 80 (and METRICS_PORT when scraped), with an HPA and a PDB."""
        ns = self.args.namespace
        app_labels = labels(app, "api", scraped=scraped)
        metrics_port = [METRICS_PORT] if scraped else []
        k8s.core.v1.ServiceAccount(f"{name}-{app}-sa", metadata=meta(app, ns, app_labels), opts=self.child)
        k8s.apps.v1.Deployment(
            f"{name}-{app}",
            metadata=meta(app, ns, app_labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=autoscale.min_replicas,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector(app)),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge=1, max_unavailable=0),
                ),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=meta(app, extra_labels=app_labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=app,
                        security_context=pod_security(),
                        node_selector={"node-type": "system"},
                        containers=[container],
                        volumes=[scratch_volume("1Gi")],
                    ),
                ),
            ),
            opts=self.child,
        )
        k8s.core.v1.Service(
            f"{name}-{app}-service",
            metadata=meta(app, ns, app_labels),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=selector(app),
                ports=[
                    k8s.core.v1.ServicePortArgs(name="http", port=80, target_port=port),
                    *(k8s.core.v1.ServicePortArgs(name="http-metrics", port=p, target_port=p) for p in metrics_port),
                ],
            ),
            opts=self.child,
        )
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-{app}-hpa",
            metadata=meta(app, ns, app_labels),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name=app
                ),
                min_replicas=autoscale.min_replicas,
                max_replicas=autoscale.max_replicas,
                metrics=[
                    _utilization("cpu", autoscale.cpu_utilization),
                    _utilization("memory", autoscale.memory_utilization),
                ],
                behavior=hpa_behavior(),
            ),
            opts=self.child,
        )
        disruption_budget(f"{name}-{app}-pdb", ns, app, self.child)

    def _jobs_api(self, name: str) -> None:
        container = k8s.core.v1.ContainerArgs(
            name=JOBS_API,
            image=self.args.worker_image,
            args=[
                "api",
                "--redis",
                "$(REDIS_URL)",
                "--stream",
                self.args.worker.stream,
                "--port",
                str(API_PORT),
                "--metrics-port",
                str(METRICS_PORT),
            ],
            env=self._redis_env(),
            ports=[
                k8s.core.v1.ContainerPortArgs(name="http", container_port=API_PORT),
                k8s.core.v1.ContainerPortArgs(name="http-metrics", container_port=METRICS_PORT),
            ],
            resources=requirements(
                Resources(cpu_request="250m", memory_request="256Mi", cpu_limit="1", memory_limit="512Mi")
            ),
            liveness_probe=http_probe("/healthz", "http"),
            readiness_probe=http_probe("/readyz", "http"),
            security_context=locked_down(),
            volume_mounts=[scratch_mount()],
        )
        self._http_service(name, JOBS_API, API_PORT, self.args.jobs_api_autoscale, container, scraped=True)

    def _redis_exporter(self, name: str) -> None:
        """Exports the queue's Redis memory and stream metrics for the alerts (one replica is enough)."""
        ns, app = self.args.namespace, REDIS_EXPORTER
        app_labels = labels(app, "monitoring", scraped=True)
        volumes, mounts = self._volumes()
        tls = [f"--tls-ca-cert-file={CA_PATH}/ca.crt"] if self.args.redis_ca is not None else []
        probe = k8s.core.v1.ProbeArgs(
            tcp_socket=k8s.core.v1.TCPSocketActionArgs(port="http-metrics"), period_seconds=20
        )
        container = k8s.core.v1.ContainerArgs(
            name=app,
            image=self.args.redis_exporter_image,
            args=[f"--web.listen-address=:{METRICS_PORT}", "--redis.addr=$(REDIS_URL)", *tls],
            env=self._redis_env(),
            ports=[k8s.core.v1.ContainerPortArgs(name="http-metrics", container_port=METRICS_PORT)],
            resources=requirements(
                Resources(cpu_request="50m", memory_request="64Mi", cpu_limit="200m", memory_limit="128Mi")
            ),
            liveness_probe=probe,
            readiness_probe=probe,
            security_context=locked_down(),
            volume_mounts=mounts,
        )
        k8s.apps.v1.Deployment(
            f"{name}-redis-exporter",
            metadata=meta(app, ns, app_labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector(app)),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=meta(app, extra_labels=app_labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        security_context=pod_security(),
                        node_selector={"node-type": "system"},
                        containers=[container],
                        volumes=volumes,
                    ),
                ),
            ),
            opts=self.child,
        )
        k8s.core.v1.Service(
            f"{name}-redis-exporter-service",
            metadata=meta(app, ns, app_labels),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=selector(app),
                ports=[k8s.core.v1.ServicePortArgs(name="http-metrics", port=METRICS_PORT, target_port=METRICS_PORT)],
            ),
            opts=self.child,
        )

    def _model_service(self, name: str, service: ModelService) -> None:
        container = k8s.core.v1.ContainerArgs(
            name=service.name,
            image=service.image,
            ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=service.port)],
            resources=requirements(service.resources),
            liveness_probe=http_probe("/health", "http", period=30, delay=60),
            readiness_probe=http_probe("/health", "http", delay=30),
            security_context=locked_down(),
            volume_mounts=[scratch_mount()],
        )
        self._http_service(name, service.name, service.port, service.autoscale, container)


def _gpu_node_affinity() -> k8s.core.v1.AffinityArgs:
    """Only nodes of the GPU pools (their labels come from the same definition as the node groups')."""
    requirements = [
        k8s.core.v1.NodeSelectorRequirementArgs(key=key, operator="In", values=[value])
        for key, value in GPU_NODE_LABELS.items()
    ]
    required = k8s.core.v1.NodeSelectorArgs(
        node_selector_terms=[k8s.core.v1.NodeSelectorTermArgs(match_expressions=requirements)]
    )
    return k8s.core.v1.AffinityArgs(
        node_affinity=k8s.core.v1.NodeAffinityArgs(required_during_scheduling_ignored_during_execution=required)
    )


def _utilization(resource: str, percent: int) -> k8s.autoscaling.v2.MetricSpecArgs:
    return k8s.autoscaling.v2.MetricSpecArgs(
        type="Resource",
        resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
            name=resource,
            target=k8s.autoscaling.v2.MetricTargetArgs(type="Utilization", average_utilization=percent),
        ),
    )
