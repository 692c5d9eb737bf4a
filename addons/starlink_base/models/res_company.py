from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _starlink_today(self):
        """The day it is for this company's billing: today in the company's time zone (its
        partner's, UTC when it has none), whoever asks. ``starlink_date`` in the context
        (a date, as tests and tools pin it) wins."""
        self.ensure_one()
        pinned = self.env.context.get("starlink_date")
        if pinned:
            return fields.Date.to_date(pinned)
        tz = self.sudo().partner_id.tz or "UTC"
        return fields.Date.context_today(self.with_context(tz=tz))
