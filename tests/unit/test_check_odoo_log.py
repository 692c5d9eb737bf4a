"""The Odoo log check used by `make test` catches failures and problem lines."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "check_odoo_log.py"
spec = importlib.util.spec_from_file_location("check_odoo_log", SCRIPT)
check_odoo_log = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_odoo_log)

HEAD = "2026-11-21 10:00:00,000 42"
TAIL = "tests when loading database 'db'\n"
SUMMARY_OK = f"{HEAD} INFO db odoo.tests.result: 0 failed, 0 error(s) of 12 {TAIL}"


def run(tmp_path, capsys, *lines):
    log = tmp_path / "odoo.log"
    log.write_text("".join(lines))
    status = check_odoo_log.main(str(log))
    return status, capsys.readouterr().out.strip().splitlines()[-1]


def test_clean_log_passes(tmp_path, capsys):
    root = f"{HEAD} WARNING ? odoo.service.server: Running as user 'root' is a security risk.\n"
    assert run(tmp_path, capsys, root, SUMMARY_OK) == (0, "12 0")


def test_failures_are_counted(tmp_path, capsys):
    summary = f"{HEAD} ERROR db odoo.tests.result: 1 failed, 2 error(s) of 10 {TAIL}"
    assert run(tmp_path, capsys, summary) == (1, "7 3")


def test_error_line_fails_even_when_tests_pass(tmp_path, capsys):
    error = f"{HEAD} ERROR db odoo.addons.starlink_base.models.x: something broke\n"
    assert run(tmp_path, capsys, error, SUMMARY_OK)[0] == 1


def test_unknown_warning_fails(tmp_path, capsys):
    warning = f"{HEAD} WARNING db odoo.models: field x has no string\n"
    assert run(tmp_path, capsys, warning, SUMMARY_OK)[0] == 1


def test_missing_summary_fails(tmp_path, capsys):
    assert run(tmp_path, capsys, f"{HEAD} INFO db odoo.modules.loading: loading\n") == (1, "0 1")
