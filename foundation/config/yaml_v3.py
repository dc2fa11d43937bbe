"""A YAML document decoded as Go's gopkg.in/yaml.v3 (v3.0.1) decodes it into `any`, as the Pulumi CLI
does with stack files.

PyYAML only parses (libyaml's events; yaml.v3's parser is a port of libyaml); the nodes, the resolution
of plain scalars (yaml_v3_scalars) and the decoding are yaml.v3's. Line numbers cite go-yaml/yaml tag
v3.0.1: the first document only (yaml.go:156-161), duplicate keys are errors (decode.go:767-781), merge
keys `<<` (decode.go:955-1000: the mapping's own keys win, then the first merged mapping), a mapping whose
keys are not all strings decodes with non-string keys (decode.go:786-795, 864-876), and excessive aliasing
is refused (decode.go:468-491).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from foundation.config.problems import PathPart
from foundation.config.yaml_v3_scalars import BINARY, STR, ResolveError, resolve, short_tag

Path = tuple[PathPart, ...]
_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)  # libyaml's parser when PyYAML was built with it
_MERGE = "!!merge"


class YamlV3Error(Exception):
    """The document is not one yaml.v3 decodes; `problems` holds (line, message) pairs."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {message}" for line, message in problems))


@dataclass(eq=False)
class Node:
    """A node as yaml.v3's parser builds it (decode.go:170-194, 224-249): a scalar's tag is the one written,
    else !!str when quoted, !!merge for a plain `<<`, else what its text resolves to."""

    kind: str  # "scalar" | "sequence" | "mapping" | "alias"
    line: int
    tag: str = ""
    value: str = ""  # a scalar's text, an alias's anchor name
    content: list[Node] = field(default_factory=list)
    target: Node | None = None  # an alias's anchored node

    @classmethod
    def scalar(cls, line: int, written_tag: str, value: str, quoted: bool) -> Node:
        if written_tag not in ("", "!"):
            tag = short_tag(written_tag)
        elif quoted:
            tag = STR
        else:
            tag = _MERGE if value == "<<" else resolve("", value)[0]
        return cls("scalar", line, tag, value)

    def short_tag(self) -> str:
        """Node.ShortTag (yaml.go:435-461)."""
        if self.kind == "alias" and self.target is not None:
            return self.target.short_tag()
        return self.tag or {"mapping": "!!map", "sequence": "!!seq"}.get(self.kind, "")

    def is_merge_key(self) -> bool:
        """isMerge (decode.go:998-1000)."""
        return self.kind == "scalar" and self.value == "<<" and self.tag == _MERGE


