from odoo import api, fields, models


class ContractLine(models.Model):
    """Starlink's own overage of the last ended cycle next to ours, on the contract line that
    bills it (where accountants check the overage invoiced in arrears)."""

    _inherit = "contract.line"

    starlink_reconciliation_id = fields.Many2one(
        "starlink.overage.reconciliation",
        string="Last Ended Cycle",
        compute="_compute_starlink_reconciliation",
        help="The service line's last billing cycle that has ended (its overage is invoiced "
        "in arrears), as reconciled with Starlink's overage lines.",
    )
    starlink_reported_overage_gb = fields.Float(
        string="Starlink's Overage (GB)",
        compute="_compute_starlink_reconciliation",
        digits=(16, 3),
        help="Starlink's overage of that cycle: its overage lines summed.",
    )
    starlink_reported_overage_price = fields.Float(
        string="Starlink's Overage Price",
        compute="_compute_starlink_reconciliation",
        digits=(16, 2),
        help="What Starlink charges for that cycle's overage (before taxes, in the Starlink "
        "account's currency).",
    )
    starlink_counted_overage_gb = fields.Float(
        string="Our Overage (GB)",
        compute="_compute_starlink_reconciliation",
        digits=(16, 2),
        help="The overage our billing counts for that whole cycle from our daily usage.",
    )
    starlink_overage_difference_gb = fields.Float(
        string="Overage Difference (GB)",
        compute="_compute_starlink_reconciliation",
        digits=(16, 2),
        help="Starlink's overage minus ours.",
    )

    @api.depends("starlink_service_line_id")
    def _compute_starlink_reconciliation(self):
        # Read for whoever may read the contract line (the figures are not confidential).
        Reconciliation = self.env["starlink.overage.reconciliation"].sudo()
        for line in self:
            service_line = line.starlink_service_line_id
            cycle = Reconciliation
            if service_line:
                cycle = Reconciliation.search(
                    [
                        ("service_line_id", "=", service_line.id),
                        ("cycle_end", "<", service_line._starlink_today()),
                    ],
                    order="cycle_end desc",
                    limit=1,
                )
            line.starlink_reconciliation_id = cycle
            line.starlink_reported_overage_gb = cycle.starlink_overage_gb
            line.starlink_reported_overage_price = cycle.starlink_overage_price
            line.starlink_counted_overage_gb = cycle.our_overage_gb
            line.starlink_overage_difference_gb = cycle.difference_gb
