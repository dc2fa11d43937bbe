"""The wedsync-platform stack program, its config and its offline preview."""
