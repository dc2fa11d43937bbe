"""`python -m infra pin-images`: digests from a real registry API, written into the stack file in place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from foundation.config import PLATFORM_KEY
from foundation.images import ImageReference, is_pinned_by_digest, require_pinned, untagged, with_digest
from infra.cli import main
from infra.pin_images import image_fields
from tests.conftest import REPO, build_plan
from tests.fake_registry import docker_config, fake_registry

RELEASED = "sha256:" + "1" * 64
BUILT = "sha256:" + "2" * 64


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A project whose staging worker lives in a local registry the Docker config has credentials for."""
    manifests = {("wedsync/gpu-worker", "0.1.0"): RELEASED, ("wedsync/gpu-worker", "sha-abc"): BUILT}
    with fake_registry(manifests) as registry:
        shutil.copy(REPO / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
        text = (REPO / "Pulumi.staging.yaml").read_text()
        old = "111111111111.dkr.ecr.us-east-1.amazonaws.com/wedsync/gpu-worker:0.1.0"
        assert old in text
        (tmp_path / "Pulumi.staging.yaml").write_text(text.replace(old, f"{registry}/wedsync/gpu-worker:0.1.0"))
        (tmp_path / "docker").mkdir()
        (tmp_path / "docker" / "config.json").write_text(json.dumps(docker_config(registry)))
        monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
        yield tmp_path, registry


def _pin(folder: Path, *extra: str) -> int:
    return main(["--project-dir", str(folder), "pin-images", "--stack", "staging", *extra])


def test_a_tag_is_resolved_and_written_in_place(project, capsys) -> None:
    folder, registry = project
    before = (folder / "Pulumi.staging.yaml").read_text()
    assert _pin(folder) == 0
    after = (folder / "Pulumi.staging.yaml").read_text()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert changed == [
        (
            f"      image: {registry}/wedsync/gpu-worker:0.1.0",
            f"      image: {registry}/wedsync/gpu-worker:0.1.0@{RELEASED}",
        )
    ]  # one value changed; every comment, key order and flow mapping kept
    assert f"pinned    worker.image: {registry}/wedsync/gpu-worker:0.1.0@{RELEASED}" in capsys.readouterr().out


def test_the_pinned_digest_is_what_the_worker_runs(project) -> None:
    folder, registry = project
    assert _pin(folder) == 0
    raw = yaml.safe_load((folder / "Pulumi.staging.yaml").read_text())["config"][PLATFORM_KEY]
    _, plan = build_plan(raw, "staging")
    images = {
        container["image"]
        for deployment in plan.of_type("kubernetes:apps/v1:Deployment")
        for container in deployment.inputs["spec"]["template"]["spec"]["containers"]
        if "gpu-worker" in container["image"]
    }
    assert images == {f"{registry}/wedsync/gpu-worker:0.1.0@{RELEASED}"}


def test_defaults_and_unreachable_images_are_reported_and_fail_when_required(project, capsys) -> None:
    folder, _ = project
    assert _pin(folder, "--require") == 1  # the model services and the exporter are defaults, not in the file
    out = capsys.readouterr().out
    assert "UNPINNED  kubernetes.redis_exporter_image: oliver006/redis_exporter:v1.74.0 (a default" in out
    # staging's pdf-analysis image is by digest already, but in a registry this test cannot reach: unverified
    assert "UNPINNED  queue_workers[0].image: " in out and "unreachable" in out
    assert "1 pinned, 0 verified, 4 not pinned by digest" in out  # exporter, Triton, AI cache, pdf


def test_the_deploy_points_every_worker_at_the_build_and_checks_it_exists(project, capsys) -> None:
    folder, registry = project
    assert _pin(folder, "--worker", f"sha-abc@{BUILT}") == 0
    assert f"image: {registry}/wedsync/gpu-worker:sha-abc@{BUILT}" in (folder / "Pulumi.staging.yaml").read_text()
    assert f"pinned    worker.image: {registry}/wedsync/gpu-worker:sha-abc@{BUILT}" in capsys.readouterr().out
    missing = "sha256:" + "3" * 64
    assert _pin(folder, "--worker", f"sha-def@{missing}", "--require") == 1
    assert "no such manifest" in capsys.readouterr().out


def test_without_credentials_the_registry_refuses_and_nothing_changes(project, monkeypatch, capsys) -> None:
    folder, _ = project
    monkeypatch.setenv("DOCKER_CONFIG", str(folder / "nowhere"))
    before = (folder / "Pulumi.staging.yaml").read_text()
    assert _pin(folder) == 0
    assert (folder / "Pulumi.staging.yaml").read_text() == before
    assert "token request" in capsys.readouterr().out


def test_quoted_values_keep_their_quotes() -> None:
    text = 'config:\n  wedsync-platform:platform:\n    worker: {image: "r.example/w:1"}  # note\n'
    (field,) = image_fields(text)
    assert (field.path, field.value, field.quote) == ("worker.image", "r.example/w:1", '"')
    assert text[field.start : field.end] == '"r.example/w:1"'


@pytest.mark.parametrize(
    ("image", "registry", "repository", "reference"),
    [
        ("oliver006/redis_exporter:v1.74.0", "registry-1.docker.io", "oliver006/redis_exporter", "v1.74.0"),
        ("redis:8", "registry-1.docker.io", "library/redis", "8"),
        ("localhost:5000/a/b:1@" + BUILT, "localhost:5000", "a/b", BUILT),
        (
            "1.dkr.ecr.us-east-1.amazonaws.com/wedsync/gpu-worker:0.1.0",
            "1.dkr.ecr.us-east-1.amazonaws.com",
            "wedsync/gpu-worker",
            "0.1.0",
        ),
    ],
)
def test_references_are_split_as_the_docker_client_splits_them(image, registry, repository, reference) -> None:
    parsed = ImageReference.parse(image)
    assert (parsed.registry, parsed.repository, parsed.reference) == (registry, repository, reference)


def test_the_digest_rule() -> None:
    assert is_pinned_by_digest(with_digest("r.example/w:1", BUILT))
    assert not is_pinned_by_digest("r.example/w:1")
    assert not is_pinned_by_digest("r.example/w@sha256:short")
    assert require_pinned(f"127.0.0.1:5000/w:1@{BUILT}")  # a registry port is part of a valid reference
    assert untagged(f"127.0.0.1:5000/wedsync/w:1@{BUILT}") == "127.0.0.1:5000/wedsync/w"
