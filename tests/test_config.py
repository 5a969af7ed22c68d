import logging
import subprocess
import sys

import pytest

from bot.config import ConfigError, load
from tests.conftest import REPO

TOKEN = "123456789:" + "A" * 35
SECRET = "s" * 40


def test_valid_configuration_is_read():
    config = load(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "HAKI_SECRET_KEY": SECRET,
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/bot",
            "HAKI_DATA_DIR": "/tmp/haki-x",
            "HAKI_ORGANIZERS": "12, 34",
            "HAKI_RESEARCHERS": "56",
            "HAKI_LOG_LEVEL": "debug",
        }
    )
    assert config.api_url == "http://127.0.0.1:8081/bot"
    assert config.organizers == {12, 34} and config.researchers == {56}
    assert str(config.database_path) == "/tmp/haki-x/haki.sqlite3"
    assert config.log_level == logging.DEBUG


@pytest.mark.parametrize(
    "env, variable",
    [
        ({}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "12:short"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, "HAKI_SECRET_KEY"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY": "tooshort"}, "HAKI_SECRET_KEY"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY": SECRET, "TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY": SECRET, "HAKI_ORGANIZERS": "12,@boss"}, "HAKI_ORGANIZERS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY": SECRET, "HAKI_LOG_LEVEL": "loud"}, "HAKI_LOG_LEVEL"),
    ],
)
def test_each_bad_variable_is_named(env, variable):
    with pytest.raises(ConfigError, match=variable):
        load(env)


def test_the_token_is_never_echoed_in_errors():
    with pytest.raises(ConfigError) as error:
        load({"TELEGRAM_BOT_TOKEN": "999:secret-but-malformed"})
    assert "secret-but-malformed" not in str(error.value)


