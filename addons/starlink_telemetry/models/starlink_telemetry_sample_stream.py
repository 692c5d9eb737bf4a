import logging
from concurrent.futures import ThreadPoolExecutor, wait

from odoo import api, models

from ..lib.switch_interval import short_switch_interval
from ..lib.telemetry import stream_row_count
from ..lib.telemetry_columns import ColumnBatch, decode_parts
from .starlink_telemetry_sample import _ms

_logger = logging.getLogger(__name__)


class _Answer:
    """A stream answer being stored by ``_ingest_payloads``."""

    def __init__(self, oldest_ms, keys):
        self.batch = ColumnBatch()  # its counts and software versions, no samples
        self.oldest_ms = oldest_ms  # samples before it are refused (retention)
        self.samples = self.new = self.too_old = 0
        # what its parts settled (see ``_prepare_copy``); device keys of earlier answers too
        self.known = {"keys": keys}
        self.savepoint = None  # opened before its first part is stored

    def add(self, part):
        """Count a decoded part of the answer (its samples go on to be stored)."""
        self.too_old += part.drop_older_than(self.oldest_ms)
        self.samples += part.sample_count
        self.batch.add(part)


class StarlinkTelemetrySample(models.Model):
    """Stream answers decoded and stored one after the other: each in parts, the next part
    decoded (or the next answer taken) while the second thread stores the one before."""

    _inherit = "starlink.telemetry.sample"

    @api.model
    def _ingest_payload(self, payload):
        """Decode and store a stream answer in the caller's transaction (as
        ``_ingest_payloads`` does). Returns ``(batch, result)``: the answer's counts and
        software versions (a ``ColumnBatch`` without samples) and what ``_ingest_batch``
        returns."""
        (stored,) = self._ingest_payloads([payload])
        return stored

    @api.model
    def _ingest_payloads(self, payloads):
        """Decode and store stream answers one after the other (a generator): yields
        ``(batch, result)`` as ``_ingest_payload`` returns it once all the samples of an
        answer are in the transaction.

        An answer is decoded in parts: while PostgreSQL stores a part (in a second thread,
        which waits on the server most of the time), the next one is decoded, and while the
        last part of an answer is stored, the next answer is taken from ``payloads`` and its
        first part decoded. One thread at a time uses the cursor: decoding needs none, a
        part's devices and partitions are settled (``_prepare_copy``) once the COPY before it
        is done, and nothing runs on the cursor when an answer is yielded, so that the caller
        can commit it (and record what follows it) before the next answer is stored.

        Each answer is stored under its own savepoint: an error rolls back the answer being
        stored and is raised. An answer already taken from ``payloads`` is then lost with it
        (``payloads`` should only fetch the next answer when the stream has a backlog); an
        error taking the next answer is raised after the answer being stored is yielded.
        Device keys are looked up once a call: the caller keeps what was stored before an
        answer it was given (committed or not).
        """
        oldest = _ms(self._oldest_accepted())
        keys = {}  # device keys, kept from one answer to the next (the devices stay)
        payloads = iter(payloads)
        answer = None
        storing = None  # (the COPY of a part running in the second thread, its answer)
        with short_switch_interval(), ThreadPoolExecutor(max_workers=1) as storer:
            try:
                while True:
                    try:
                        payload = next(payloads)
                    except StopIteration:
                        break
                    except Exception:
                        if storing:  # the answer stored meanwhile is complete: it comes first
                            stored, storing = self._copy_done(*storing), None
                            yield self._answer_stored(stored)
                        raise
                    answer = _Answer(oldest, keys)
                    for part in decode_parts(payload, self._ingest_part_rows):
                        answer.add(part)
                        if storing:
                            stored, storing = self._copy_done(*storing), None
                            if stored is not answer:  # the last part of the answer before
                                yield self._answer_stored(stored)
                        if answer.savepoint is None:
                            answer.savepoint = self.env.cr.savepoint(flush=False)
                        copy = self._prepare_copy(part.columns, answer.known)
                        storing = copy and (storer.submit(self._write_copy, copy), answer)
                    if not storing:  # nothing of it left to store
                        yield self._answer_stored(answer)
                if storing:
                    stored, storing = self._copy_done(*storing), None
                    yield self._answer_stored(stored)
            except BaseException:
                if storing:
                    wait([storing[0]])  # the second thread leaves the cursor first
                    if answer is not storing[1]:
                        _logger.error(
                            "Starlink telemetry: storing an answer failed; the next answer, "
                            "%d rows received are lost with it", stream_row_count(payload),
                        )  # fmt: skip
                for unfinished in (answer, storing and storing[1]):
                    if unfinished and unfinished.savepoint:
                        unfinished.savepoint.close(rollback=True)  # once (idempotent)
                raise

    @api.model
    def _copy_done(self, future, answer):
        """Wait for a part's COPY; returns its answer (its savepoint rolled back on error)."""
        try:
            answer.new += future.result()
        except Exception:
            answer.savepoint.close(rollback=True)
            raise
        return answer

    @api.model
    def _answer_stored(self, answer):
        """``(batch, result)`` of an answer whose samples are all stored."""
        if answer.savepoint is not None:
            answer.savepoint.close(rollback=False)
        result = self._ingest_result(answer.batch, answer.samples, answer.new, answer.too_old)
        return answer.batch, result
