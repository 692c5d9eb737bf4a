"""Backups of `make prod` (OCA auto_backup, daily, with retention): a backup taken, the
database dropped and restored by `make restore`, the same service lines, usage rows, invoices
and attachments (their files in the filestore too) are found again. A copy to an SFTP server
(a throwaway one on the loopback) is stored there, with its retention."""

import hashlib
import shutil
import subprocess
import zipfile
from pathlib import Path

from .conftest import ROOT
from .sftp_server import SftpServer

COUNTS = {
    "service lines": "SELECT count(*) FROM starlink_service_line",
    "usage rows": "SELECT count(*), coalesce(sum(priority_gb), 0) FROM starlink_usage_daily",
    "invoices": "SELECT count(*), coalesce(sum(amount_total), 0) FROM account_move "
    "WHERE move_type IN ('out_invoice', 'out_refund')",
    "attachments": "SELECT count(*) FROM ir_attachment WHERE store_fname IS NOT NULL",
}


def _snapshot(prod):
    return {name: prod.psql(sql) for name, sql in COUNTS.items()}


def _files(prod, limit=20):
    """Checksums of the files of the latest stored attachments, read from the filestore."""
    rows = prod.psql(
        "SELECT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL "
        f"ORDER BY id DESC LIMIT {limit}"
    ).splitlines()
    folder = ROOT / ".local" / "filestore" / "filestore" / prod.db
    return {name: hashlib.sha1((folder / name).read_bytes()).hexdigest() for name in rows}


def test_backup_drop_restore(prod):
    # the daily job make prod configured: local, zip (database + filestore), with retention
    job = prod.psql(
        "SELECT b.folder, b.days_to_keep, b.backup_format, c.active, c.interval_type "
        "FROM db_backup b, ir_cron c WHERE b.method = 'local' "
        "AND c.id = (SELECT res_id FROM ir_model_data WHERE module = 'auto_backup' "
        "AND name = 'ir_cron_backup_scheduler_0')"
    )
    folder, days, fmt, active, interval = job.split("|")
    assert (int(days), fmt, active, interval) == (14, "zip", "t", "days")
    before, files = _snapshot(prod), _files(prod)
    assert all(not value.startswith("0") for value in before.values()), before
    assert files

    prod.odoo_shell("env['db.backup'].search([('method', '=', 'local')]).action_backup()\n")
    backups = sorted(Path(folder).glob("*.dump.zip"))
    assert backups, f"no backup in {folder}"
    backup = backups[-1]
    with zipfile.ZipFile(backup) as archive:
        names = archive.namelist()
    assert "dump.sql" in names and any(n.startswith("filestore/") for n in names)

    # a change after the backup: the restore brings the backup's state back
    changed = prod.psql(
        "UPDATE starlink_service_line SET nickname = 'after the backup' RETURNING id"
    )
    assert changed
    # the database and its filestore lost
    prod.psql(f'DROP DATABASE "{prod.db}" WITH (FORCE)', db="postgres")
    assert prod.psql("SELECT 1", db=prod.db) == ""
    shutil.rmtree(ROOT / ".local" / "filestore" / "filestore" / prod.db)
    result = subprocess.run(
        ["make", "-s", "restore", f"BACKUP={backup}"],
        cwd=ROOT, env=prod.env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]

    assert _snapshot(prod) == before
    assert _files(prod) == files
    assert (
        prod.psql("SELECT count(*) FROM starlink_service_line WHERE nickname = 'after the backup'")
        == "0"
    )
    # and the restored database is served again through the proxy
    answer = prod.session().get(f"{prod.https}/web/health", timeout=30)
    assert answer.status_code == 200
    prod.portal_login()

    # Restored again over a live database and filestore (nothing lost this time): a file and a
    # line changed since the backup are the backup's again, the filestore set aside is gone.
    folder = ROOT / ".local" / "filestore" / "filestore" / prod.db
    stray = folder / "zz" / "not-in-the-backup"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"written after the backup")
    prod.psql("UPDATE starlink_service_line SET nickname = 'after the backup' RETURNING id")
    result = subprocess.run(
        ["make", "-s", "restore", f"BACKUP={backup}"],
        cwd=ROOT, env=prod.env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert _snapshot(prod) == before
    assert _files(prod) == files
    assert not stray.exists()
    assert not folder.with_name(f"{prod.db}.before-restore").exists()
    assert (
        prod.psql("SELECT count(*) FROM starlink_service_line WHERE nickname = 'after the backup'")
        == "0"
    )
    assert prod.session().get(f"{prod.https}/web/health", timeout=30).status_code == 200

    # A backup that does not load changes nothing: the current database and files stay.
    broken = backup.with_name("broken.dump.zip")
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("dump.sql", "this is not SQL;\n")
        archive.writestr("manifest.json", "{}")
    try:
        result = subprocess.run(
            ["make", "-s", "restore", f"BACKUP={broken}"],
            cwd=ROOT, env=prod.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        broken.unlink()
    assert result.returncode != 0
    assert "is unchanged" in result.stdout + result.stderr
    assert _snapshot(prod) == before
    assert _files(prod) == files
    assert prod.session().get(f"{prod.https}/web/health", timeout=30).status_code == 200


SFTP_SHELL = """
job = env["db.backup"].create({values!r})
job.action_backup()
print("job:", job.name)
print("messages:", job.message_ids.mapped("body"))
job.unlink()  # this run's job only: the daily backups stay local
env.cr.commit()
"""


def test_backup_to_sftp(prod, tmp_path):
    """auto_backup's SFTP method (README: Backups) stores the database and its filestore on
    the server, checks the server's host key against the Odoo user's known_hosts, and removes
    the copies past the retention there too."""
    server = SftpServer(tmp_path / "sftp", "backup", "sftp-test-password-41c9")
    remote = tmp_path / "sftp" / "backups" / "starlink"
    remote.mkdir(parents=True)
    (remote / "2001_01_01_00_00_00.dump.zip").write_bytes(b"a backup past its retention")
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "known_hosts").write_text(server.known_hosts_line())
    values = {
        "method": "sftp",
        "folder": "/backups/starlink",
        "sftp_host": "127.0.0.1",
        "sftp_port": server.port,
        "sftp_user": "backup",
        "sftp_password": "sftp-test-password-41c9",
        "days_to_keep": 14,
        "backup_format": "zip",
    }
    try:
        output = prod.odoo_shell(SFTP_SHELL.format(values=values), env={"HOME": str(home)})
    finally:
        server.stop()
    assert "Database backup succeeded." in output, output
    assert server.connections >= 2  # the copy, then the retention
    backups = sorted(path.name for path in remote.iterdir())
    assert len(backups) == 1 and backups[0].endswith(".dump.zip"), backups
    with zipfile.ZipFile(remote / backups[0]) as archive:
        names = archive.namelist()
        dump = archive.read("dump.sql")
    assert any(name.startswith("filestore/") for name in names)
    assert b"starlink_service_line" in dump
    assert prod.psql("SELECT count(*) FROM db_backup WHERE method = 'sftp'") == "0"
