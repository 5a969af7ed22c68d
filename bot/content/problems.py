"""What the content check reports, and the helpers both the loader and the wording use.

`Collector` gathers every problem with its file and line instead of stopping at the first, and
reads the YAML files, reporting a missing or broken file as a problem too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.content.yamlfile import YamlError, YamlFile, load_yaml


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class Collector:
    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self.loaded: dict[Path, YamlFile] = {}  # every file read well, for checks that look across files

    def add(self, file: YamlFile | Path, line: int, message: str) -> None:
        path = file.path if isinstance(file, YamlFile) else file
        try:
            shown = str(path.relative_to(self.root.parent))
        except ValueError:
            shown = str(path)
        self.problems.append(Problem(shown, line, message))

    def read(self, path: Path, kind: type = dict) -> YamlFile | None:
        if not path.exists():
            self.add(path, 1, "file is missing")
            return None
        try:
            yf = load_yaml(path)
        except YamlError as exc:
            self.add(path, exc.line, exc.message)
            return None
        if yf.data is None:
            yf.data = kind()
        if not isinstance(yf.data, kind):
            self.add(yf, 1, f"expected a {'mapping' if kind is dict else 'list'} at the top level")
            return None
        self.loaded[path] = yf
        return yf

    def read_folder(self, folder: Path) -> list[YamlFile]:
        if not folder.is_dir():
            self.add(folder, 1, "folder is missing")
            return []
        files = [self.read(path) for path in sorted(folder.glob("*.yaml"))]
        return [f for f in files if f is not None]


def items(c: Collector, files: list[YamlFile], what: str):
    """(file, key, value) over several files; a key defined twice is reported."""
    seen: dict[str, YamlFile] = {}
    for yf in files:
        for key, value in yf.data.items():
            if key in seen:
                c.add(yf, yf.line(key), f"{what} {key!r} is already defined in {seen[key].path.name}")
                continue
            seen[key] = yf
            yield yf, key, value


def unknown_keys(c: Collector, yf: YamlFile, at: tuple, data: dict, allowed: frozenset, what: str) -> None:
    for key in data:
        if key not in allowed:
            c.add(yf, yf.line(*at, key), f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})")
