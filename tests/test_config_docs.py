"""Every config field is documented once; the schema and the README's reference are generated from it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from pydantic import BaseModel

from foundation.config import PLATFORM_KEY, PlatformConfig
from foundation.config.loader import platform_object, read_stack_config
from infra.cli import main
from infra.config_docs import reference_markdown, reference_rows, schema_document, stack_file_schema, with_reference

REPO = Path(__file__).resolve().parents[1]


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    seen.add(model)
    for field in model.model_fields.values():
        for candidate in _annotation_types(field.annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel) and candidate not in seen:
                _models(candidate, seen)
    return seen


def _annotation_types(annotation: object) -> list[object]:
    args = getattr(annotation, "__args__", None) or ()
    return [annotation, *(t for arg in args for t in _annotation_types(arg))]


def test_every_config_field_has_a_description() -> None:
    undocumented = [
        f"{model.__name__}.{name}"
        for model in _models(PlatformConfig, set())
        for name, field in model.model_fields.items()
        if not (field.description or "").strip()
    ]
    assert undocumented == []


def test_committed_schema_is_fresh() -> None:
    assert (REPO / "docs/config.schema.json").read_text() == schema_document(), (
        "regenerate with: python -m infra config-schema --out docs/config.schema.json"
    )


def test_readme_reference_is_fresh() -> None:
    readme = (REPO / "README.md").read_text()
    assert with_reference(readme) == readme, "regenerate with: python -m infra config-reference --readme README.md"
    assert reference_markdown() in readme


def test_reference_lists_every_top_level_key_and_nested_paths() -> None:
    paths = [row[0] for row in reference_rows()]
    assert [p for p in paths if "." not in p] == list(PlatformConfig.model_fields)
    assert "regions[].gpu_pools[].max_size" in paths
    assert "kubernetes.charts.keda.version" not in paths  # a repeated model points at its first expansion


def _stack_document(stack: str) -> dict:
    """The stack file as the schema sees it: its platform object as the CLI hands it to the program."""
    document = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    document["config"][PLATFORM_KEY] = platform_object(read_stack_config(REPO, stack))
    return document


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_schema_validates_the_shipped_stack_files(stack: str) -> None:
    jsonschema.Draft202012Validator(stack_file_schema()).validate(_stack_document(stack))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: p["regions"][0]["gpu_pools"][0].update(max_sise=3), "max_sise"),
        (lambda p: p.update(tier="production"), "production"),
        (lambda p: p.pop("worker"), "worker"),
    ],
)
def test_schema_rejects_what_the_config_rejects(edit, message: str) -> None:
    document = _stack_document("staging")
    edit(document["config"][PLATFORM_KEY])
    errors = list(jsonschema.Draft202012Validator(stack_file_schema()).iter_errors(document))
    assert any(message in error.message for error in errors), [e.message for e in errors]


def test_config_schema_command_writes_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert main(["config-schema", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["$defs"]["PlatformConfig"]["properties"]["regions"]
