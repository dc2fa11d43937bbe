"""The stack file as the Pulumi CLI reads it, side by side with PyYAML's YAML 1.1 reading (what the offline
preview used before). Sources: go-yaml/yaml tag v3.0.1 (the version pulumi/pulumi's sdk/go.mod pins) and
pulumi/pulumi at 1b594989; the files and lines are cited per row and in foundation/config/stack_yaml.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from foundation.config import PLATFORM_KEY, ConfigError
from foundation.config.loader import platform_object, read_stack_config
from foundation.config.stack_yaml import OFFLINE_SECRET, go_json_float, names_a_secret, read_stack_file
from tests.conftest import REPO


@dataclass(frozen=True)
class Rejected:
    """The reading is an error; `says` is part of its message."""

    says: str


@dataclass(frozen=True)
class Reading:
    body: str | bytes  # the lines under `config.wedsync-platform:platform`, i.e. what the program reads
    pyyaml: Any  # yaml.safe_load's value of `value` (an exception class: it raises)
    cli: Any  # the program's value of `value` under the Pulumi CLI, or Rejected
    source: str


READINGS = [
    Reading("value: 10:00", 600, "10:00", "resolve.go:165-167 no base 60; 180-264 not int/float/timestamp: !!str"),
    Reading("value: 09:00", "09:00", "09:00", "resolve.go:192 ParseInt base 0 fails ('9' is not octal): !!str"),
    Reading("value: 20:00", 1200, "20:00", "as 10:00; PyYAML pairs it with 09:00 into a traceback"),
    Reading("value: 017", 15, 15, "resolve.go:192 strconv.ParseInt(s, 0, 64): a leading 0 is octal (233-236)"),
    Reading("value: 0o17", "0o17", 15, "resolve.go:192 ParseInt base 0 reads the 0o prefix (237-249 agree)"),
    Reading("value: 08", "08", 8, "resolve.go:192 ParseInt fails, 204-208 yamlStyleFloat matches: 8.0, sent as 8"),
    Reading("value: on", True, "on", "resolve.go:52-53 only true/True/TRUE, false/False/FALSE are bools"),
    Reading("value: yes", True, "yes", "resolve.go:52-53, 169-171 ('M' hint, not in the map): !!str"),
    Reading("value: ~", None, None, "resolve.go:54 '', ~, null, Null, NULL"),
    Reading(
        "value: 2026-05-01",
        date(2026, 5, 1),
        "2026-05-01 00:00:00 +0000 UTC",
        "resolve.go:184-189, 294-326 time.Time; pulumi object.go:490-491 time.Time.String()",
    ),
    Reading(
        "value: 2026-05-01 10:00:00.5",
        datetime(2026, 5, 1, 10, 0, 0, 500000),
        "2026-05-01 10:00:00.5 +0000 UTC",
        "resolve.go:297 'space separated with no time zone' is UTC",
    ),
    Reading(
        "value: 2026-05-01T10:00:00+02:00",
        datetime(2026, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=2))),
        Rejected("depends on its machine's time zone or Go version"),
        "resolve.go:295; Go time.Parse names the offset after the local zone if they agree",
    ),
    Reading("value: .inf", math.inf, Rejected("reads as infinity"), "resolve.go:56; object.go:434-436 json.Marshal"),
    Reading("value: -.inf", -math.inf, Rejected("reads as infinity"), "resolve.go:58; encoding/json has no Inf"),
    Reading("value: .nan", math.nan, Rejected("reads as NaN"), "resolve.go:55; encoding/json has no NaN"),
    Reading("value: 1e400", "1e400", "1e400", "resolve.go:204-209 ParseFloat fails (ErrRange): !!str"),
    Reading("value: 1e3", "1e3", 1000, "resolve.go:204-208 float 1000; encoding/json writes 1000"),
    Reading("value: 1.0", 1.0, 1, "encoding/json writes 1 (object.go:434-436): an int to the program"),
    Reading("value: 1_000", 1000, 1000, "resolve.go:191 underscores are dropped first"),
    Reading("value: 0x1F", 31, 31, "resolve.go:192 ParseInt base 0 reads 0x"),
    Reading("value: 1:30", 90, "1:30", "resolve.go:165-167 no base 60"),
    Reading(
        "value: 123456789012345678901234",
        123456789012345678901234,
        1.2345678901234568e23,
        "resolve.go:192-203 beyond int64/uint64, 204-208 a float64",
    ),
    Reading("value: {a: 1, 1: b}", {"a": 1, 1: "b"}, Rejected("the key 1 reads as an integer"), "project.go:520-552"),
    Reading(
        "value: {<<: {a: 1, b: 2}, b: 3}",
        {"a": 1, "b": 3},
        {"a": 1, "b": 3},
        "decode.go:840-857, 959-996 merge keys; the mapping's own keys win",
    ),
    Reading(
        "value: 1\n    value: 2",
        2,
        Rejected("mapping key 'value' already defined at line 3"),
        "decode.go:769-781 uniqueKeys",
    ),
    Reading(b"value: caf\xe9", yaml.YAMLError, Rejected("not valid UTF-8 (byte 0xe9)"), "readerc.go:208-216"),
]


def _document(body: str | bytes) -> bytes:
    text = body if isinstance(body, bytes) else body.encode()
    return f"config:\n  {PLATFORM_KEY}:\n    ".encode() + text + b"\n"


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    return type(actual) is type(expected) and actual == expected


@pytest.mark.parametrize("reading", READINGS, ids=[r.body if isinstance(r.body, str) else "utf8" for r in READINGS])
def test_each_value_reads_as_the_pulumi_cli_reads_it(reading: Reading, tmp_path: Path) -> None:
    document = _document(reading.body)
    if isinstance(reading.pyyaml, type):
        with pytest.raises(reading.pyyaml):
            yaml.safe_load(document)
    else:
        assert _same(yaml.safe_load(document)["config"][PLATFORM_KEY]["value"], reading.pyyaml)

    (tmp_path / "Pulumi.table.yaml").write_bytes(document)
    if isinstance(reading.cli, Rejected):
        with pytest.raises(ConfigError) as caught:
            read_stack_config(tmp_path, "table")
        assert len(caught.value.lines) == 1
        assert reading.cli.says in caught.value.lines[0], reading.source
        assert caught.value.lines[0].startswith("Pulumi.table.yaml line ")
    else:
        assert _same(platform_object(read_stack_config(tmp_path, "table"))["value"], reading.cli), reading.source


def _texts(tmp_path: Path, document: str | bytes) -> dict[str, str]:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_bytes(document if isinstance(document, bytes) else document.encode())
    return read_stack_file(path, "wedsync-platform")


def _problems(tmp_path: Path, document: str | bytes) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        _texts(tmp_path, document)
    return caught.value.lines


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_shipped_stacks_read_the_same_either_way(stack: str) -> None:
    # Hence the plan snapshots did not move when the preview switched readers.
    document = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    assert platform_object(read_stack_config(REPO, stack)) == document["config"][PLATFORM_KEY]


def test_top_level_values_are_handed_on_as_text_and_bare_keys_belong_to_the_project(tmp_path: Path) -> None:
    # loaders.go:61-89 namespacing; value.go/map.go: scalars as their JSON text, strings as they are.
    texts = _texts(
        tmp_path,
        "config:\n  aws:region: us-east-1\n  count: 017\n  ratio: 1e-7\n  big: 1e21\n  on: yes\n"
        "  when: 2026-05-01\n  empty:\n  wedsync-platform:config:legacy: true\n  nested: {b: [1, 2.5], a: null}\n",
    )
    assert texts == {
        "aws:region": "us-east-1",
        "wedsync-platform:count": "15",
        "wedsync-platform:ratio": "1e-7",
        "wedsync-platform:big": "1e+21",
        "wedsync-platform:on": "yes",
        "wedsync-platform:when": "2026-05-01 00:00:00 +0000 UTC",
        "wedsync-platform:empty": "",  # loaders.go:359-378: a null top-level value is ""
        "wedsync-platform:legacy": "true",  # key.go: <namespace>:config:<name>
        "wedsync-platform:nested": '{"a":null,"b":[1,2.5]}',
    }


@pytest.mark.parametrize(
    ("value", "go"),
    [
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        (1e-10, "1e-10"),
        (0.000001, "0.000001"),
        (123.0, "123"),
        (-0.0, "-0"),
        (0.1, "0.1"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
    ],
)
def test_floats_are_written_as_go_encoding_json_writes_them(value: float, go: str) -> None:
    assert go_json_float(value) == go


def test_the_same_key_twice_through_namespacing_is_an_error(tmp_path: Path) -> None:
    lines = _problems(tmp_path, f"config:\n  platform: {{}}\n  {PLATFORM_KEY}: {{}}\n")
    assert lines == [
        f"Pulumi.x.yaml line 3: {PLATFORM_KEY}: names the config key {PLATFORM_KEY} a second time: keep one of them"
    ]


def test_merges_keep_the_mappings_own_keys_then_the_first_source(tmp_path: Path) -> None:
    texts = _texts(
        tmp_path,
        "pools:\n  a: &a {size: 1, spot: false}\n  b: &b {size: 2, zone: x}\n"
        "config:\n  pool: {<<: [*a, *b], spot: true}\n",
    )
    assert texts["wedsync-platform:pool"] == '{"size":1,"spot":true,"zone":"x"}'


def test_encrypted_values_stay_secret_offline(tmp_path: Path) -> None:
    # object.go:541-550 {secure: <string>} is a ciphertext; offline it reads as the CLI's blinding
    # decrypter shows it (crypt.go:85-96).
    texts = _texts(tmp_path, "config:\n  aws:secretKey: {secure: v1:abc}\n  db: {password: {secure: v1:def}}\n")
    assert texts == {"aws:secretKey": OFFLINE_SECRET, "wedsync-platform:db": f'{{"password":"{OFFLINE_SECRET}"}}'}


def test_keys_named_like_secrets_must_be_encrypted(tmp_path: Path) -> None:
    lines = _problems(
        tmp_path,
        "config:\n  aws:secretKey: abc\n  db:\n    users: [{name: a, api_token: t0}]\n    password: {secure: v1:x}\n",
    )
    assert lines == [
        "Pulumi.x.yaml line 2: aws:secretKey: its name says it holds a secret, so it must be encrypted (`secure:`), "
        "not plain text: set it with `pulumi config set --secret 'aws:secretKey' <value>`",
        "Pulumi.x.yaml line 4: wedsync-platform:db.users[0].api_token: its name says it holds a secret, so it must "
        "be encrypted (`secure:`), not plain text: set it with "
        "`pulumi config set --secret --path 'wedsync-platform:db.users[0].api_token' <value>`",
    ]


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("dbPassword", True),
        ("api_token", True),
        ("secretKey", True),
        ("private-key", True),
        ("gcp_credentials", True),
        ("APIKey", True),
        ("secrets_provider", False),
        ("token_ttl", False),
        ("secret_arn", False),
        ("kms_key_id", False),
        ("acme_email", False),
    ],
)
def test_which_names_say_secret(name: str, secret: bool) -> None:
    assert names_a_secret(name) is secret


def test_no_key_of_the_shipped_stacks_holds_a_secret_today() -> None:
    def keys(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [k for k, v in value.items() for k in (k, *keys(v))]
        return [k for v in value for k in keys(v)] if isinstance(value, list) else []

    for stack in ("staging", "prod"):
        names = keys(platform_object(read_stack_config(REPO, stack)))
        assert "worker" in names and not [n for n in names if names_a_secret(n)]


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ("config: [a]\n", "line 1: config: must be a mapping of config keys to values"),
        ("- a\n", "line 1: (root): a stack file must be a mapping"),
        ("config:\n  a:b:c: 1\n", "line 2: a:b:c: not a config key the Pulumi CLI accepts"),
        ("environment: [prod]\nconfig: {}\n", "line 1: environment: Pulumi ESC environments"),
        ("config:\n  a: [\n", "line 3: not valid YAML"),
        ("config:\n  a: *nowhere\n", "line 2: unknown anchor 'nowhere' referenced"),
        ("config:\n  a: !!int ten\n", "line 2: cannot decode !!str `ten` as a !!int"),
        ("config:\n  a: &x [*x]\n", "line 2: anchor 'x' value contains itself"),
        ("config:\n  {2026-05-01: a}\n", "line 2: config: the key 2026-05-01 reads as a timestamp"),
        (b"\xff\xfec\x00o\x00n\x00f\x00i\x00g\x00:\x00 \x00[\x00]\x00", "config: must be a mapping"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcde", "bcdef", strict=True)),
            "document contains excessive aliasing",
        ),
    ],
)
def test_documents_the_cli_refuses_give_a_line_each(tmp_path: Path, document: str | bytes, says: str) -> None:
    lines = _problems(tmp_path, document)
    assert len(lines) == 1 and says in lines[0], lines


def test_a_bom_is_dropped_and_only_the_first_document_is_read(tmp_path: Path) -> None:
    texts = _texts(tmp_path, b"\xef\xbb\xbfconfig:\n  a: 1\n---\nconfig:\n  b: [\n")
    assert texts == {"wedsync-platform:a": "1"}
