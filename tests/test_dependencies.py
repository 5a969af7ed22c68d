"""The dependency locks: every package of the tree pinned with its hashes, in step with the
hand-kept lists, and what these tests run on is exactly what the image installs."""

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def entries(lock: str) -> list[tuple[Requirement, list[str]]]:
    """(requirement, its hashes) for each entry of a lock file written by ./dev lock."""
    text = (REPO / lock).read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            spec = line.split("--hash", 1)[0].strip()
            found.append((Requirement(spec), HASH.findall(line)))
    return found


def wanted(listing: str) -> list[Requirement]:
    """The requirements a hand-kept list names itself (not the files it includes)."""
    lines = (REPO / listing).read_text().splitlines()
    return [Requirement(line.split("#", 1)[0].strip()) for line in lines if line.split("#", 1)[0].strip()[:1].isalnum()]


def applies(requirement: Requirement) -> bool:
    return requirement.marker is None or requirement.marker.evaluate()


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_package_is_pinned_to_one_version_with_its_hashes(lock):
    found = entries(lock)
    assert len(found) > 20, "the lock holds the whole tree, not just the top"
    for requirement, hashes in found:
        (spec,) = requirement.specifier
        assert spec.operator == "==", requirement
        assert hashes, f"{requirement} has no hash"
    here = [canonicalize_name(r.name) for r, _ in found if applies(r)]
    assert len(here) == len(set(here)), "one version per package for this Python"


@pytest.mark.parametrize(
    "listing, lock",
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_the_locks_follow_the_hand_kept_lists(listing, lock):
    locked = {(canonicalize_name(r.name), str(r.specifier)) for r, _ in entries(lock)}
    for requirement in wanted(listing):
        assert (canonicalize_name(requirement.name), str(requirement.specifier)) in locked, (
            f"{requirement} of {listing} is not in {lock}: run ./dev lock"
        )


def test_the_runtime_lock_is_the_dev_locks_runtime_part():
    """So the tests run on the very versions the image installs."""

    def keyed(lock: str) -> set[tuple[str, str, str]]:
        return {(canonicalize_name(r.name), str(r.specifier), str(r.marker)) for r, _ in entries(lock)}

    assert keyed("requirements.lock") <= keyed("requirements-dev.lock")


def test_these_tests_run_on_exactly_the_locked_versions():
    wrong = []
    for requirement, _ in entries("requirements-dev.lock"):
        if applies(requirement):
            (spec,) = requirement.specifier
            installed = metadata.version(requirement.name)
            if installed != spec.version:
                wrong.append(f"{requirement.name} {installed} (locked {spec.version})")
    assert not wrong, f"reinstall with ./dev: {wrong}"
