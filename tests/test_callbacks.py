"""Callback data: every feature's prefix is claimed once, in bot/ui/callbacks.py, and the
application routes each to exactly one handler."""

import ast
import re

import pytest
from telegram.ext import CallbackQueryHandler

from bot.ui import callbacks
from handlers.application import build_application, button_routes
from tests.conftest import REPO


def test_a_prefix_claimed_twice_is_refused_at_import():
    registry = callbacks.Registry()
    registry.claim("rp", "reports")
    with pytest.raises(ValueError, match="'rp' is claimed by both reports and a new feature"):
        registry.claim("rp", "a new feature")


@pytest.mark.parametrize("bad", ["", "a:b"])
def test_a_prefix_is_a_word_without_colon(bad):
    with pytest.raises(ValueError):
        callbacks.Registry().claim(bad, "someone")


def test_every_claim_in_the_registry_is_unique():
    source = (REPO / "bot/ui/callbacks.py").read_text()
    claimed = re.findall(r'PREFIXES\.claim\("([^"]+)"', source)
    assert len(claimed) == len(set(claimed)) == len(callbacks.PREFIXES.owners)


def test_no_module_defines_callback_data_prefixes_of_its_own():
    """A prefix written as a string elsewhere would escape the registry's check."""
    offenders = []
    for path in [*REPO.glob("bot/**/*.py"), *REPO.glob("handlers/**/*.py")]:
        if path.name != "callbacks.py":
            offenders += [f"{path.relative_to(REPO)}:{line}" for line in _literal_prefixes(ast.parse(path.read_text()))]
    assert not offenders, offenders


def _literal_prefixes(tree: ast.AST) -> list[int]:
    """Lines assigning a string to a *PREFIX/PROGRESS/EXIT/HOME name, or routing a literal pattern."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                for name, value in zip(names, values, strict=False):
                    if (
                        isinstance(name, ast.Name)
                        and re.search(r"(PREFIX|PROGRESS|EXIT|HOME)$", name.id)
                        and not name.id.endswith(("INVITE_PREFIX", "UI_PREFIX"))
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                    ):
                        found.append(node.lineno)
        if isinstance(node, ast.keyword) and node.arg == "pattern":
            first = node.value.values[0] if isinstance(node.value, ast.JoinedStr) else node.value
            if isinstance(first, ast.Constant) and re.match(r"\^[a-z]", str(first.value)):
                found.append(node.lineno)
    return found


def test_the_prefix_check_catches_a_literal_prefix():
    assert _literal_prefixes(ast.parse('NAME, PREFIX = "x", "zz"')) == [1]
    assert _literal_prefixes(ast.parse('add(Handler(f, pattern="^zz:"))')) == [1]
    assert _literal_prefixes(ast.parse('NAME, PREFIX = "x", callbacks.REPORT')) == []


def test_each_feature_prefix_reaches_exactly_one_handler(navigator, tmp_path):
    from bot.config import Config

    config = Config(token="1:" + "x" * 35, secret_key=b"k" * 32, data_dir=tmp_path)
    app = build_application(config, navigator)
    routed = [h for h in app.handlers[0] if isinstance(h, CallbackQueryHandler)]
    catch_all = routed[-1]
    assert catch_all.pattern is None, "the guide's handler takes every other prefix"
    for prefix in callbacks.PREFIXES.owners:
        for data in (prefix, f"{prefix}:anything"):
            takers = [h for h in routed[:-1] if h.check_update(_press(data))]
            if prefix in button_routes():
                assert len(takers) == 1, (data, takers)
            else:
                assert not takers, (data, "the guide's own data must reach the guide")


def _press(data: str):
    from telegram import CallbackQuery, Update, User

    user = User(1, "w", False)
    return Update(1, callback_query=CallbackQuery("1", user, chat_instance="c", data=data))
