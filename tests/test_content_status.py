"""Translation freshness: a changed English text shows its translations as stale until a
translator records the new version."""

import subprocess
import sys

from tests.conftest import REPO


def run(content, *args):
    script = (
        "import sys, pathlib, app.cli as c; c.CONTENT_DIR = pathlib.Path(sys.argv[1]); sys.exit(c.main(sys.argv[2:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", script, str(content), *args], cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_shipped_translations_are_all_up_to_date():
    result = run(REPO / "content", "check-content")
    assert result.returncode == 0, result.stderr
    assert "older English text" not in result.stdout


def test_an_english_change_makes_translations_stale_until_accepted(content_copy):
    help_page = content_copy / "en" / "pages" / "core.yaml"
    help_page.write_text(help_page.read_text().replace("Press the buttons", "Tap the buttons"))
    checked = run(content_copy, "check-content")
    assert checked.returncode == 0  # stale translations are listed, not refused
    assert "content/fr: page.help" in checked.stdout and "content/sw: page.help" in checked.stdout

    status = run(content_copy, "content-status")
    total = next(line for line in status.stdout.splitlines() if line.startswith("en:")).split()[1]
    fr = next(line for line in status.stdout.splitlines() if line.startswith("fr:")).split()[1]
    assert int(fr.split("/")[0]) == int(total.split("/")[0]) - 1

    accepted = run(content_copy, "content-status", "--accept", "fr", "page.help")
    assert accepted.returncode == 0 and "recorded 1 text" in accepted.stdout
    again = run(content_copy, "check-content").stdout
    assert "content/fr: page.help" not in again and "content/sw: page.help" in again


def test_content_status_shows_each_country(content_copy):
    lines = run(content_copy, "content-status").stdout.splitlines()
    for country in ("KE", "UG", "TZ", "MG", "MA", "PH", "IN", "VE", "default"):
        assert any(line.startswith(f"{country}: ") for line in lines), country


def test_accept_refuses_unknown_keys_and_languages(content_copy):
    assert run(content_copy, "content-status", "--accept", "fr", "page.nope").returncode == 2
    assert run(content_copy, "content-status", "--accept", "en").returncode == 2
