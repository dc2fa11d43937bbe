"""The shipped stacks' plans, normalized and committed: every change to infrastructure shows up in review.

When a change to the plan is intended, regenerate with `python -m pytest -n 0 tests/test_plan_snapshot.py
--snapshot-update` and commit the JSON next to the code that caused it, saying why in the commit message.
"""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_staging_plan_is_unchanged(staging, snapshot_json) -> None:
    _, plan = staging
    assert plan.normalized() == snapshot_json


def test_prod_plan_is_unchanged(prod, snapshot_json) -> None:
    _, plan = prod
    assert plan.normalized() == snapshot_json
