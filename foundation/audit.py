"""What the control planes must log for an audit trail (components enable it, policies check it)."""

from __future__ import annotations

# EKS control-plane log types sent to CloudWatch: API requests, the audit log, and IAM authentication.
EKS_CONTROL_PLANE_LOG_TYPES: tuple[str, ...] = ("api", "audit", "authenticator")
