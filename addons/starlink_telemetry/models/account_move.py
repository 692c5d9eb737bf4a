from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _invoice_paid_hook(self):
        """Paid invoices resume the service lines suspended for them (when nothing else is
        overdue); their Starlink requests are sent by the non-payment scheduled action,
        triggered at once, once the payment is committed."""
        result = super()._invoice_paid_hook()
        invoices = self.filtered(lambda move: move.move_type == "out_invoice")
        if invoices:
            self.env["starlink.service.line"]._nonpayment_resume_for_invoices(invoices)
        return result
