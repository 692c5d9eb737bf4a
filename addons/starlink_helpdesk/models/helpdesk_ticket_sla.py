from datetime import timedelta

from odoo import api, fields, models

# A ticket is at risk when less than this share of its SLA time is left.
AT_RISK_SHARE = 0.25
# Changing one of these fields changes which SLAs apply (OCA helpdesk_mgmt_sla matches SLAs
# by team, category, tags and a filter on the ticket, e.g. its priority).
SLA_FIELDS = ("team_id", "priority", "category_id", "tag_ids")


class HelpdeskTicket(models.Model):
    """SLA deadlines by team and priority (OCA ``helpdesk_mgmt_sla``), searchable: the tickets
    whose SLA is breached or at risk."""

    _inherit = "helpdesk.ticket"

    sla_deadline = fields.Datetime(search="_search_sla_deadline")
    sla_at_risk = fields.Boolean(
        string="SLA at Risk",
        compute="_compute_sla_at_risk",
        search="_search_sla_at_risk",
        help="Not breached yet, but less than a quarter of the SLA time is left.",
    )

    @api.depends("ticket_sla_ids.state", "ticket_sla_ids.deadline")
    def _compute_sla_at_risk(self):
        at_risk = self._sla_at_risk_lines(self.ids)
        for ticket in self:
            ticket.sla_at_risk = bool(ticket.ticket_sla_ids & at_risk)

    def _search_sla_deadline(self, operator, value):
        """The earliest deadline of the SLAs in progress (as computed by the OCA module)."""
        if operator in ("=", "!=") and not value:
            has_one = [("ticket_sla_ids", "any", [("state", "=", "in_progress")])]
            return has_one if operator == "!=" else ["!", *has_one]
        in_progress = [("state", "=", "in_progress"), ("deadline", operator, value)]
        return [("ticket_sla_ids", "any", in_progress)]

    def _search_sla_at_risk(self, operator, value):
        if operator not in ("=", "!="):
            raise NotImplementedError(operator)
        tickets = self._sla_at_risk_lines().ticket_id
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", tickets.ids)]

    @api.model
    def _sla_at_risk_lines(self, ticket_ids=None):
        """The ticket SLAs in progress, not breached, with less than ``AT_RISK_SHARE`` of their
        time left (of the tickets ``ticket_ids``, or of every ticket when None)."""
        now = fields.Datetime.now()
        domain = [("state", "=", "in_progress"), ("deadline", ">=", now)]
        if ticket_ids is not None:
            domain.append(("ticket_id", "in", ticket_ids))
        lines = self.env["helpdesk.ticket.sla"].sudo().search(domain)
        return lines.filtered(
            lambda sla: sla.deadline - now <= timedelta(hours=sla.hours * AT_RISK_SHARE)
        )

    # ------------------------------------------------------------------ CRUD

    def write(self, vals):
        result = super().write(vals)
        if any(name in vals for name in SLA_FIELDS):
            # The SLAs of the new team or priority apply (those that still match keep their
            # state), none on a team without SLA; under sudo: helpdesk users may not delete
            # the ticket's SLA lines.
            for ticket in self.filtered(lambda t: not t.closed).sudo():
                if ticket.team_sla:
                    ticket.refresh_sla()
                else:
                    ticket.ticket_sla_ids.unlink()
        return result
