import json
import logging

from odoo import _, models

_logger = logging.getLogger(__name__)

TOP_UP_GB = 50.0  # data per Starlink top-up block


class StarlinkApiRequestFollowUp(models.AbstractModel):
    """What Odoo does once Starlink confirmed a request: the line's plan and billing follow.
    Inherited by ``starlink.api.request``."""

    _name = "starlink.api.request.follow.up"
    _description = "Starlink Request Follow-up"

    def _apply_confirmed(self):
        """What Odoo does once Starlink applied the request: the line's plan and billing
        follow (a top-up billed once, a plan change billed as Starlink does it). Starlink has
        applied it already, so a failure here never undoes the request: it is noted on the
        line for staff to bill by hand."""
        self.ensure_one()
        line = self.service_line_id
        if self.kind not in ("top_up", "plan_change") or not line:
            return
        try:
            with self.env.cr.savepoint():
                if self.kind == "top_up":
                    done = self._bill_top_up(line)
                else:
                    done = self._follow_plan_change(line)
            if done:
                self._commit()
        except Exception as error:  # noqa: BLE001 - Starlink applied it: never undone here
            _logger.warning("Starlink request %s: follow-up failed: %s", self.display_name, error)
            line.message_post(
                body=_(
                    "%(name)s was applied at Starlink, but Odoo could not follow it up: "
                    "%(error)s. Bill it by hand.",
                    name=self.display_name,
                    error=error,
                )
            )
            self._commit()

    def _bill_top_up(self, line):
        """A confirmed top-up is billed once on the line's contract (when it is billed and
        the request names what the client is invoiced as)."""
        if not (line.contract_line_id and self.product_id and self.amount > 0):
            return False
        count = json.loads(self.payload or "{}").get("count") or 1
        self.env["contract.line"]._starlink_add_one_off(
            line,
            self.product_id,
            self.amount,
            line._starlink_today(),
            topup_gb=TOP_UP_GB * count,
        )
        return True

    def _follow_plan_change(self, line):
        """A confirmed plan change: the line takes the new plan now when Starlink applied it
        at once (an upgrade), else the inventory sync gives it at the next cycle; billing
        follows as Starlink does it."""
        plan = self.product_id
        if not plan:
            return False
        reading = self._starlink_client().get_service_line(self.target)
        if reading.get("productReferenceId") == plan.starlink_product_reference:
            line.product_id = plan
        if line.contract_line_id:
            self.env["contract.line"]._starlink_change_plan(line, plan, line._starlink_today())
        return True
