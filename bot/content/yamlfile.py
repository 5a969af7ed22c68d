"""YAML loading that remembers where each value came from, so content problems
can be reported as file:line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[Any, ...]
# libyaml's parser, when PyYAML was built with it, reads the content several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlFile:
    path: Path
    data: Any
    lines: dict[Path_, int]  # key path -> 1-based line

    def line(self, *keys: Any) -> int:
        """Line of the deepest known prefix of `keys` (1 when the file is empty)."""
        for end in range(len(keys), -1, -1):
            if keys[:end] in self.lines:
                return self.lines[keys[:end]]
        return 1


class YamlError(Exception):
    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


def load_yaml(path: Path) -> YamlFile:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(path, 1, f"not UTF-8 text ({exc.reason})") from None
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(path, mark.line + 1 if mark else 1, f"invalid YAML: {exc.problem}") from None
    lines: dict[Path_, int] = {}
    scalars = yaml.SafeLoader("")  # resolves scalars (dates, numbers) the way yaml.safe_load does
    data = _convert(node, (), lines, path, scalars) if node is not None else None
    return YamlFile(path, data, lines)


def _convert(node: yaml.Node, at: Path_, lines: dict[Path_, int], path: Path, scalars: yaml.SafeLoader) -> Any:
    lines[at] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = scalars.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, (str, int)):
                raise YamlError(path, key_node.start_mark.line + 1, "keys must be plain words")
            key = str(key)
            if key in out:
                raise YamlError(path, key_node.start_mark.line + 1, f"duplicate key {key!r}")
            out[key] = _convert(value_node, (*at, key), lines, path, scalars)
            lines[(*at, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*at, i), lines, path, scalars) for i, item in enumerate(node.value)]
    return scalars.construct_object(node)
