"""The error every config reader raises."""

from __future__ import annotations


class ConfigError(Exception):
    """The config cannot be used; `lines` holds one readable line per problem."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))
