"""Logs are one line per record, in key=value form, without tokens, even for a traceback."""

import io
import json
import logging
import re

from app import logs

LINE = re.compile(
    r'^ts=\S+Z level=(DEBUG|INFO|WARNING|ERROR|CRITICAL) logger=\S+ msg=("(?:[^"\\]|\\.)*"|\S+)( exc=".*")?$'
)
TOKEN = "123456789:" + "T" * 35


def records(*emit) -> list[str]:
    stream = io.StringIO()
    logs.setup(logging.DEBUG, stream=stream)
    try:
        for action in emit:
            action(logging.getLogger("haki.test"))
    finally:
        logs.setup(logging.WARNING)
    return stream.getvalue().splitlines()


def test_every_record_is_one_parsable_line_and_a_traceback_stays_on_it():
    def fail(log):
        try:
            raise ValueError(f"bad call to https://api.telegram.org/bot{TOKEN}/getMe\nsecond line")
        except ValueError:
            log.exception("Bot API call failed")

    lines = records(
        lambda log: log.info("plain"),
        lambda log: log.warning('quotes " and = and spaces'),
        fail,
    )
    assert len(lines) == 3, lines
    assert all(LINE.match(line) for line in lines), lines
    assert lines[0].endswith("msg=plain")
    assert json.loads(lines[1].split("msg=", 1)[1]) == 'quotes " and = and spaces'
    exc = json.loads(lines[2].split(" exc=", 1)[1])
    assert "ValueError" in exc and "second line" in exc
    assert TOKEN not in "\n".join(lines) and TOKEN.split(":")[1] not in "\n".join(lines)
