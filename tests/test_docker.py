"""The Docker image, without a Docker engine: hadolint on the Dockerfile, and the image's CMD and
HEALTHCHECK run as processes from a folder holding only what the Dockerfile's COPY lines copy,
with the Dockerfile's ENV, against the sandbox as Telegram. Plus app/health.py's verdicts."""

import ast
import asyncio
import contextlib
import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from app.health import check
from bot import config as configuration
from bot.store import Store
from bot.store.migrations import MIGRATIONS, REPORT_MIGRATIONS
from bot.store.reports_file import reports_path
from sandbox.remote import RemoteSandbox
from tests.conftest import REPO
from tests.conftest import SANDBOX_TOKEN as TOKEN
from tests.test_dependencies import applies
from tests.test_dependencies import entries as lock_entries

SECRET = "s" * 40
DOCKERFILE = REPO / "Dockerfile"
# Modules the image leaves out on purpose: they drive the offline sandbox (`python bot.py demo`).
DEMO_ONLY = {"app.demo", "app.offline"}


# --- the Dockerfile ------------------------------------------------------------------------------


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per logical line: continuations joined, comments dropped."""
    result, pending = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, rest = (pending + line).partition(" ")
        result.append((keyword.upper(), rest.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return result


def only(keyword: str) -> list[str]:
    return [rest for key, rest in instructions() if key == keyword]


def image_env() -> dict[str, str]:
    env = {}
    for rest in only("ENV"):
        for item in shlex.split(rest):
            name, equals, value = item.partition("=")
            assert equals, f"ENV {item!r}: use the NAME=value form"
            env[name] = value
    return env


def exec_form(text: str) -> list[str]:
    argv = json.loads(text)
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv), f"not the JSON exec form: {text}"
    return argv


def image_cmd() -> list[str]:
    (cmd,) = only("CMD")
    return exec_form(cmd)


def healthcheck() -> tuple[list[str], list[str]]:
    """(options, command) of the one HEALTHCHECK."""
    (rest,) = only("HEALTHCHECK")
    options, _, command = rest.partition("CMD ")
    return options.split(), exec_form(command)


def local(argv: list[str]) -> list[str]:
    """The image's command with this interpreter: its `python` is the one the image installs into."""
    assert argv[0] == "python", argv
    return [sys.executable, *argv[1:]]


@pytest.fixture(scope="module")
def image_root(tmp_path_factory) -> Path:
    """The image's WORKDIR as the COPY lines fill it: nothing else from the repository."""
    (workdir,) = only("WORKDIR")
    root = tmp_path_factory.mktemp("image") / workdir.strip("/")
    root.mkdir(parents=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")  # as .dockerignore
    for rest in only("COPY"):
        *sources, target = rest.split()
        assert not any(s.startswith("--") for s in sources), f"COPY {rest}: flags are not handled here"
        for source in sources:
            origin, into = REPO / source, root / target
            if origin.is_dir():  # Docker copies a folder's contents into the target
                shutil.copytree(origin, into, ignore=skip, dirs_exist_ok=True)
            else:
                destination = into / origin.name if target.endswith("/") else into
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, destination)
    return root


def process_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The Dockerfile's ENV, with its container paths moved into tmp_path, plus `extra`."""
    env = image_env()
    assert env["HAKI_DATA_DIR"] == "/data", "the data volume and HAKI_DATA_DIR disagree"
    assert (only("VOLUME") or [""])[0] in ('["/data"]', "/data")
    env["HAKI_DATA_DIR"] = str(tmp_path / "data")
    env["MPLCONFIGDIR"] = str(tmp_path / "matplotlib")
    return {"PATH": os.environ["PATH"], **env, **extra}


# --- hadolint ------------------------------------------------------------------------------------


