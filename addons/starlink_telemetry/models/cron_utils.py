"""Scheduled work in batches that survive a bad record (DESIGN §7).

Every Starlink scheduled action has the same shape, in small overridable steps (like OCA
``contract``'s ``cron_recurring_create_invoice``)::

    _cron_<job>()                  the scheduled action: due units, budget, progress, trigger
      _get_<job>_domain()          which records are due
      _<job>_batch(records)        the work for a batch of units (vectorised where it can be)
        _prepare_<...>_values()    what is written for one unit
      _<job>_failed(record, err)   how a failing unit is shown to staff

``run_in_batches`` is the loop they share: a savepoint per batch, a failing batch retried in
halves down to the single bad unit (so a vectorised step stays vectorised for the good units),
the failure logged with its reason and recorded on the unit, a commit after each batch outside
tests. ``report_progress`` tells the cron runner how much is left and triggers the cron again
for the rest when a run stops after its batch budget.
"""

import logging

from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


def error_text(error):
    """A failure's reason as staff read it: the message of a user error, else type and text."""
    if isinstance(error, UserError):
        return str(error.args[0]) if error.args else str(error)
    return f"{type(error).__name__}: {error}"


def summarise(failures, limit=5):
    """``[(label, error), ...]`` as a few lines of text for a status or error field."""
    lines = [f"{label}: {error_text(error)}" for label, error in failures[:limit]]
    if len(failures) > limit:
        lines.append(f"... and {len(failures) - limit} more")
    return "\n".join(lines)


class BatchRun:
    """What ``run_in_batches`` did: the units done and the failures ``(unit, error)``."""

    def __init__(self):
        self.done = []
        self.failed = []

    @property
    def count(self):
        return len(self.done) + len(self.failed)


def run_in_batches(
    env, units, process, *, batch_size, on_failure=None, describe=None, commit=True,
    logger=None, what="unit",
):  # fmt: skip
    """Run ``process(batch)`` over ``units`` (a recordset or a list), batch by batch.

    Each batch runs in its own savepoint. A batch that raises is rolled back and retried in
    halves, down to single units: the good units are processed, the bad one is logged with
    its reason (``logger``, WARNING) and handed to ``on_failure(unit, error)`` (run in its own
    savepoint, to record the failure on the unit). With ``commit``, the work is committed
    after each batch (``starlink.account._commit``: never inside tests); without it the caller
    owns the transaction (e.g. a sync step already inside a savepoint).

    ``process`` must only touch the database (a mail is queued, not sent), so that a rolled
    back batch leaves nothing behind. Returns a ``BatchRun``.
    """
    logger = logger or _logger
    describe = describe or _describe
    run = BatchRun()

    def attempt(chunk):
        try:
            with env.cr.savepoint():
                process(chunk)
        except Exception as exc:  # noqa: BLE001 - one bad unit never stops the others
            error = exc
        else:
            run.done.extend(chunk)
            return
        if len(chunk) > 1:
            half = len(chunk) // 2
            attempt(chunk[:half])
            attempt(chunk[half:])
            return
        unit = chunk[0]
        logger.warning(
            "%s %s failed: %s", what, describe(unit), error_text(error), exc_info=error
        )
        run.failed.append((unit, error))
        if on_failure:
            try:
                with env.cr.savepoint():
                    on_failure(unit, error)
            except Exception as exc:  # noqa: BLE001 - recording a failure must not stop the run
                logger.warning("could not record the failure of %s", describe(unit), exc_info=exc)

    for start in range(0, len(units), batch_size):
        attempt(units[start : start + batch_size])
        if commit:
            env["starlink.account"]._commit()
    return run


def report_progress(env, cron_xmlid, done, remaining):
    """Tell the cron runner how far the run got; trigger the cron again when work is left.

    ``_notify_progress`` makes Odoo's cron runner call the job again at once while something
    remains (up to its own loop limit); the trigger covers a run started by hand and what is
    left after the runner's loop.
    """
    env["ir.cron"]._notify_progress(done=done, remaining=remaining)
    if remaining:
        env.ref(cron_xmlid)._trigger()


def _describe(unit):
    return getattr(unit, "display_name", None) or str(unit)
