"""Wiring tests (issue 12): where one object names another, read both from the plan and prove they meet."""
