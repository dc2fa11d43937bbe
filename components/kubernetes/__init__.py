"""The Kubernetes layer, shared by both clouds: add-ons, namespace, mesh, workloads, autoscaling, monitoring."""
