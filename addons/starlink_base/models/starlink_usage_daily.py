from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.usage_rules import counted_gb, total_gb

USAGE_COLUMNS = ("priority_gb", "opt_in_priority_gb", "standard_gb", "non_billable_gb")

# One statement for a page of rows; ``%(counted)s`` is the limit basis' CASE expression.
UPSERT_QUERY = """
    INSERT INTO starlink_usage_daily AS u (
        service_line_id, date, priority_gb, opt_in_priority_gb, standard_gb, non_billable_gb,
        counted_gb, total_gb, partner_id, product_id, company_id,
        create_uid, write_uid, create_date, write_date)
    SELECT v.line_id, v.day::date, v.priority_gb, v.opt_in_priority_gb, v.standard_gb,
           v.non_billable_gb, %(counted)s, v.priority_gb + v.standard_gb + v.non_billable_gb,
           l.partner_id, l.product_id, l.company_id,
           v.uid, v.uid, now() at time zone 'UTC', now() at time zone 'UTC'
      FROM (VALUES %%s) AS v(line_id, day, priority_gb, opt_in_priority_gb, standard_gb,
                             non_billable_gb, uid)
      JOIN starlink_service_line l ON l.id = v.line_id
      LEFT JOIN product_product pp ON pp.id = l.product_id
      LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
    ON CONFLICT (service_line_id, date) DO UPDATE SET
        priority_gb = EXCLUDED.priority_gb,
        opt_in_priority_gb = EXCLUDED.opt_in_priority_gb,
        standard_gb = EXCLUDED.standard_gb,
        non_billable_gb = EXCLUDED.non_billable_gb,
        counted_gb = EXCLUDED.counted_gb,
        total_gb = EXCLUDED.total_gb,
        write_uid = EXCLUDED.write_uid,
        write_date = EXCLUDED.write_date
"""


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
    priority_gb = fields.Float(
        string="Priority (GB)",
        digits=(16, 3),
        help="All priority (high-speed) data of the day, opt-in priority data included.",
    )
    opt_in_priority_gb = fields.Float(
        string="Opt-in Priority (GB)",
        digits=(16, 3),
        help="The part of the priority data used while opted into overage: a subset of the "
        "priority data, never added to it.",
    )
    standard_gb = fields.Float(
        string="Standard (GB)", digits=(16, 3), help="Standard (deprioritised) data."
    )
    non_billable_gb = fields.Float(string="Non-billable (GB)", digits=(16, 3))
    counted_gb = fields.Float(
        string="Counted (GB)",
        compute="_compute_totals",
        store=True,
        digits=(16, 3),
        help="What counts against the plan's data limit: priority data (opt-in included) by "
        "Starlink's rule, or the categories the plan's limit basis names.",
    )
    total_gb = fields.Float(
        string="Total (GB)",
        compute="_compute_totals",
        store=True,
        digits=(16, 3),
        help="Every gigabyte moved: priority (opt-in included), standard and non-billable.",
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

    @api.depends(*USAGE_COLUMNS, "service_line_id.product_id.starlink_limit_basis")
    def _compute_totals(self):
        for usage in self:
            basis = usage.service_line_id.product_id.starlink_limit_basis
            values = (usage.priority_gb, usage.standard_gb, usage.non_billable_gb)
            usage.counted_gb = counted_gb(basis, *values)
            usage.total_gb = total_gb(*values)

    @api.model
    def _sql_counted_gb(self, alias, basis):
        """SQL of :func:`~..lib.usage_rules.counted_gb` over the columns of ``alias``."""
        p, s, n = (
            SQL.identifier(alias, column)
            for column in ("priority_gb", "standard_gb", "non_billable_gb")
        )
        return SQL(
            "CASE %(basis)s WHEN 'priority_standard' THEN %(p)s + %(s)s "
            "WHEN 'all' THEN %(p)s + %(s)s + %(n)s ELSE %(p)s END",
            basis=basis, p=p, s=s, n=n,
        )  # fmt: skip

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
        counted = self._sql_counted_gb("v", SQL("pt.starlink_limit_basis"))
        query = UPSERT_QUERY % {"counted": counted.code}
        rows = [(*row, self.env.uid) for row in rows]
        self.env.cr.execute_values(query, rows, page_size=page_size)
        self.invalidate_model()
        # Cycle usage and anything else computed from the usage must be read again.
        self.env["starlink.service.line"].invalidate_model()
        return len(rows)

    @api.model
    def _recompute_usage_totals(self, line_ids=None):
        """Recompute the stored counted and total GB in SQL (after a change of rules).

        ``line_ids``: only the usage of these service lines. Returns the rows updated.
        """
        self.env.flush_all()
        where = SQL("u.service_line_id = ANY(%s)", list(line_ids)) if line_ids else SQL("TRUE")
        self.env.cr.execute(
            SQL(
                """
                UPDATE starlink_usage_daily u
                   SET counted_gb = %(counted)s,
                       total_gb = u.priority_gb + u.standard_gb + u.non_billable_gb
                  FROM starlink_service_line l
                  LEFT JOIN product_product pp ON pp.id = l.product_id
                  LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE l.id = u.service_line_id AND %(where)s
                """,
                counted=self._sql_counted_gb("u", SQL("pt.starlink_limit_basis")),
                where=where,
            )
        )
        self.invalidate_model(["counted_gb", "total_gb"])
        self.env["starlink.service.line"].invalidate_model()
        return self.env.cr.rowcount
