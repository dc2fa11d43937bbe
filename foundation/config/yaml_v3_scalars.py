"""Plain YAML scalars resolved as Go's gopkg.in/yaml.v3 resolves them (v3.0.1, the version the Pulumi CLI
builds with: pulumi/pulumi sdk/go.mod), with the Go standard-library parsing that resolver relies on.

Line numbers cite go-yaml/yaml tag v3.0.1 (commit f6f7691b), resolve.go. The resolver is YAML 1.2-like,
not YAML 1.1 like PyYAML's: booleans are only true/false spellings, null is ~/null/empty, there is no
base-60 (`10:00` is a string), yet 1.1-style octals (`017`) are still ints.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

NULL, BOOL, STR, INT, FLOAT, TIMESTAMP, BINARY = (
    "!!null",
    "!!bool",
    "!!str",
    "!!int",
    "!!float",
    "!!timestamp",
    "!!binary",
)
_LONG_TAG_PREFIX = "tag:yaml.org,2002:"
_RESOLVABLE = {"", STR, BOOL, INT, FLOAT, NULL, TIMESTAMP}  # resolve.go:116-122

# resolve.go:52-58: the only spellings looked up verbatim (the resolve map).
_RESOLVE_MAP: dict[str, tuple[str, Any]] = {
    **{s: (BOOL, True) for s in ("true", "True", "TRUE")},
    **{s: (BOOL, False) for s in ("false", "False", "FALSE")},
    **{s: (NULL, None) for s in ("", "~", "null", "Null", "NULL")},
    **{s: (FLOAT, math.nan) for s in (".nan", ".NaN", ".NAN")},
    **{s: (FLOAT, math.inf) for s in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{s: (FLOAT, -math.inf) for s in ("-.inf", "-.Inf", "-.INF")},
}
# resolve.go:36-45: the first character decides what a plain scalar may be.
_HINTS = {**dict.fromkeys("+-", "S"), **dict.fromkeys("0123456789", "D"), **dict.fromkeys("yYnNtTfFoO~", "M")}
_HINTS["."] = "."
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")  # resolve.go:124
_INT64 = range(-(2**63), 2**63)
_UINT64_MAX = 2**64 - 1


class ResolveError(ValueError):
    """An explicitly tagged scalar that is not of its tag (yaml.v3 fails the whole document)."""


@dataclass(frozen=True)
class GoTime:
    """A timestamp as Go's time.Parse reads it with yaml.v3's layouts (resolve.go:294-326)."""

    text: str
    year: int
    month: int
    day: int
    hour: int = 0
    minute: int = 0
    second: int = 0
    fraction: str = ""  # the digits after the seconds' '.' or ','
    zone: str | None = None  # "Z" or "+hh:mm" as written; None when none was written (Go then uses UTC)

    def go_string(self) -> str | None:
        """Go's time.Time.String() of this instant as the CLI hands it on, or None where that depends on its
        machine: a zero offset reaches the second decoding as Z (RFC 3339 formatting), i.e. UTC, but with
        another offset time.Parse names the zone after the local one when their offsets agree, and Go
        releases differ on offsets beyond 24 hours and on more than 9 fractional digits."""
        if self.zone not in (None, "Z", "+00:00", "-00:00") or len(self.fraction) > 9:
            return None
        nanosecond = int(self.fraction.ljust(9, "0"))
        fraction = f".{nanosecond:09d}".rstrip("0") if nanosecond else ""
        return (
            f"{self.year:04d}-{self.month:02d}-{self.day:02d} "
            f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}{fraction} +0000 UTC"
        )


def short_tag(tag: str) -> str:
    """`tag:yaml.org,2002:int` -> `!!int` (resolve.go:96-104)."""
    return "!!" + tag[len(_LONG_TAG_PREFIX) :] if tag.startswith(_LONG_TAG_PREFIX) else tag


def resolve(tag: str, text: str) -> tuple[str, Any]:
    """The (short tag, value) yaml.v3 gives the plain scalar `text` written with tag `tag` ("" for none)
    (resolve.go:126-265). Ints are Python ints within int64/uint64; timestamps are GoTime."""
    tag = short_tag(tag)
    if tag not in _RESOLVABLE:
        return tag, text
    resolved_tag, value = (STR, text) if tag == STR else _resolve_untagged(text, try_timestamp=tag in ("", TIMESTAMP))
    if tag in ("", resolved_tag):
        return resolved_tag, value
    if tag == FLOAT and resolved_tag == INT:  # resolve.go:136-147: an int written as !!float
        return FLOAT, float(value)
    raise ResolveError(f"cannot decode {resolved_tag} `{text}` as a {tag}")  # resolve.go:150


def _resolve_untagged(text: str, try_timestamp: bool) -> tuple[str, Any]:
    hint = _HINTS.get(text[:1], "N" if not text else None)
    if hint is None:
        return STR, text
    if text in _RESOLVE_MAP:
        return _RESOLVE_MAP[text]
    if hint == ".":  # resolve.go:173-178
        number = _go_parse_float(text)
        return (FLOAT, number) if number is not None else (STR, text)
    if hint in "DS":  # resolve.go:180-259
        timestamp = parse_timestamp(text) if try_timestamp else None
        if timestamp is not None:
            return TIMESTAMP, timestamp
        plain = text.replace("_", "")
        integer = _go_parse_int(plain)
        if integer is None:
            integer = _go_parse_uint(plain)
        if integer is not None:
            return INT, integer
        if _YAML_STYLE_FLOAT.fullmatch(plain) and math.isfinite(number := float(plain)):
            return FLOAT, number  # strconv.ParseFloat fails (ErrRange) beyond float64: `1e400` stays a string
        # resolve.go:210-259 then retries 0b/-0b/0o/-0o with explicit bases: strconv.ParseInt with base 0
        # above already accepts exactly those spellings, so they resolve to nothing new.
    return STR, text


def _go_parse_uint(text: str, base: int = 0) -> int | None:
    """strconv.ParseUint: base 0 reads 0b/0o/0x prefixes and a bare leading 0 as octal."""
    if not text:
        return None
    if base == 0:
        base = 10
        if text[0] == "0":
            prefixed = {"b": 2, "o": 8, "x": 16}.get(text[1:2].lower()) if len(text) >= 3 else None
            base, text = (prefixed, text[2:]) if prefixed else (8, text[1:])
    value = 0
    for char in text:
        digit = int(char, 36) if char.isascii() and char.isalnum() else base
        if digit >= base:
            return None
        value = value * base + digit
    return value if value <= _UINT64_MAX else None


def _go_parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64): an optional sign, then ParseUint, within int64."""
    sign = -1 if text.startswith("-") else 1
    magnitude = _go_parse_uint(text[1:] if text.startswith(("+", "-")) else text)
    if magnitude is None or sign * magnitude not in _INT64:
        return None
    return sign * magnitude


