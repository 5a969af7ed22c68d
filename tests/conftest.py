import shutil
from pathlib import Path

import pytest

from bot.cli import CONTENT_DIR
from bot.content.check import load_navigator

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def navigator():
    """The real content, loaded and checked once."""
    return load_navigator(CONTENT_DIR)


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A writable copy of the real content, for tests that break it on purpose."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target
