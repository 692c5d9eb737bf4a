"""The Starlink requests of the suspension for non-payment (DESIGN §5, issue 8).

Starlink has no reversible pause: a line suspended for non-payment is opted out of priority
data (``POST .../data/opt-out``, undone by ``.../data/opt-in``) or cancelled (``DELETE
/service-lines/{sln}``, never undone), as the company chose. They are requests like the
others: recorded and committed before they leave, never sent twice, re-read before they are
sent (nothing is sent when Starlink shows it done already) and checkable after a lost answer.
"""

import json
import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..lib.exceptions import StarlinkValidationError

_logger = logging.getLogger(__name__)

NONPAYMENT_KINDS = ("opt_out", "opt_in", "cancel")
NONPAYMENT_GROUP = "starlink_base.starlink_base_group_admin"


class StarlinkApiRequest(models.Model):
    _inherit = "starlink.api.request"

    kind = fields.Selection(
        selection_add=[
            ("opt_out", "Priority Data Opt-Out"),
            ("opt_in", "Priority Data Opt-In"),
            ("cancel", "Service Line Cancellation"),
        ],
        ondelete={kind: "cascade" for kind in NONPAYMENT_KINDS},
    )

    @api.depends("kind", "target")
    def _compute_display_name(self):
        super()._compute_display_name()
        labels = self._kind_labels()
        for request in self.filtered(lambda r: r.kind in NONPAYMENT_KINDS):
            request.display_name = f"{labels[request.kind]} {request.target or ''}".strip()

    @api.model
    def _kind_labels(self):
        return dict(self._fields["kind"]._description_selection(self.env))

    # ------------------------------------------------------------------ access

    @api.model
    def _check_kind_access(self, kind):
        """Only Organization Admins suspend and resume lines by hand (the scheduled action
        and the payment of an invoice run as superuser)."""
        if kind not in NONPAYMENT_KINDS:
            return super()._check_kind_access(kind)
        if not self.env.su and not self.env.user.has_group(NONPAYMENT_GROUP):
            raise AccessError(
                _("Only Organization Admins send this request to Starlink (%s).",
                  self._kind_labels()[kind])
            )  # fmt: skip
        return None

    @api.model
    def _pending_message(self, kind, target):
        if kind not in NONPAYMENT_KINDS:
            return super()._pending_message(kind, target)
        return _(
            "A %(kind)s for %(target)s is already being sent or waits for a check at "
            "Starlink: it is not sent twice.",
            kind=self._kind_labels()[kind],
            target=target,
        )

    # ------------------------------------------------------------------ sending

    def _read_before_sending(self, client):
        if self.kind in NONPAYMENT_KINDS:
            return self._line_reading(client)
        return super()._read_before_sending(client)

    def _line_reading(self, client):
        """What the line shows at Starlink: active, end date, opt-in product."""
        line = client.get_service_line(self.target)
        return {
            "active": bool(line.get("active")),
            "endDate": line.get("endDate"),
            "optInProductId": line.get("optInProductId"),
        }

    def _done_already(self, snapshot):
        if self.kind not in NONPAYMENT_KINDS or snapshot is None:
            return super()._done_already(snapshot)
        if self.kind == "opt_out" and not snapshot.get("optInProductId"):
            return _("The line is not opted into priority data at Starlink: nothing was sent.")
        if self.kind == "opt_in" and snapshot.get("optInProductId"):
            return _("The line is opted into priority data at Starlink already: nothing was sent.")
        if self.kind == "cancel" and not snapshot.get("active"):
            return _("The line is no longer active at Starlink: nothing was sent.")
        return None

    def _call_starlink(self, client):
        if self.kind not in NONPAYMENT_KINDS:
            return super()._call_starlink(client)
        if self.kind == "cancel":
            payload = self._payload()
            return client.deactivate_service_line(
                self.target, end_now=payload.get("endNow", True), reason=payload.get("reason")
            )
        call = (
            client.opt_out_priority_data if self.kind == "opt_out" else client.opt_in_priority_data
        )
        try:
            return call(self.target)
        except StarlinkValidationError as error:
            if "cool down" not in str(error).lower():
                raise
            # Starlink refuses opt-in changes for a while after the last one: never retried
            # here; someone sends it again once the cool down is over.
            raise StarlinkValidationError(
                _("%(error)s. Starlink refuses opt-in changes for a while after the last "
                  "one: use Send Again on the request once the cool down is over.",
                  error=str(error).rstrip(".")),
                status=error.status, path=error.path, errors=error.errors,
            ) from error  # fmt: skip

    # ------------------------------------------------------------------ checking

    def _applied_at_starlink(self, client):
        if self.kind not in NONPAYMENT_KINDS:
            return super()._applied_at_starlink(client)
        reading = self._line_reading(client)
        if self.kind == "opt_out":
            return not reading["optInProductId"]
        if self.kind == "opt_in":
            return bool(reading["optInProductId"])
        return not reading["active"] or bool(reading["endDate"])

    def _was_opted_in(self):
        """Whether Starlink showed the line opted in just before this request was sent
        (None when it was not read)."""
        snapshot = json.loads(self.before_snapshot or "null")
        return bool(snapshot.get("optInProductId")) if isinstance(snapshot, dict) else None

    # ------------------------------------------------------------------ outcome

    def _apply_confirmed(self):
        super()._apply_confirmed()
        if self.kind == "cancel" and self.service_line_id:
            self.service_line_id._nonpayment_cancelled_at_starlink(self)