_DOT_FLOAT = re.compile(r"\.[0-9_]*([eE][-+]?[0-9][0-9_]*)?")


def _go_parse_float(text: str) -> float | None:
    """strconv.ParseFloat of a scalar starting with '.': decimal digits, Go's underscore rule, finite."""
    if not _DOT_FLOAT.fullmatch(text) or not any(c.isdigit() for c in text.split("e")[0].split("E")[0]):
        return None
    if "_" in text and not _underscores_ok(text):
        return None
    number = float(text.replace("_", ""))
    return number if math.isfinite(number) else None


def _underscores_ok(text: str) -> bool:
    """strconv's underscoreOK for a number without base prefix: each '_' sits between two digits."""
    last = "^"
    for char in text:
        if char.isdigit():
            last = "0"
        elif char == "_":
            if last != "0":
                return False
            last = "_"
        else:
            if last == "_":
                return False
            last = "!"
    return last != "_"


# resolve.go:294-301 layouts; Go's time.Parse reads 1-2 digit fields, a run of spaces for the space,
# an optional fraction after '.' or ',', and Z or ±hh:mm.
_DATE = r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"
_CLOCK = r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{1,2}):(?P<second>[0-9]{1,2})(?:[.,](?P<fraction>[0-9]+))?"
_TIMESTAMP_LAYOUTS = (
    re.compile(rf"{_DATE}[Tt]{_CLOCK}(?P<zone>Z|[-+][0-9]{{2}}:[0-9]{{2}})"),
    re.compile(rf"{_DATE} +{_CLOCK}"),
    re.compile(_DATE),
)


def parse_timestamp(text: str) -> GoTime | None:
    """yaml.v3's parseTimestamp (resolve.go:306-326) with time.Parse's range checks."""
    for layout in _TIMESTAMP_LAYOUTS:
        match = layout.fullmatch(text)
        if match:
            return _checked_time(text, match.groupdict())
    return None


def _checked_time(text: str, fields: dict[str, str | None]) -> GoTime | None:
    number = {name: int(value) for name, value in fields.items() if value and name not in ("fraction", "zone")}
    year, month, day = number["year"], number["month"], number["day"]
    if not 1 <= month <= 12 or not 1 <= day <= _days_in(month, year):
        return None
    hour, minute, second = number.get("hour", 0), number.get("minute", 0), number.get("second", 0)
    if hour >= 24 or minute >= 60 or second >= 60:
        return None
    return GoTime(text, year, month, day, hour, minute, second, fields.get("fraction") or "", fields.get("zone"))


def _days_in(month: int, year: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
