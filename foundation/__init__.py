"""The foundation of wedsync-platform: what every other package reads and nothing below it imports.

The typed stack config (`foundation.config`), static cloud facts (`catalog`), list prices (`prices`),
planning arithmetic (`planning`, `node_pools`, `cost`), and the conventions components and policies
must agree on (`naming`, `tags`, `scheduling`, `capacity`, `calendar`, `images`, `audit`,
`policy_settings`). No cloud resources are declared here, and nothing here imports `infra`,
`components` or `policies` (import-linter contracts in pyproject.toml enforce it).
"""
