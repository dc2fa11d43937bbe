"""`Pulumi.<stack>.yaml` read as the Pulumi CLI reads it, down to the config text the program is handed.

Sources: pulumi/pulumi at 1b594989 (2026-08-21). sdk/go/common/workspace/loaders.go LoadProjectStackBytes
(173-233) strips a UTF-8 BOM (30-49), decodes the file with yaml.v3 into `any` (yaml_v3), requires string
keys throughout (workspace/project.go SimplifyMarshalledValue, 520-552), prefixes bare config keys with the
project's name (61-89), then re-encodes and decodes the document into ProjectStack (project.go 1229). Each
config value becomes a config.Value (resource/config/value.go 238-245, object.go UnmarshalYAML 455-463 and
unmarshalObject 467-527: a timestamp becomes Go's time.Time.String(); a map {secure: <string>} is a secret,
541-550). The engine hands the program one text per key (map.go Decrypt 31-68, plaintext.go marshalText
256-268): a string as it is, anything else as Go encoding/json text. JSON has no infinity or NaN, so
`.inf` or `.nan` anywhere in config makes the CLI reject the stack. Values round-trip exactly through the
re-encoding (yaml.v3 quotes every string that would resolve to something else, encode.go 324-363).
"""

from __future__ import annotations

import codecs
import json
import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from foundation.config.errors import ConfigError
from foundation.config.problems import PathPart, format_path
from foundation.config.yaml_v3 import Decoded, YamlV3Error, decode
from foundation.config.yaml_v3_scalars import GoTime

OFFLINE_SECRET = "[secret]"  # what the offline preview hands the program for an encrypted value
_SECRET_WORDS = {"password", "passwd", "passphrase", "secret", "token", "credentials", "apikey"}
_SECRET_WORD_PAIRS = {("secret", "key"), ("private", "key"), ("api", "key")}
_KINDS = {bool: "a boolean", int: "an integer", float: "a number", GoTime: "a timestamp", type(None): "null"}


def read_stack_file(path: Path, project: str) -> dict[str, str]:
    """The text the Pulumi CLI would hand the program for each config key of the stack file `path`,
    keyed as the CLI keys them (`<namespace>:<name>`). Raises ConfigError with one line per problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{path.name}: cannot be read ({exc.strerror})"]) from None
    try:
        decoded = decode(_text(data, path.name))
    except YamlV3Error as exc:
        raise ConfigError([f"{path.name} line {line}: {message}" for line, message in exc.problems]) from None
    return _StackReader(path.name, project, decoded).config_texts()


def names_a_secret(key: str) -> bool:
    """Whether a key's name says it holds a secret: it ends in password, token, secret, credentials,
    passphrase, secret key, private key or API key (snake_case, kebab-case or camelCase)."""
    words = [w.lower() for w in re.split(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])", key) if w]
    return bool(words) and (words[-1] in _SECRET_WORDS or tuple(words[-2:]) in _SECRET_WORD_PAIRS)


def go_json_float(value: float) -> str:
    """Go encoding/json's text of a finite float64 (encode.go floatEncoder): the shortest digits, in
    exponent form below 1e-6 and from 1e21 (with e-07 shortened to e-7), positional otherwise."""
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        return re.sub(r"e-0(\d)$", r"e-\1", repr(value))  # repr: shortest digits, exponent form here
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _text(data: bytes, name: str) -> str:
    if data.startswith(codecs.BOM_UTF8):  # loaders.go:37-46
        data = data[len(codecs.BOM_UTF8) :]
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8"
    try:  # yaml.v3 readerc.go 59-66 (BOMs), 200-275 ("invalid leading UTF-8 octet" and friends)
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            [
                f"{name} line {line}: not valid {encoding.upper()} (byte 0x{data[exc.start]:02x}), which the "
                "Pulumi CLI refuses: save the file as UTF-8"
            ]
        ) from None


def _is_secure(value: Any) -> bool:
    """object.go isSecureValue: a map with the single key `secure` holding a string."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("secure"), str)


def _secret_free(value: Any) -> bool:
    """Nothing in clear: an encrypted value, nothing, or a container of only those."""
    if _is_secure(value) or value is None:
        return True
    if isinstance(value, dict):
        return all(_secret_free(v) for v in value.values())
    return isinstance(value, list) and all(_secret_free(v) for v in value)


