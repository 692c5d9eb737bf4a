from odoo import fields, models

OVERAGE_TYPES = [
    ("none", "None"),
    ("priority_per_gb", "Priority data per GB"),
    ("deprioritized_per_gb", "Deprioritised data per GB"),
    ("limit_no_overage", "Limit without overage data"),
]


class StarlinkOverageLine(models.Model):
    """One overage line of a billing cycle as Starlink reports it (``DataUsageOverageLine``
    of a usage answer). A cycle may hold several (since 2026-04, e.g. on a plan change in
    the middle of the cycle); the usage sync replaces the set of each cycle it receives."""

    _name = "starlink.overage.line"
    _description = "Starlink Overage Line"
    _order = "service_line_id, cycle_start desc, sequence"
    _rec_name = "cycle_start"

    reconciliation_id = fields.Many2one(
        "starlink.overage.reconciliation",
        string="Cycle",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
        help="The service line's billing cycle this overage line belongs to.",
    )
    service_line_id = fields.Many2one(
        related="reconciliation_id.service_line_id", store=True, index=True
    )
    company_id = fields.Many2one(related="reconciliation_id.company_id", store=True)
    cycle_start = fields.Date(related="reconciliation_id.cycle_start", store=True)
    cycle_end = fields.Date(related="reconciliation_id.cycle_end", store=True)
    sequence = fields.Integer(
        readonly=True, help="Place of the line in the cycle's overageLines as Starlink sent it."
    )
    overage_gb = fields.Float(
        string="Overage (GB)",
        digits=(16, 3),
        readonly=True,
        help="Priority data consumed beyond the usage limit while opted into overage "
        "(overageAmountGB): only opt-in priority data counts toward overage.",
    )
    consumed_gb = fields.Float(
        string="Consumed (GB)",
        digits=(16, 3),
        readonly=True,
        help="Priority data consumed up to the usage limit (consumedAmountGB).",
    )
    usage_limit_gb = fields.Float(
        string="Usage Limit (GB)",
        digits=(16, 3),
        readonly=True,
        help="The plan's included priority data before overage applies (usageLimitGB); zero "
        "for plans restricted by default.",
    )
    price_per_gb = fields.Float(
        string="Price per GB",
        digits=(16, 4),
        readonly=True,
        help="Starlink's overage price per GB (pricePerGB), in the account's currency.",
    )
    overage_price = fields.Float(
        digits=(16, 4),
        readonly=True,
        help="Starlink's total overage price of the line, before taxes and fees " "(overagePrice).",
    )
    product_reference = fields.Char(
        readonly=True, help="Starlink's product id of the overage product (productId)."
    )
    overage_type = fields.Selection(
        OVERAGE_TYPES, readonly=True, help="Starlink's kind of overage (dataOverageType)."
    )
    active_from = fields.Date(
        readonly=True,
        help="Day this overage period began tracking usage (activeFrom); empty while no "
        "usage has been recorded.",
    )

    def _values_key(self):
        """What the sync compares to decide whether a cycle's set changed (see
        :func:`values_key`)."""
        self.ensure_one()
        return values_key(
            self.sequence, self.overage_gb, self.consumed_gb, self.usage_limit_gb,
            self.price_per_gb, self.overage_price, self.product_reference, self.overage_type,
            self.active_from,
        )  # fmt: skip


def values_key(sequence, overage, consumed, limit, price_gb, price, product, kind, active_from):
    """An overage line's figures rounded as they are stored, to compare a stored line with
    one Starlink sent."""
    return (
        sequence, round(overage, 3), round(consumed, 3), round(limit, 3), round(price_gb, 4),
        round(price, 4), product or None, kind or None, active_from or None,
    )  # fmt: skip
