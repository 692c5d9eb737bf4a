from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.forecast import METHOD_LABELS


class StarlinkUsageForecast(models.Model):
    """Forecast daily usage of a service line, for the rest of its cycle and the next one."""

    _name = "starlink.usage.forecast"
    _description = "Starlink Usage Forecast"
    _order = "service_line_id, date"
    _rec_name = "date"
    _log_access = False

    service_line_id = fields.Many2one(
        "starlink.service.line", required=True, ondelete="cascade", index=True, readonly=True
    )
    partner_id = fields.Many2one(
        related="service_line_id.partner_id", string="Client", store=True, index=True
    )
    company_id = fields.Many2one(related="service_line_id.company_id", store=True, index=True)
    date = fields.Date(required=True, readonly=True)
    cycle = fields.Selection(
        [("current", "Current cycle"), ("next", "Next cycle")], required=True, readonly=True
    )
    predicted_gb = fields.Float(string="Predicted (GB)", readonly=True, digits=(16, 3))
    lower_gb = fields.Float(string="Lower (GB)", readonly=True, digits=(16, 3))
    upper_gb = fields.Float(string="Upper (GB)", readonly=True, digits=(16, 3))
    method = fields.Selection(selection=list(METHOD_LABELS.items()), readonly=True)
    model_version = fields.Char(readonly=True)
    backtest_error = fields.Float(string="Backtest Error (%)", readonly=True, digits=(16, 1))

    _sql_constraints = [
        ("line_date_uniq", "unique(service_line_id, date)", "One forecast per line and day."),
    ]

    @api.model
    def _replace(self, line_ids, rows):
        """Replace the forecasts of ``line_ids`` by ``rows`` in bulk.

        ``rows``: tuples ``(service_line_id, date, cycle, predicted_gb, lower_gb, upper_gb,
        method, model_version, backtest_error)``.
        """
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "DELETE FROM starlink_usage_forecast WHERE service_line_id = ANY(%s)",
                list(line_ids),
            )
        )
        if rows:
            cr.execute_values(
                """INSERT INTO starlink_usage_forecast (service_line_id, date, cycle, predicted_gb,
                       lower_gb, upper_gb, method, model_version, backtest_error, partner_id,
                       company_id)
                   SELECT v.line_id, v.day::date, v.cycle, v.p, v.lo, v.hi, v.method, v.version,
                          v.err, l.partner_id, l.company_id
                     FROM (VALUES %s) AS v(line_id, day, cycle, p, lo, hi, method, version, err)
                     JOIN starlink_service_line l ON l.id = v.line_id""",
                rows,
                page_size=5000,
            )
        self.invalidate_model()
        return len(rows)
