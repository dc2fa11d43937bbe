"""Config problems with a key path, and their one-line rendering."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails

PathPart = str | int


class ConfigProblems(ValueError):
    """Raised by cross-field validators: each problem has a path relative to the model being checked."""

    def __init__(self, problems: Sequence[tuple[tuple[PathPart, ...], str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{format_path(p)}: {m}" for p, m in self.problems))


def raise_if_any(problems: Sequence[tuple[tuple[PathPart, ...], str]]) -> None:
    """Raise ConfigProblems when the list is not empty."""
    if problems:
        raise ConfigProblems(problems)


def format_path(parts: Iterable[PathPart]) -> str:
    """`("regions", 2, "gpu_pools", 0, "max_size")` -> `regions[2].gpu_pools[0].max_size`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(root)"


_RULE_TEXT = {
    "missing": "is required",
    "extra_forbidden": "is not a known key",
}


def _describe(error: ErrorDetails) -> str:
    if error["type"] == "value_error":  # our own validators' messages already say what they got
        return str(error["ctx"]["error"])
    rule = _RULE_TEXT.get(error["type"])
    if rule is None:
        message = error["msg"]
        rule = message[0].lower() + message[1:]
        value = error.get("input")
        if isinstance(value, str | int | float | bool):
            rule += f" (got {value!r})"
    return rule


def problem_lines(exc: ValidationError) -> list[str]:
    """One `key.path: rule` line per problem, cross-field problems expanded to their own paths."""
    lines: list[str] = []
    for error in exc.errors():
        location = [part for part in error["loc"] if not _is_union_tag(part)]
        nested = (error.get("ctx") or {}).get("error")
        if isinstance(nested, ConfigProblems):
            lines.extend(f"{format_path([*location, *path])}: {message}" for path, message in nested.problems)
        else:
            lines.append(f"{format_path(location)}: {_describe(error)}")
    return lines


def _is_union_tag(part: PathPart) -> bool:
    # pydantic inserts the validator name (e.g. "function-after[...]") into locations of some errors.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))
