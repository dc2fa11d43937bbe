"""The Pulumi program entry (`main: infra/program/` in Pulumi.yaml)."""

from infra.stack import main

main()
