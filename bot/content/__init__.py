"""Content: YAML pages, facts, countries and wording, loaded and checked."""

from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent.parent.parent / "content"  # the content the bot serves
