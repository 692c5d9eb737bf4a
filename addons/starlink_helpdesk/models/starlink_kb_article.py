from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.translate import html_translate

from ..lib import kb

TERMINAL_ALERT_HELP = (
    "Starlink terminal alerts that make this article suggested, as the telemetry reports "
    "them, comma separated: e.g. high_sky_obstruction, high_time_obstruction, "
    "data_overage_rate_limited, power_disconnect_detected."
)


class StarlinkKbArticle(models.Model):
    """A help article: read by clients in the portal when published, and suggested to them
    while they write a ticket when it matches their terminal's alerts, their line's open
    alerts or the ticket category they chose (``_suggest``)."""

    _name = "starlink.kb.article"
    _description = "Knowledge Base Article"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(string="Title", required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    category_id = fields.Many2one(
        "starlink.kb.category",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
        check_company=True,
    )
    summary = fields.Char(
        translate=True, help="One or two sentences shown in lists and suggestions."
    )
    body = fields.Html(translate=html_translate, sanitize=True)
    is_published = fields.Boolean(
        string="Published in Portal",
        default=False,
        copy=False,
        tracking=True,
        help="Clients read published articles in the portal; others are for staff only.",
    )
    terminal_alerts = fields.Char(string="Terminal Alerts", help=TERMINAL_ALERT_HELP)
    rule_types = fields.Char(
        string="Alert Rule Types",
        help="Types of the line's open alerts that make this article suggested, comma "
        "separated: usage, capacity, outage, obstruction, data_limit, plan_end, anomaly.",
    )
    helpdesk_category_ids = fields.Many2many(
        "helpdesk.ticket.category",
        string="Ticket Categories",
        help="Suggested to a client who writes a ticket of one of these categories.",
    )
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to share the article with every company.",
    )

    # ------------------------------------------------------------------ constraints, CRUD

    @api.constrains("terminal_alerts", "rule_types")
    def _check_codes(self):
        rule_types = self._rule_type_codes()
        for article in self:
            bad = kb.invalid_codes(kb.parse_codes(article.terminal_alerts))
            if bad:
                raise ValidationError(
                    self.env._(
                        "Terminal alerts are names in lower case with underscores, such as "
                        "high_sky_obstruction; not: %(bad)s.",
                        bad=", ".join(bad),
                    )
                )
            unknown = [
                code for code in kb.parse_codes(article.rule_types) if code not in rule_types
            ]
            if unknown:
                raise ValidationError(
                    self.env._(
                        "Unknown alert rule types: %(unknown)s. Known: %(known)s.",
                        unknown=", ".join(unknown),
                        known=", ".join(rule_types),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._normalize_codes(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._normalize_codes(vals))

    @api.model
    def _normalize_codes(self, vals):
        """Codes kept as "a, b" in lower case, without duplicates."""
        for field in ("terminal_alerts", "rule_types"):
            if vals.get(field):
                vals = dict(vals, **{field: kb.format_codes(kb.parse_codes(vals[field]))})
        return vals

    @api.model
    def _rule_type_codes(self):
        return [code for code, _label in self.env["starlink.alert.rule"]._fields[
            "rule_type"]._description_selection(self.env)]  # fmt: skip

    # ------------------------------------------------------------------ actions

    def action_publish(self):
        self.is_published = True

    def action_unpublish(self):
        self.is_published = False

    # ------------------------------------------------------------------ suggestions

    @api.model
    def _suggest(self, terminal_alerts=(), rule_types=(), categories=None, limit=5):
        """The published articles that best answer the situation, best first.

        Read with the caller's rights: a portal user only ever gets published articles
        (record rule); the domain asks for them anyway, for staff calling it.
        """
        categories = categories or self.env["helpdesk.ticket.category"]
        situation = kb.Situation(
            terminal_alerts=frozenset(terminal_alerts),
            rule_types=frozenset(rule_types),
            category_ids=frozenset(categories.ids),
        )
        if not any(situation):
            return self.browse()
        domain = [("is_published", "=", True)]
        articles = self.search_fetch(
            domain,
            ["sequence", "terminal_alerts", "rule_types", "helpdesk_category_ids"],
        )
        candidates = [
            kb.Candidate(
                id=article.id,
                sequence=article.sequence,
                terminal_alerts=frozenset(kb.parse_codes(article.terminal_alerts)),
                rule_types=frozenset(kb.parse_codes(article.rule_types)),
                category_ids=frozenset(article.helpdesk_category_ids.ids),
            )
            for article in articles
        ]
        return self.browse(kb.rank(candidates, situation, limit=limit))

    @api.model
    def _line_situation(self, line, terminal=None):
        """What we know of a line's trouble: the alerts its terminal reports now (the chosen
        one, else every active terminal of the line) and the rule types of its open alerts
        shown to the client. ``line`` may be in sudo mode: only its own data is read."""
        terminals = terminal or line.terminal_ids.filtered("active")
        terminal_alerts = set()
        for code_list in terminals.mapped("active_alerts"):
            terminal_alerts.update(kb.parse_codes(code_list))
        alerts = self.env["starlink.alert"].sudo().search_fetch(
            [
                ("service_line_id", "=", line.id),
                ("state", "=", "open"),
                ("client_visible", "=", True),
                "|", ("terminal_id", "=", False), ("terminal_id", "in", terminals.ids),
            ],
            ["rule_type"],
        )  # fmt: skip
        return terminal_alerts, set(alerts.mapped("rule_type"))

    @api.model
    def _suggest_for_line(self, line, terminal=None, category=None, limit=5):
        terminal_alerts, rule_types = self._line_situation(line, terminal)
        return self._suggest(terminal_alerts, rule_types, category, limit=limit)

    def _portal_url(self):
        self.ensure_one()
        return f"/my/help/{self.id}"
