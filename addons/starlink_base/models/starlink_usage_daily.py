from psycopg2.extras import execute_values

from odoo import api, fields, models

USAGE_COLUMNS = ("priority_gb", "opt_in_priority_gb", "standard_gb", "non_billable_gb")


class StarlinkUsageDaily(models.Model):
    """Data used by one service line on one day, as reported by Starlink."""

    _name = "starlink.usage.daily"
    _description = "Starlink Daily Usage"
    _order = "date desc, service_line_id"
    _rec_name = "date"

    service_line_id = fields.Many2one(
        "starlink.service.line", required=True, ondelete="cascade", index=True
    )
    date = fields.Date(required=True, index=True)
    priority_gb = fields.Float(string="Priority (GB)", digits=(16, 3))
    opt_in_priority_gb = fields.Float(string="Opt-in Priority (GB)", digits=(16, 3))
    standard_gb = fields.Float(string="Standard (GB)", digits=(16, 3))
    non_billable_gb = fields.Float(string="Non-billable (GB)", digits=(16, 3))
    billable_gb = fields.Float(
        string="Billable (GB)",
        compute="_compute_totals",
        store=True,
        digits=(16, 3),
        help="Priority, opt-in priority and standard data: what counts against the plan limit.",
    )
    total_gb = fields.Float(
        string="Total (GB)", compute="_compute_totals", store=True, digits=(16, 3)
    )
    partner_id = fields.Many2one(
        related="service_line_id.partner_id", string="Client", store=True, index=True
    )
    product_id = fields.Many2one(related="service_line_id.product_id", string="Plan", store=True)
    company_id = fields.Many2one(related="service_line_id.company_id", store=True, index=True)

    _sql_constraints = [
        (
            "service_line_date_uniq",
            "unique(service_line_id, date)",
            "There is already a usage record for this service line and day.",
        ),
        (
            "usage_positive",
            "CHECK(priority_gb >= 0 AND opt_in_priority_gb >= 0 AND standard_gb >= 0 "
            "AND non_billable_gb >= 0)",
            "Usage cannot be negative.",
        ),
    ]

    @api.depends(*USAGE_COLUMNS)
    def _compute_totals(self):
        for usage in self:
            usage.billable_gb = usage.priority_gb + usage.opt_in_priority_gb + usage.standard_gb
            usage.total_gb = usage.billable_gb + usage.non_billable_gb

    @api.model
    def _upsert(self, rows, page_size=5000):
        """Insert or update usage rows in bulk, one row per (service line, day).

        ``rows`` are tuples ``(service_line_id, date, priority_gb, opt_in_priority_gb,
        standard_gb, non_billable_gb)``. Existing days are overwritten with the new figures
        (Starlink revises the last days). Returns the number of rows written.
        """
        if not rows:
            return 0
        self.env.flush_all()
        query = """
            INSERT INTO starlink_usage_daily AS u (
                service_line_id, date, priority_gb, opt_in_priority_gb, standard_gb,
                non_billable_gb, billable_gb, total_gb, partner_id, product_id, company_id,
                create_uid, write_uid, create_date, write_date)
            SELECT v.line_id, v.day::date, v.p, v.o, v.s, v.n, v.p + v.o + v.s,
                   v.p + v.o + v.s + v.n, l.partner_id, l.product_id, l.company_id,
                   %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM (VALUES %%s) AS v(line_id, day, p, o, s, n)
              JOIN starlink_service_line l ON l.id = v.line_id
            ON CONFLICT (service_line_id, date) DO UPDATE SET
                priority_gb = EXCLUDED.priority_gb,
                opt_in_priority_gb = EXCLUDED.opt_in_priority_gb,
                standard_gb = EXCLUDED.standard_gb,
                non_billable_gb = EXCLUDED.non_billable_gb,
                billable_gb = EXCLUDED.billable_gb,
                total_gb = EXCLUDED.total_gb,
                write_uid = EXCLUDED.write_uid,
                write_date = EXCLUDED.write_date
        """ % {"uid": int(self.env.uid)}
        execute_values(self.env.cr._obj, query, rows, page_size=page_size)
        self.invalidate_model()
        # Cycle usage and anything else computed from the usage must be read again.
        self.env["starlink.service.line"].invalidate_model()
        return len(rows)
