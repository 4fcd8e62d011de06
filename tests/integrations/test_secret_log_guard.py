"""The log guard every test here runs under (tests/secret_log_guard.py) really catches a
secret in a log line: otherwise a clean run would prove nothing."""

import logging

from integrations.validators import validate_body_text
from tests.integrations.connection_support import BODY, BODY_TOKEN, HEADER_VALUE, SECRETS
from tests.secret_log_guard import (
    SECRET_MARKER,
    LogRecorder,
    installed_recorder,
    lines_with_secrets,
)
from tests.support.connections import BODY_VALUE, HEADERS, KEY_VALUE


def test_it_marks_every_secret_the_tests_configure():
    for secret in (*SECRETS, BODY, KEY_VALUE, BODY_VALUE, *HEADERS.values()):
        assert SECRET_MARKER in secret


def test_it_flags_only_lines_with_a_secret():
    lines = ["INFO x Outgoing POST to hooks.example.com: succeeded (200)", f"DEBUG y {BODY}"]
    assert lines_with_secrets(lines) == [f"DEBUG y {BODY}"]
    assert lines_with_secrets(lines[:1]) == []


def test_it_records_arguments_and_tracebacks_of_every_level():
    logger = logging.getLogger("tests.secret_log_guard.probe")
    logger.propagate = False  # a recorder of its own, so this test's guard stays clean
    logger.setLevel(logging.DEBUG)
    recorder = LogRecorder()
    logger.addHandler(recorder)
    try:
        logger.debug("sending %s", HEADER_VALUE)
        try:
            raise ValueError(BODY_TOKEN)
        except ValueError:
            logger.exception("send failed")
        logger.info("sent")
    finally:
        logger.removeHandler(recorder)
        logger.propagate = True
    assert len(lines_with_secrets(recorder.lines)) == 2
    assert "Traceback" in lines_with_secrets(recorder.lines)[1]


def test_it_watches_the_root_logger_during_each_test():
    recorder = installed_recorder()
    assert recorder is not None
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
    # A debug line from any module reaches the guard, and would fail this test...
    logging.getLogger("integrations.services.deliveries").debug("body %s", BODY)
    assert lines_with_secrets(recorder.lines) == [
        f"DEBUG integrations.services.deliveries body {BODY}"
    ]
    # ...so it is taken back before the guard looks; clean work leaves nothing to find.
    recorder.lines.clear()
    validate_body_text(BODY)
    assert lines_with_secrets(recorder.lines) == []