class _StackReader:
    def __init__(self, name: str, project: str, decoded: Decoded):
        self.name, self.project, self.decoded = name, project, decoded
        self.problems: list[str] = []

    def problem(self, where: tuple[PathPart, ...], shown: str, message: str) -> None:
        self.problems.append(f"{self.name} line {self.decoded.line(where)}: {shown}: {message}")

    def config_texts(self) -> dict[str, str]:
        document = self.decoded.value
        self._require_string_keys(document, ())
        config: Any = {}
        if isinstance(document, dict):
            config = {} if document.get("config") is None else document["config"]
            if "environment" in document:
                self.problem(
                    ("environment",),
                    "environment",
                    "Pulumi ESC environments are resolved by Pulumi Cloud, which the offline preview cannot "
                    "reach, so it would miss their values: run `pulumi preview` for this stack",
                )
        elif document is not None:
            self.problem((), "(root)", "a stack file must be a mapping holding a `config:` mapping")
        if not isinstance(config, dict):
            self.problem(("config",), "config", "must be a mapping of config keys to values")
            config = {}
        texts: dict[str, str] = {}
        for raw_key, value in config.items():
            if isinstance(raw_key, str):
                self._add(texts, raw_key, value)
        if self.problems:
            raise ConfigError(self.problems)
        return texts

    def _add(self, texts: dict[str, str], raw_key: str, value: Any) -> None:
        where = ("config", raw_key)
        key = self._config_key(raw_key)
        if key is None:
            self.problem(where, raw_key, "not a config key the Pulumi CLI accepts: write `<namespace>:<name>`")
        elif key in texts:
            self.problem(where, raw_key, f"names the config key {key} a second time: keep one of them")
        else:
            self._require_encrypted_secrets(key, value, where, ())
            texts[key] = self._program_text(key, value, where)

    def _config_key(self, raw_key: str) -> str | None:
        """loaders.go 61-89 (bare keys are the project's), then config.ParseKey (key.go 42-66)."""
        parts = raw_key.split(":")
        if len(parts) == 1:
            return f"{self.project}:{raw_key}"
        if len(parts) == 2:
            return raw_key
        return f"{parts[0]}:{parts[2]}" if len(parts) == 3 and parts[1] == "config" else None

    def _require_string_keys(self, value: Any, where: tuple[PathPart, ...]) -> None:
        """project.go SimplifyMarshalledValue: every mapping key of the document must be a string."""
        if isinstance(value, list):
            for index, item in enumerate(value):
                self._require_string_keys(item, (*where, index))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    self._require_string_keys(item, (*where, key))
                    continue
                written = key.text if isinstance(key, GoTime) else json.dumps(key)
                self.problem(
                    (*where, key),
                    format_path(where[1:] if where[:1] == ("config",) and where[1:] else where),  # keys as written
                    f"the key {written} reads as {_KINDS[type(key)]}, and the Pulumi CLI accepts only string "
                    f'keys: quote it ("{written}")',
                )

    def _require_encrypted_secrets(
        self, key: str, value: Any, where: tuple[PathPart, ...], sub: tuple[PathPart, ...]
    ) -> None:
        name = sub[-1] if sub else key.split(":", 1)[1]
        if isinstance(name, str) and names_a_secret(name) and not _secret_free(value):
            self.problem(
                (*where, *sub),
                format_path((key, *sub)),
                "its name says it holds a secret, so it must be encrypted (`secure:`), not plain text: set it "
                f"with `pulumi config set --secret {'--path ' if sub else ''}'{format_path((key, *sub))}' <value>`",
            )
        elif isinstance(value, dict) and not _is_secure(value):
            for child_key, child in value.items():
                self._require_encrypted_secrets(key, child, where, (*sub, child_key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                self._require_encrypted_secrets(key, child, where, (*sub, index))

    def _program_text(self, key: str, value: Any, where: tuple[PathPart, ...]) -> str:
        """The text of one key as the program's pulumi.Config reads it (a null value reads as "")."""
        program = self._program_value(key, value, where, ())
        if value is None or isinstance(program, str):
            return program or ""
        if isinstance(value, bool | int):
            return json.dumps(value)
        if isinstance(value, float):
            return go_json_float(value) if math.isfinite(value) else ""
        return json.dumps(program, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    def _program_value(self, key: str, value: Any, where: tuple[PathPart, ...], sub: tuple[PathPart, ...]) -> Any:
        """The value as json.loads reads the CLI's JSON of it (what Config.require_object returns)."""
        shown = format_path((key, *sub))
        if isinstance(value, float) and not math.isfinite(value):
            what = "NaN" if math.isnan(value) else "infinity"
            self.problem(
                (*where, *sub),
                shown,
                f"reads as {what}, which JSON cannot carry, so the Pulumi CLI rejects the stack: write a finite number",
            )
            return None
        if isinstance(value, float):
            return json.loads(go_json_float(value))  # 500.0 is sent as 500: an int to the program
        if isinstance(value, GoTime):
            text = value.go_string()
            if text is None:
                self.problem(
                    (*where, *sub),
                    shown,
                    f"{value.text} reads as a timestamp, which the Pulumi CLI hands on as Go time text that here "
                    "depends on its machine's time zone or Go version: "
                    f'quote it ("{value.text}") to keep it as written',
                )
            return text
        if _is_secure(value):
            return OFFLINE_SECRET
        if isinstance(value, dict):  # a non-string key has its own problem line already
            return {k: self._program_value(key, v, where, (*sub, k)) for k, v in value.items() if isinstance(k, str)}
        if isinstance(value, list):
            return [self._program_value(key, v, where, (*sub, i)) for i, v in enumerate(value)]
        return value
