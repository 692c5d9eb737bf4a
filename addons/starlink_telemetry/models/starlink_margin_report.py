from odoo import fields, models, tools
from odoo.tools import SQL

COST_SOURCES = [("starlink", "Starlink"), ("plan", "Plan cost"), ("none", "None")]


class StarlinkMarginReport(models.Model):
    """What each service line earns per month: invoiced to the client against Starlink's cost.

    Invoiced: the posted customer invoices minus the posted credit notes, untaxed, in the
    company's currency, whose lines bill the service line (``contract_line_id`` → contract
    line → service line), by invoice date. Cost: Starlink's invoice lines for the service
    line in the month of Starlink's invoice date (both bill the plan in advance and the
    overage in arrears); for a month with no Starlink cost, the plan's cost (product cost)
    stands in. Read only, a view over the stored invoices and cost lines.
    """

    _name = "starlink.margin.report"
    _description = "Starlink Margin Analysis"
    _auto = False
    _order = "date desc, service_line_id"
    _rec_name = "service_line_id"

    service_line_id = fields.Many2one("starlink.service.line", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    product_id = fields.Many2one("product.product", string="Plan", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(
        "res.currency", readonly=True, help="The company's currency, of every amount."
    )
    date = fields.Date(string="Month", readonly=True, help="First day of the month.")
    invoiced = fields.Monetary(
        readonly=True,
        help="Posted customer invoices minus posted credit notes of the line in the month, "
        "untaxed, in the company's currency.",
    )
    cost = fields.Monetary(
        string="Starlink Cost",
        readonly=True,
        help="Starlink's invoice lines for the line in the month (converted to the company's "
        "currency at their date); without any, the plan's cost.",
    )
    cost_source = fields.Selection(
        COST_SOURCES, readonly=True, help="Where the cost of the month comes from."
    )
    margin = fields.Monetary(readonly=True, help="Invoiced minus cost.")
    margin_percent = fields.Float(
        string="Margin (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Margin as a share of the invoiced amount (of the sums, when grouped).",
    )
    below_cost = fields.Boolean(
        readonly=True, help="The line cost more than it was invoiced in the month."
    )

    def _read_group_select(self, aggregate_spec, query):
        """Margin % of a group: of its sums, not the average of its rows' percentages."""
        if aggregate_spec != "margin_percent:avg":
            return super()._read_group_select(aggregate_spec, query)
        return SQL(
            "100.0 * SUM(%(margin)s) / NULLIF(SUM(%(invoiced)s), 0)",
            margin=self._field_to_sql(self._table, "margin", query),
            invoiced=self._field_to_sql(self._table, "invoiced", query),
        )

    def _query(self):
        return SQL(
            """
            WITH revenue AS (
                SELECT cl.starlink_service_line_id AS service_line_id,
                       date_trunc('month', am.invoice_date)::date AS date,
                       SUM(-aml.balance) AS invoiced
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                  JOIN contract_line cl ON cl.id = aml.contract_line_id
                 WHERE am.state = 'posted'
                   AND am.move_type IN ('out_invoice', 'out_refund')
                   AND aml.display_type = 'product'
                   AND cl.starlink_service_line_id IS NOT NULL
                 GROUP BY 1, 2
            ), cost AS (
                SELECT service_line_id,
                       date_trunc('month', invoice_date)::date AS date,
                       SUM(amount_company) AS cost
                  FROM starlink_cost_line
                 WHERE service_line_id IS NOT NULL
                 GROUP BY 1, 2
            ), months AS (
                SELECT service_line_id, date FROM revenue
                 UNION
                SELECT service_line_id, date FROM cost
            ), figures AS (
                SELECT m.service_line_id, m.date,
                       COALESCE(r.invoiced, 0) AS invoiced,
                       c.cost AS starlink_cost,
                       (pp.standard_price ->> sl.company_id::text)::numeric AS plan_cost,
                       sl.partner_id, sl.product_id, sl.company_id, co.currency_id
                  FROM months m
                  JOIN starlink_service_line sl ON sl.id = m.service_line_id
                  JOIN res_company co ON co.id = sl.company_id
                  LEFT JOIN revenue r
                         ON r.service_line_id = m.service_line_id AND r.date = m.date
                  LEFT JOIN cost c ON c.service_line_id = m.service_line_id AND c.date = m.date
                  LEFT JOIN product_product pp ON pp.id = sl.product_id
            )
            SELECT service_line_id::bigint * 100000
                       + extract(year FROM date)::bigint * 12
                       + extract(month FROM date)::bigint AS id,
                   service_line_id, partner_id, product_id, company_id, currency_id, date,
                   invoiced,
                   COALESCE(starlink_cost, plan_cost, 0) AS cost,
                   CASE WHEN starlink_cost IS NOT NULL THEN 'starlink'
                        WHEN plan_cost IS NOT NULL THEN 'plan'
                        ELSE 'none' END AS cost_source,
                   invoiced - COALESCE(starlink_cost, plan_cost, 0) AS margin,
                   CASE WHEN invoiced <> 0
                        THEN 100.0 * (invoiced - COALESCE(starlink_cost, plan_cost, 0)) / invoiced
                   END AS margin_percent,
                   invoiced < COALESCE(starlink_cost, plan_cost, 0) AS below_cost
              FROM figures
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
