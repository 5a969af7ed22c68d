"""The layering of app/, handlers/, bot/ and sandbox/, held by import-linter's contracts in
pyproject.toml ([tool.importlinter]): they hold on the code, and each of them bites when the code
breaks it on purpose.

import-linter's Python API (importlinter.api) only reads the configuration, so the contracts run
through its command line, the lint-imports of this interpreter's virtual environment."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("app", "bot", "handlers", "sandbox")
CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {contract["id"]: contract["name"] for contract in CONFIG["contracts"]}


def tree(folder: Path) -> Path:
    """The four packages and pyproject.toml, copied into `folder` with nothing beside them.

    Nothing beside them, because grimp (3.20, under import-linter) reads a root package from a
    module of the same name next to it when there is one: in the repository it would take the
    entry point bot.py (`from app.cli import main`) for bot/__init__.py, and report bot -> app."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, folder / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", folder)
    return folder


def lint(folder: Path) -> subprocess.CompletedProcess:
    """lint-imports on `folder`. No cache: each folder is linted once, and a cache would be written
    into it. Wide, plain output, so an import chain is never wrapped or coloured in two."""
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "PYTHONPATH")}
    env.update(COLUMNS="300", NO_COLOR="1")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def section(report: str, name: str) -> str:
    """What the report says under a broken contract's heading (its name, underlined with dashes)."""
    lines = [line.strip() for line in report.splitlines()]
    headings = [i for i in range(len(lines) - 1) if lines[i] and lines[i + 1] == "-" * len(lines[i])]
    for n, i in enumerate(headings):
        if lines[i] == name:
            end = headings[n + 1] if n + 1 < len(headings) else len(lines)
            return "\n".join(lines[i + 2 : end])
    return ""


def test_the_contracts_hold_on_the_code(tmp_path):
    result = lint(tree(tmp_path))
    assert result.returncode == 0, f"import-linter says:\n{result.stdout}{result.stderr}"
    for name in CONTRACTS.values():
        assert f"{name} KEPT" in result.stdout


# file to add (or to add a line to): its code, and for each contract it must break, what its report must name
VIOLATIONS = {
    "bot imports telegram": (
        "bot/store/violation.py",
        "from telegram.ext import Application\n",
        {"bot-core": "bot.store.violation -> telegram"},
    ),
    "bot imports handlers": (
        "bot/ui/violation.py",
        "from handlers import screens\n",
        {"bot-core": "bot.ui.violation -> handlers.screens", "top-layers": "bot.ui.violation -> handlers.screens"},
    ),
    "handlers import sandbox": (
        "handlers/violation.py",
        "from sandbox import emulator\n",
        {
            "handlers-below-app": "handlers.violation -> sandbox.emulator",
            "sandbox-only-for-app": "handlers.violation -> sandbox.emulator",
        },
    ),
    "handlers import app": (
        "handlers/violation.py",
        "from app import health\n",
        {"handlers-below-app": "handlers.violation -> app.health", "top-layers": "handlers.violation -> app.health"},
    ),
    "sandbox imports bot": (
        "sandbox/violation.py",
        "from bot.store import migrations\n",
        {"sandbox-stands-alone": "sandbox.violation -> bot.store.migrations"},
    ),
    # bot.guide already builds on bot.ui, so bot.ui importing bot.guide closes a cycle.
    "a cycle between bot packages": (
        "bot/ui/violation.py",
        "from bot.guide import navigation\n",
        {"bot-acyclic": ".ui -> .guide", "bot-layers": "bot.ui.violation -> bot.guide.navigation"},
    ),
    # An existing module gains the line: bot.ui.forms already builds on bot.ui.screens.
    "a cycle between two modules of one bot package": (
        "bot/ui/screens.py",
        "from bot.ui import forms\n",
        {"bot-acyclic": ".screens -> .forms"},
    ),
    "a lower bot layer imports a higher one": (
        "bot/store/violation.py",
        "from bot.reports import survey\n",
        {"bot-layers": "bot.store.violation -> bot.reports.survey"},
    ),
    "siblings in one bot layer import each other": (
        "bot/stats/violation.py",
        "from bot.broadcasts import composer\n",
        {"bot-layers": "bot.stats.violation -> bot.broadcasts.composer"},
    ),
    "a new bot package without a layer": (
        "bot/newfeature/__init__.py",
        "",
        {"bot-layers": "bot.newfeature"},
    ),
}


@pytest.mark.parametrize("case", VIOLATIONS)
def test_a_contract_breaks_when_the_code_breaks_it(tmp_path, case):
    path, code, broken = VIOLATIONS[case]
    folder = tree(tmp_path)
    (folder / path).parent.mkdir(exist_ok=True)
    before = (folder / path).read_text() if (folder / path).exists() else ""
    (folder / path).write_text(before + code)
    result = lint(folder)
    assert result.returncode == 1, f"import-linter says:\n{result.stdout}{result.stderr}"
    for contract, named in broken.items():
        name = CONTRACTS[contract]
        assert f"{name} BROKEN" in result.stdout, result.stdout
        assert named in section(result.stdout, name), f"{contract} does not name {named!r}:\n{result.stdout}"


def test_every_contract_is_shown_to_bite():
    """A contract that no case breaks could be a typo that checks nothing."""
    assert {contract for _, _, broken in VIOLATIONS.values() for contract in broken} == set(CONTRACTS)


def test_every_bot_layer_may_import_bot_config_and_the_version(tmp_path):
    """bot.config and bot/__init__ are no layer: the lowest layer may import them too."""
    folder = tree(tmp_path)
    (folder / "bot/store/violation.py").write_text("from bot import __version__, config\n")
    result = lint(folder)
    assert "bot.store.violation" not in result.stdout, result.stdout
