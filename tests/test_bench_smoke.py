"""Every benchmark still runs: each script in bench/ at a tiny size, start to finish, printing its
figures. Not a timing test (the figures at these sizes mean nothing); it catches a benchmark broken
by a change elsewhere, which nothing else runs."""

import subprocess
import sys

import pytest

from tests.conftest import REPO

# Each benchmark with arguments that make it small; helpers other scripts start are listed apart.
TINY = {
    "broadcast.py": ["--recipients", "30", "--ceiling-recipients", "30"],
    "export.py": ["--reports", "200", "--repeat", "1"],
    "flood.py": ["--sizes", "10", "--workers", "2", "--latency-ms", "0"],
    "menus.py": ["--users", "4", "--steps", "2", "--latency-ms", "0", "--echo-users", "2"],
    "release_utility.py": ["--reports", "200", "--runs", "2"],
    "reports_file.py": ["--sizes", "100", "--repeat", "1"],
}
HELPERS = {"broadcast_worker.py", "echo_bot.py", "process_stats.py"}  # started by the benchmarks above


def test_every_benchmark_is_smoke_tested():
    assert {p.name for p in (REPO / "bench").glob("*.py")} == set(TINY) | HELPERS


@pytest.mark.parametrize("script", sorted(TINY))
def test_the_benchmark_runs_and_prints_its_figures(script, tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *TINY[script]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line for line in result.stdout.splitlines() if any(ch.isdigit() for ch in line)]
    assert len(lines) >= 2, result.stdout[-2000:]  # a table or figures, not just a heading