def test_run_without_configuration_prints_one_line_and_exits_2(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bot.py"), "run"],
        cwd=tmp_path,  # no .env here
        env={"PATH": "/usr/bin:/bin", "HAKI_SECRET_KEY": SECRET},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_dotenv_file_is_read(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nHAKI_SECRET_KEY={SECRET}\nHAKI_DATA_DIR=from-dotenv\n")
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "HAKI_SECRET_KEY", "HAKI_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    assert str(load().data_dir) == "from-dotenv"


def test_help_documents_every_command_and_variable():
    result = subprocess.run(
        [sys.executable, str(REPO / "bot.py"), "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for word in (
        "run",
        "demo",
        "check-content",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_URL",
        "HAKI_DATA_DIR",
        "HAKI_SECRET_KEY",
        "HAKI_SECRET_KEY_FILE",
        "HAKI_ORGANIZERS",
        "HAKI_RESEARCHERS",
        "HAKI_LOG_LEVEL",
        "HAKI_TEXT_RETENTION_DAYS",
    ):
        assert word in result.stdout


@pytest.mark.parametrize(
    "rate, paid, send_rate, expected",
    [
        (None, None, None, 25.0),
        ("28", None, None, 28.0),
        ("30", None, "30", 30.0),
        (None, None, "20", 20.0),  # the default broadcast rate, within a lower send budget
        ("0.5", "0", None, 0.5),
        ("1000", "1", None, 1000.0),
    ],
)
def test_broadcast_rate(rate, paid, send_rate, expected):
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY": SECRET}
    env |= {"HAKI_BROADCAST_RATE": rate} if rate else {}
    env |= {"HAKI_PAID_BROADCASTS": paid} if paid else {}
    env |= {"HAKI_SEND_RATE": send_rate} if send_rate else {}
    config = load(env)
    assert config.broadcast_rate == expected and config.paid_broadcasts == (paid == "1")
    assert config.send_rate == float(send_rate or 28) and config.chat_send_rate == 1.0


@pytest.mark.parametrize(
    "rate, paid, variable",
    [
        ("29", None, "HAKI_BROADCAST_RATE"),  # above the send budget it shares with replies
        ("0", None, "HAKI_BROADCAST_RATE"),
        ("fast", None, "HAKI_BROADCAST_RATE"),
        ("nan", None, "HAKI_BROADCAST_RATE"),
        ("1001", "1", "HAKI_BROADCAST_RATE"),
        ("25", "yes", "HAKI_PAID_BROADCASTS"),
    ],
)
def test_a_broadcast_rate_telegram_would_refuse_is_one_clear_message(rate, paid, variable):
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY": SECRET, "HAKI_BROADCAST_RATE": rate}
    env |= {"HAKI_PAID_BROADCASTS": paid} if paid else {}
    with pytest.raises(ConfigError) as caught:
        load(env)
    assert str(caught.value).startswith(variable)


# HAKI_SECRET_KEY_FILE: the key read from a file (Docker and Compose secrets, systemd credentials).


def test_the_key_can_come_from_a_file_without_its_trailing_newline(tmp_path):
    key_file = tmp_path / "haki_secret_key"
    key_file.write_text(SECRET + "\n")  # as `echo ... > file` or a secrets manager writes it
    config = load({"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY_FILE": str(key_file)})
    assert config.secret_key == SECRET.encode()


def test_the_key_and_a_key_file_together_are_refused(tmp_path):
    key_file = tmp_path / "haki_secret_key"
    key_file.write_text(SECRET)
    with pytest.raises(ConfigError) as caught:
        load({"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY": SECRET, "HAKI_SECRET_KEY_FILE": str(key_file)})
    assert "HAKI_SECRET_KEY" in str(caught.value) and "HAKI_SECRET_KEY_FILE" in str(caught.value)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("kind", ["missing", "a folder", "not text", "too short"])
def test_a_key_file_that_cannot_be_used_is_named_and_its_contents_never_shown(tmp_path, kind):
    key_file = tmp_path / "haki_secret_key"
    secret_part = "Zq7-notthekeyyet"
    if kind == "a folder":
        key_file.mkdir()
    elif kind == "not text":
        key_file.write_bytes(secret_part.encode() + b"\xff\xfe" + b"k" * 40)
    elif kind == "too short":
        key_file.write_text(secret_part + "\n")
    with pytest.raises(ConfigError) as caught:
        load({"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY_FILE": str(key_file)})
    message = str(caught.value)
    assert message.startswith("HAKI_SECRET_KEY_FILE") and str(key_file) in message
    assert secret_part not in message and "\\xff" not in message and "0xff" not in message


def test_commands_without_a_bot_do_not_read_the_key_file(tmp_path):
    config = load({"HAKI_SECRET_KEY_FILE": str(tmp_path / "absent")}, require_bot=False)
    assert config.secret_key == b""


def test_run_with_an_unreadable_key_file_prints_one_line_naming_it(tmp_path):
    absent = tmp_path / "secrets" / "haki_secret_key"
    result = subprocess.run(
        [sys.executable, str(REPO / "bot.py"), "run"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY_FILE": str(absent)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert str(absent) in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "variable, value",
    [("HAKI_SEND_RATE", "31"), ("HAKI_SEND_RATE", "0"), ("HAKI_CHAT_SEND_RATE", "2"), ("HAKI_CHAT_SEND_RATE", "x")],
)
def test_send_rates_beyond_telegrams_limits_are_one_clear_message(variable, value):
    with pytest.raises(ConfigError) as caught:
        load({"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY": SECRET, variable: value})
    assert str(caught.value).startswith(variable)


def test_free_texts_are_kept_30_days_after_their_week_unless_configured():
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY": SECRET}
    assert load(env).text_retention_days == 30
    assert load(env | {"HAKI_TEXT_RETENTION_DAYS": " 7 "}).text_retention_days == 7


@pytest.mark.parametrize("value", ["0", "-3", "thirty", "2.5"])
def test_a_text_retention_that_is_not_a_whole_number_of_days_is_one_clear_message(value):
    with pytest.raises(ConfigError) as caught:
        load({"TELEGRAM_BOT_TOKEN": TOKEN, "HAKI_SECRET_KEY": SECRET, "HAKI_TEXT_RETENTION_DAYS": value})
    assert str(caught.value).startswith("HAKI_TEXT_RETENTION_DAYS") and repr(value) in str(caught.value)
