# Daily backups of the database and its filestore with OCA auto_backup, run in an Odoo shell:
#   BACKUP_DIR=/var/lib/odoo/backups/starlink BACKUP_DAYS=14 \
#       odoo shell -c odoo.conf -d starlink --no-http < tools/deploy/odoo/configure_backup.py
# One local backup job (zip: SQL dump + filestore) in BACKUP_DIR, kept BACKUP_DAYS days (older
# zips are removed after each successful backup), and auto_backup's daily scheduled action on.
# Run again, it updates the same job. `make prod` runs it; an SFTP copy is a second job (README).
import os

folder = os.environ["BACKUP_DIR"]
days = int(os.environ.get("BACKUP_DAYS", "14"))
Backup = env["db.backup"]  # noqa: F821 - the shell's environment
job = Backup.search([("method", "=", "local")], limit=1)
values = {"folder": folder, "days_to_keep": days, "method": "local", "backup_format": "zip"}
if job:
    job.write(values)
else:
    job = Backup.create(values)
cron = env.ref("auto_backup.ir_cron_backup_scheduler_0")  # noqa: F821
cron.write({"active": True, "interval_number": 1, "interval_type": "days"})
env.cr.commit()  # noqa: F821
print(f"backup job {job.id}: {folder}, kept {days} days, next run {cron.nextcall}")
