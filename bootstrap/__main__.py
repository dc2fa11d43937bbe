"""The bootstrap's Pulumi program entry (the language host runs this folder's __main__.py)."""

from bootstrap.program import main

main()
