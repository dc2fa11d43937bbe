"""The picture of the plan is drawn from the plan, and the README shows the staging one as it is now."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from foundation.catalog import residency_of
from infra.diagram import Group, build_diagram, render_svg, to_dot, to_mermaid, with_diagram

REPO = Path(__file__).resolve().parents[1]


def _frames(group: Group, path: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """Every node id -> the labels of the frames around it, outermost first."""
    found = {node.id: path for node in group.nodes}
    for child in group.groups:
        found.update(_frames(child, (*path, child.label)))
    return found


def test_readme_shows_the_current_staging_picture(staging) -> None:
    _, plan = staging
    readme = (REPO / "README.md").read_text()
    assert with_diagram(readme, to_mermaid(build_diagram(plan))) == readme, (
        "regenerate with: python -m infra diagram --stack staging --readme README.md"
    )


def test_every_cluster_sits_in_its_region_inside_its_residency_zone(prod) -> None:
    platform, plan = prod
    frames = _frames(build_diagram(plan).root)
    for region in platform.regions:
        pools = [
            path
            for node, path in frames.items()
            if node.startswith(("NodeGroup_", "NodePool_")) and f"{region.id} ({region.cloud.value})" in path
        ]
        assert pools, region.id
        assert all(path[0] == f"residency zone {region.residency}" for path in pools)
        assert len(pools) == 1 + len(region.gpu_pools) + len([w for w in platform.queue_workers if w.enabled])


def test_every_replication_arrow_joins_buckets_of_one_zone_and_ends_at_a_locked_backup(prod) -> None:
    _, plan = prod
    diagram = build_diagram(plan)
    frames = _frames(diagram.root)
    labels = {node.id: node.label for node in _all_nodes(diagram.root)}
    replications = [e for e in diagram.edges if e.label == "replication"]
    assert len(replications) == len(plan.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig"))
    for edge in replications:
        assert frames[edge.source][0] == frames[edge.target][0]
        assert labels[edge.target].startswith("backup bucket (Object Lock)")


def test_every_zone_name_reaches_only_its_own_regions(prod) -> None:
    platform, plan = prod
    diagram = build_diagram(plan)
    labels = {node.id: node.label for node in _all_nodes(diagram.root)}
    for edge in diagram.edges:
        if edge.label.startswith("latency"):
            zone = labels[edge.source].split(".")[0]
            region = labels[edge.target].split(".")[0]
            cloud = next(r.cloud for r in platform.regions if r.id == region)
            assert residency_of(cloud, region) == zone


def _all_nodes(group: Group) -> list:
    return [*group.nodes, *(node for child in group.groups for node in _all_nodes(child))]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_the_picture_renders_as_svg(staging) -> None:
    _, plan = staging
    svg = render_svg(to_dot(build_diagram(plan)))
    assert svg is not None and b"<svg" in svg and b"residency zone us" in svg
