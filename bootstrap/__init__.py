"""The bootstrap project (bootstrap/Pulumi.yaml): per-account state, secrets key and CI identities.

It stands alone: it imports the foundation's shared names (foundation/deployment.py, foundation/tags.py)
and never the platform's components or stack.
"""