def test_hadolint_finds_nothing(tmp_path):
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "hadolint is missing: install requirements-dev.txt (./dev test does)"
    # Our own config, so no .hadolint.yaml elsewhere can relax the rules; every level fails.
    settings = tmp_path / "hadolint.yaml"
    settings.write_text("failure-threshold: style\n")
    result = subprocess.run(
        [str(hadolint), "--config", str(settings), "--no-color", "--disable-ignore-pragma", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_image_is_pinned_slim_non_root_with_a_healthcheck():
    (base,) = only("FROM")
    name, _, tag = base.split("@")[0].partition(":")
    assert name == "python" and tag.startswith("3.11.") and "-slim-" in tag, base  # a release, not 3.11-slim
    user = only("USER")[-1]
    assert user.split(":")[0].isdigit() and user.split(":")[0] != "0", user
    options, _ = healthcheck()
    assert {"--interval=30s", "--timeout=10s", "--start-period=20s"} <= set(options)
    assert image_cmd() == ["python", "bot.py", "run"]
    assert all("--no-cache-dir" in run for run in only("RUN") if "pip install" in run)
    env = image_env()
    assert env["PYTHONDONTWRITEBYTECODE"] == env["PYTHONUNBUFFERED"] == "1"
    # The runtime tree exactly as locked (tests/test_dependencies.py checks the lock), no test tools.
    installs = [run for run in only("RUN") if "pip install" in run]
    assert installs and all("--require-hashes -r requirements.lock" in run for run in installs), installs


def test_dockerignore_keeps_data_and_secrets_out():
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".env", "data", ".venv", ".git", "tests", "**/*.sqlite3"} <= ignored


# --- what the image holds ------------------------------------------------------------------------


def shipped_files(image_root: Path) -> dict[str, Path]:
    """Module name -> file for every Python file the COPY lines put in the image; the entry point as `bot.py`
    (its name is taken by the bot/ package)."""
    files = {}
    for path in sorted(image_root.rglob("*.py")):
        parts = path.relative_to(image_root).with_suffix("").parts
        files[".".join(parts).removesuffix(".__init__") if len(parts) > 1 else path.name] = path
    return files


def runtime_distributions() -> set[str]:
    """What the image's pip installs: every entry of the runtime lock (the whole tree, dependencies included)."""
    (install,) = [run for run in only("RUN") if "pip install" in run]
    lock = install.split(" -r ", 1)[1].split()[0]
    return {canonicalize_name(r.name) for r, _ in lock_entries(lock) if applies(r)}


def importable_in_the_image(image_root: Path) -> set[str]:
    """The top-level names an import can find in the image: the standard library, the code the COPY lines
    copy, and the import names of the runtime lock's distributions (as this environment maps them)."""
    runtime = runtime_distributions()
    installed = {
        name for name, dists in packages_distributions().items() if {canonicalize_name(d) for d in dists} & runtime
    }
    own = {
        p.name if p.is_dir() else p.stem
        for p in image_root.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    return set(sys.stdlib_module_names) | own | installed


def why_missing(top: str) -> str:
    dists = packages_distributions().get(top)
    return f"distribution {', '.join(dists)}, not in requirements.lock" if dists else "not shipped in the image"


# Run in the image's folder with this (dev) environment's Python. One finder stands in for sys.meta_path's: it
# finds nothing for a top-level module the image would not have (a test-only package of the dev environment, the
# sandbox), so the import fails, and importlib.util.find_spec answers None, as in the container.
IMPORT_CHECK = """
import importlib, importlib.abc, json, runpy, sys, sysconfig
allowed, modules = set(json.loads(sys.argv[1])), sys.argv[2:]
stdlib = tuple(sysconfig.get_path(key) for key in ("stdlib", "platstdlib"))
installed = tuple(sysconfig.get_path(key) for key in ("purelib", "platlib"))  # inside platstdlib in a venv

def in_stdlib(origin):
    return origin in ("built-in", "frozen") or ((origin or "").startswith(stdlib) and not origin.startswith(installed))

found_by, refused = list(sys.meta_path), []

def importer():
    frame = sys._getframe(2)
    while frame.f_code.co_filename.startswith("<frozen") or frame.f_globals.get("__name__", "").startswith("importlib"):
        frame = frame.f_back
    return frame.f_globals.get("__name__", "?")

class RuntimeLockOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        spec = next(filter(None, (f.find_spec(name, path, target) for f in found_by if hasattr(f, "find_spec"))), None)
        top = name.partition(".")[0]
        if spec is None or top in allowed:
            return spec
        if in_stdlib(spec.origin):
            return spec  # the standard library's private modules (_sysconfigdata_*)
        refused.append([importer(), name])
        return None

# Anything a .pth file imported at start-up and the image would not have: forgotten, so it is looked up again.
for name in [m for m in sys.modules if m.partition(".")[0] not in allowed]:
    if not in_stdlib(getattr(sys.modules[name], "__file__", None)):
        del sys.modules[name]
sys.meta_path[:] = [RuntimeLockOnly()]
failed = {}
for name in modules:
    try:
        if name.endswith(".py"):  # the entry point, run under its file name: its `if __name__ == ...` stays off
            runpy.run_path(name, run_name=name)
        else:
            importlib.import_module(name)
    except Exception as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"failed": failed, "refused": refused}))
"""


def test_the_image_holds_every_module_the_bot_imports(image_root, tmp_path):
    """Every module the image holds (bot.py, app/, bot/, handlers/) imports from the image's folder and the
    runtime lock's packages alone (bar the demo's): no test-only package of the dev environment stands in."""
    modules = list(shipped_files(image_root))
    assert {"bot.py", "app.cli", "bot.config", "handlers.application"} <= set(modules), modules
    assert "sandbox" not in {p.name for p in image_root.iterdir()}
    allowed = importable_in_the_image(image_root)
    assert not {"hypothesis", "pytest", "sandbox"} & allowed, "the dev environment's test tools must be refused"
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK, json.dumps(sorted(allowed)), *modules],
        cwd=image_root,
        env=process_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    # What the shipped code itself asked for and the image lacks. A dependency's optional import (babel's of
    # pytz) is its own business: it meets the same absence in the container.
    lacking = sorted(
        {
            f"{module} imports {name}: {why_missing(name.partition('.')[0])}"
            for module, name in outcome["refused"]
            if module in modules and not (module in DEMO_ONLY and name == "sandbox")
        }
    )
    assert not lacking, "\n".join(lacking)
    failed = outcome["failed"]
    assert set(failed) == DEMO_ONLY, failed
    assert all("No module named 'sandbox'" in reason for reason in failed.values()), failed


def test_the_shipped_code_imports_only_what_the_image_installs(image_root):
    """Every import statement of the shipped code, those inside functions too (the ones the import check
    above never runs), names the standard library, the shipped code or a package of the runtime lock."""
    allowed = importable_in_the_image(image_root)
    wrong = []
    for module, path in shipped_files(image_root).items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top not in allowed and not (module in DEMO_ONLY and top == "sandbox"):
                    wrong.append(
                        f"{path.relative_to(image_root)}:{node.lineno} ({module}) imports {name}: {why_missing(top)}"
                    )
    assert not wrong, "\n".join(wrong)


# --- the image's CMD and HEALTHCHECK as processes ------------------------------------------------


def start_bot(image_root: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(local(image_cmd()), cwd=image_root, env=env, stderr=subprocess.PIPE, text=True)


async def first_reply(control: str, chat_id: int) -> dict:
    async with RemoteSandbox(control) as remote:
        after = 0
        await remote.send_text(chat_id, "/start", language_code="en", first_name="Qwzxy")
        while True:  # long-polls the sandbox's log; the bot's first answer ends it
            events = await remote.events(after=after, timeout=20)
            assert events, "the bot did not answer within 20 s"
            after = events[-1]["seq"]
            reply = next((e for e in events if e["method"] == "sendMessage" and e["chat_id"] == chat_id), None)
            if reply:
                return reply


def stop(bot: subprocess.Popen) -> str:
    bot.send_signal(signal.SIGTERM)  # what `docker stop` sends
    _, logs = bot.communicate(timeout=30)
    return logs


def bot_env(base_url: str, tmp_path: Path) -> dict[str, str]:
    return process_env(
        tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, HAKI_SECRET_KEY=SECRET, TELEGRAM_API_URL=base_url, HAKI_LOG_LEVEL="DEBUG"
    )


async def test_the_images_cmd_serves_users_and_stops_cleanly(image_root, sandbox_process, tmp_path):
    base_url, control = sandbox_process
    bot = start_bot(image_root, bot_env(base_url, tmp_path))
    try:
        reply = await first_reply(control, 5151)
        assert reply["params"]["text"]
    finally:
        logs = stop(bot)
    assert bot.returncode == 0, logs
    assert (tmp_path / "data" / "haki.sqlite3").exists()
    for secret in (TOKEN, TOKEN.split(":")[1], SECRET, "5151", "Qwzxy"):
        assert secret not in logs
    assert not list(image_root.rglob("__pycache__")), "PYTHONDONTWRITEBYTECODE: the code folder stays as built"


def run_healthcheck(image_root: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    _, command = healthcheck()
    result = subprocess.run(local(command), cwd=image_root, env=env, capture_output=True, text=True, timeout=10)
    assert "invalid choice" not in result.stderr, f"the HEALTHCHECK runs {command}, which bot.py lacks: {result.stderr}"
    return result


async def test_the_images_healthcheck_fails_before_the_first_start_and_passes_while_running(
    image_root, sandbox_process, tmp_path
):
    base_url, control = sandbox_process
    # Before the bot ever started: unhealthy, and the check created nothing. No token or key needed.
    before = run_healthcheck(image_root, process_env(tmp_path))
    assert before.returncode == 1, before.stderr
    said = (before.stdout + before.stderr).strip()
    assert len(said.splitlines()) == 1 and "no database" in said, said
    assert not (tmp_path / "data").exists()

    env = bot_env(base_url, tmp_path)
    bot = start_bot(image_root, env)
    try:
        await first_reply(control, 5252)
        during = await asyncio.to_thread(run_healthcheck, image_root, env)  # as Docker runs it: beside the bot
    finally:
        logs = stop(bot)
    assert bot.returncode == 0, logs
    assert during.returncode == 0, during.stdout + during.stderr
    assert len(during.stdout.strip().splitlines()) == 1 and during.stdout.startswith("healthy"), during.stdout
    for secret in (TOKEN, TOKEN.split(":")[1], SECRET):
        assert secret not in during.stdout + during.stderr
    after = run_healthcheck(image_root, process_env(tmp_path))
    assert after.returncode == 0, after.stdout + after.stderr


# --- app/health.py ---------------------------------------------------------------------------------


def config_for(data_dir: Path) -> configuration.Config:
    return configuration.load({"HAKI_DATA_DIR": str(data_dir)}, require_bot=False)


def assert_one_line(message: str) -> None:
    assert message and "\n" not in message and SECRET not in message


async def test_healthy_once_storage_has_opened_the_database(tmp_path):
    config = config_for(tmp_path / "data")
    store = await Store.open(config.database_path)
    try:
        healthy, message = check(config)  # beside the running bot's open connection (WAL)
        assert healthy, message
    finally:
        await store.close()
    healthy, message = check(config)
    assert healthy and message.startswith("healthy"), message
    assert f"schema {len(MIGRATIONS)} of {len(MIGRATIONS)}" in message
    assert_one_line(message)


def test_a_missing_database_is_unhealthy_and_nothing_is_created(tmp_path):
    config = config_for(tmp_path / "data")
    healthy, message = check(config)
    assert not healthy and "no database" in message, message
    assert_one_line(message)
    assert not (tmp_path / "data").exists()


def test_a_corrupted_database_is_unhealthy(tmp_path):
    config = config_for(tmp_path)
    config.database_path.write_bytes(b"this is not SQLite, " * 500)
    healthy, message = check(config)
    assert not healthy and "cannot be read" in message, message
    assert_one_line(message)


async def test_a_damaged_page_fails_quick_check(tmp_path):
    config = config_for(tmp_path)
    await (await Store.open(config.database_path)).close()
    with contextlib.closing(sqlite3.connect(config.database_path)) as db, db:
        db.execute("PRAGMA journal_mode = DELETE")  # everything in the main file, no -wal beside it
        db.execute("CREATE TABLE filler (x BLOB)")
        db.executemany("INSERT INTO filler VALUES (randomblob(3000))", [()] * 50)
    data = bytearray(config.database_path.read_bytes())
    page = 4096
    data[-10 * page : -6 * page] = os.urandom(4 * page)  # some of the filler table's pages
    config.database_path.write_bytes(bytes(data))
    healthy, message = check(config)
    assert not healthy and ("damaged" in message or "cannot be read" in message), message
    assert_one_line(message)


async def test_a_missing_or_damaged_reports_file_is_unhealthy(tmp_path):
    config = config_for(tmp_path)
    await (await Store.open(config.database_path)).close()
    reports = reports_path(config.database_path)
    kept = reports.read_bytes()
    reports.unlink()  # a restore that brought back the main file alone
    healthy, message = check(config)
    assert not healthy and f"no reports file at {reports}" in message, message
    assert_one_line(message)
    reports.write_bytes(b"this is not SQLite, " * 500)
    healthy, message = check(config)
    assert not healthy and "the reports file" in message and "cannot be read" in message, message
    reports.write_bytes(kept)
    healthy, message = check(config)
    assert healthy and f"reports file {len(REPORT_MIGRATIONS)} of {len(REPORT_MIGRATIONS)}" in message, message


async def test_a_database_from_a_newer_haki_is_unhealthy(tmp_path):
    config = config_for(tmp_path)
    await (await Store.open(config.database_path)).close()
    with contextlib.closing(sqlite3.connect(config.database_path)) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    healthy, message = check(config)
    assert not healthy and "newer than this Haki" in message, message
    assert_one_line(message)


async def test_broken_content_is_unhealthy(tmp_path, content_copy):
    config = config_for(tmp_path)
    await (await Store.open(config.database_path)).close()
    assert check(config, content_copy)[0]
    (content_copy / "en" / "ui.yaml").write_text("main_menu: [unclosed\n")
    healthy, message = check(config, content_copy)
    assert not healthy and "content" in message, message
    assert_one_line(message)
