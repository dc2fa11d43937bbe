"""Pulumi ComponentResources of the platform, one per concern."""