@dataclass
class Decoded:
    """The decoded document and the line each decoded value came from, keyed by its path."""

    value: Any
    lines: dict[Path, int]

    def line(self, path: Path) -> int:
        """The line of `path`, or of its nearest decoded ancestor."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


def decode(text: str) -> Decoded:
    """Decode the first YAML document of `text` as yaml.Unmarshal into `any` would (None when empty)."""
    decoder = _Decoder()
    try:
        root = _compose_first_document(text)
        value = None if root is None else decoder.unmarshal(root, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlV3Error([(line, f"not valid YAML: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise YamlV3Error([(1, f"not valid YAML: {exc}".replace("\n", " "))]) from None
    except RecursionError:
        raise YamlV3Error([(1, "the document nests too deeply to be read")]) from None
    if decoder.problems:
        raise YamlV3Error(decoder.problems)
    return Decoded(value, decoder.lines)


def _compose_first_document(text: str) -> Node | None:
    loader = _LOADER(text)
    try:
        loader.get_event()  # StreamStartEvent
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # DocumentStartEvent
        root = _compose(loader, {})
        loader.get_event()  # DocumentEndEvent: yaml.Unmarshal reads no further document
        return root
    finally:
        loader.dispose()


def _compose(loader: Any, anchors: dict[str, Node]) -> Node:
    event = loader.get_event()
    line = event.start_mark.line + 1
    if isinstance(event, yaml.AliasEvent):
        if event.anchor not in anchors:
            raise YamlV3Error([(line, f"unknown anchor '{event.anchor}' referenced")])
        return Node("alias", line, value=event.anchor, target=anchors[event.anchor])
    tag = event.tag if event.tag not in (None, "!") else ""
    if isinstance(event, yaml.ScalarEvent):
        node = Node.scalar(line, tag, event.value, quoted=event.style not in (None, ""))
    else:
        end = yaml.SequenceEndEvent if isinstance(event, yaml.SequenceStartEvent) else yaml.MappingEndEvent
        node = Node("sequence" if end is yaml.SequenceEndEvent else "mapping", line, short_tag(tag))
    if event.anchor is not None:
        anchors[event.anchor] = node  # registered before its content, as yaml.v3's parser does
    if node.kind != "scalar":
        while not loader.check_event(end):
            node.content.append(_compose(loader, anchors))
        loader.get_event()
    return node


class _Decoder:
    def __init__(self) -> None:
        self.lines: dict[Path, int] = {}
        self.problems: list[tuple[int, str]] = []
        self.decodes = self.alias_decodes = self.alias_depth = 0
        self.expanding: set[int] = set()

    def fail(self, line: int, message: str) -> None:
        """yaml.v3's failf: the decoding stops here."""
        self.problems.append((line, message))
        raise YamlV3Error(self.problems)

    def unmarshal(self, node: Node, path: Path) -> Any:
        self.decodes += 1
        self.alias_decodes += self.alias_depth > 0
        aliased = self.alias_decodes / self.decodes
        if self.alias_decodes > 100 and self.decodes > 1000 and aliased > _allowed_alias_ratio(self.decodes):
            self.fail(node.line, "document contains excessive aliasing")
        self.lines[path] = node.line
        if node.kind == "alias":
            return self._alias(node, path)
        if node.kind == "scalar":
            return self._scalar(node)
        if node.kind == "sequence":
            return [self.unmarshal(item, (*path, index)) for index, item in enumerate(node.content)]
        out: dict[Any, Any] = {}
        self._mapping(node, path, out, all(k.short_tag() in (STR, _MERGE) for k in node.content[::2]), None)
        return out

    def _alias(self, node: Node, path: Path) -> Any:
        assert node.target is not None
        if id(node.target) in self.expanding:
            self.fail(node.line, f"anchor '{node.value}' value contains itself")
        self.expanding.add(id(node.target))
        self.alias_depth += 1
        try:
            return self.unmarshal(node.target, path)
        finally:
            self.alias_depth -= 1
            self.expanding.discard(id(node.target))

    def _scalar(self, node: Node) -> Any:
        if node.tag == STR:  # Node.indicatedString (yaml.go:463-467)
            return node.value
        try:
            tag, value = resolve(node.tag, node.value)
        except ResolveError as exc:
            self.fail(node.line, str(exc))
        if tag == BINARY:
            self.fail(node.line, "!!binary values are not supported in stack files: write the text itself")
        return value

    def _key(self, node: Node, string_keys: bool) -> Any:
        self.decodes += 1
        scalar = node.target if node.kind == "alias" else node
        if scalar is None or scalar.kind != "scalar":
            self.fail(node.line, "a mapping or sequence cannot be a key (invalid map key)")
        assert scalar is not None
        if string_keys:
            return scalar.value  # decoded into a string: the text as written (decode.go:611-616)
        return self._scalar(scalar)

    def _mapping(self, node: Node, path: Path, out: dict[Any, Any], string_keys: bool, merged: set[Any] | None) -> None:
        pairs = list(zip(node.content[::2], node.content[1::2], strict=True))
        for index, (key, _) in enumerate(pairs):
            for other, _ in pairs[index + 1 :]:
                if key.kind == other.kind and key.value == other.value:
                    self.problems.append((other.line, f"mapping key {key.value!r} already defined at line {key.line}"))
        merge_source = None
        for key_node, value_node in pairs:
            if key_node.is_merge_key():
                merge_source = value_node
                continue
            key = self._key(key_node, string_keys)
            if merged is not None:
                if key in merged:
                    continue
                merged.add(key)
            out[key] = self.unmarshal(value_node, (*path, key))
        if merge_source is not None:
            self._merge(node, merge_source, path, out, string_keys, merged)

    def _merge(
        self, parent: Node, source: Node, path: Path, out: dict[Any, Any], string_keys: bool, merged: set[Any] | None
    ) -> None:
        if merged is None:
            merged = {self._key(key, False) for key in parent.content[::2]}
        sources = source.content if source.kind == "sequence" else [source]
        for item in sources:
            mapping = item.target if item.kind == "alias" else item
            if mapping is None or mapping.kind != "mapping":
                self.fail(item.line, "map merge requires map or sequence of maps as the value")
            assert mapping is not None
            self._mapping(mapping, path, out, string_keys, merged)


def _allowed_alias_ratio(decodes: int) -> float:
    """decode.go:468-482: up to 99% of small documents may come from aliases, 10% of huge ones."""
    low, high = 400_000, 4_000_000
    if decodes <= low:
        return 0.99
    if decodes >= high:
        return 0.10
    return 0.99 - 0.89 * (decodes - low) / (high - low)
