"""Scan the plan as a security team would: Terraform plan JSON and manifests through checkov."""
