"""The Pod Security Standards' `restricted` profile (which includes `baseline`), checked on a pod spec.

Each check follows https://kubernetes.io/docs/concepts/security/pod-security-standards/ (policy version
latest, Kubernetes 1.33) and k8s.io/pod-security-admission/policy/check_*.go, so a pod that passes here is one the
namespace's `pod-security.kubernetes.io/enforce: restricted` admits. Windows-only and AppArmor fields are absent from
every pod the program creates and are reported if they appear.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

BASELINE_CAPABILITIES = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}  # fmt: skip
RESTRICTED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}  # fmt: skip
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}  # fmt: skip
SELINUX_TYPES = {None, "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
VOLUME_SOURCE_KEYS = {"name"}


def _containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from spec.get("initContainers", [])
    yield from spec.get("containers", [])
    yield from spec.get("ephemeralContainers", [])


def restricted_violations(spec: dict[str, Any]) -> list[str]:
    """Every way a pod spec breaks `restricted` (empty when the namespace admits it)."""
    problems: list[str] = []
    pod = spec.get("securityContext") or {}
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(flag):
            problems.append(f"{flag}: true")
    for sysctl in pod.get("sysctls") or []:
        if sysctl["name"] not in SAFE_SYSCTLS:
            problems.append(f"sysctl {sysctl['name']}")
    for volume in spec.get("volumes", []):
        kinds = set(volume) - VOLUME_SOURCE_KEYS
        if not kinds <= RESTRICTED_VOLUMES:
            problems.append(f"volume {volume['name']}: {sorted(kinds - RESTRICTED_VOLUMES)}")
    problems += _pod_level(pod)
    for container in _containers(spec):
        problems += [f"{container['name']}: {p}" for p in _container_level(container, pod)]
    return problems


def _pod_level(pod: dict[str, Any]) -> list[str]:
    problems = []
    if (pod.get("windowsOptions") or {}).get("hostProcess"):
        problems.append("hostProcess")
    if pod.get("runAsUser") == 0:
        problems.append("pod runAsUser 0")
    if (pod.get("seccompProfile") or {}).get("type") == "Unconfined":
        problems.append("pod seccomp Unconfined")
    if (pod.get("seLinuxOptions") or {}).get("type") not in SELINUX_TYPES:
        problems.append("pod SELinux type")
    return problems


def _container_level(container: dict[str, Any], pod: dict[str, Any]) -> list[str]:
    context = container.get("securityContext") or {}
    problems = []
    if context.get("privileged"):
        problems.append("privileged")
    if (context.get("windowsOptions") or {}).get("hostProcess"):
        problems.append("hostProcess")
    if any(port.get("hostPort") for port in container.get("ports", [])):
        problems.append("hostPort")
    if context.get("procMount", "Default") != "Default":
        problems.append("procMount")
    if (context.get("seLinuxOptions") or {}).get("type") not in SELINUX_TYPES:
        problems.append("SELinux type")
    capabilities = context.get("capabilities") or {}
    added = set(capabilities.get("add") or [])
    if not added <= BASELINE_CAPABILITIES:
        problems.append(f"adds {sorted(added - BASELINE_CAPABILITIES)} (beyond baseline)")
    if not added <= {"NET_BIND_SERVICE"}:
        problems.append(f"adds {sorted(added)} (restricted allows NET_BIND_SERVICE only)")
    if "ALL" not in (capabilities.get("drop") or []):
        problems.append("does not drop ALL capabilities")
    if context.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    if not context.get("runAsNonRoot", pod.get("runAsNonRoot")):
        problems.append("runAsNonRoot is not true")
    if context.get("runAsUser") == 0:
        problems.append("runAsUser 0")
    seccomp = (context.get("seccompProfile") or pod.get("seccompProfile") or {}).get("type")
    if seccomp not in ("RuntimeDefault", "Localhost"):
        problems.append(f"seccomp {seccomp}")
    return problems
