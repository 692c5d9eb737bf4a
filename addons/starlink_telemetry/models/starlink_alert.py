import logging
from datetime import timedelta

from odoo import api, fields, models

from .cron_utils import run_in_batches

_logger = logging.getLogger(__name__)

DATA_LIMIT_ALERTS = {"disabled_data_usage_exceeded_quota", "data_overage_rate_limited"}
# Service lines evaluated together by a rule (one savepoint each).
EVALUATE_BATCH_SIZE = 500


class StarlinkAlert(models.Model):
    """One alert: a rule's condition met by a service line (or one of its terminals).

    There is at most one alert per rule, line and key: the key is the billing cycle for usage
    rules, the outage episode for outages, the day for anomalies. An alert resolves itself
    when its condition clears. Telling staff and clients is ``starlink.alert.notification``.
    """

    _name = "starlink.alert"
    _description = "Starlink Alert"
    _inherit = ["starlink.alert.notification", "mail.thread", "mail.activity.mixin"]
    _order = "date_open desc, id desc"

    name = fields.Char(required=True, readonly=True)
    rule_id = fields.Many2one("starlink.alert.rule", required=True, ondelete="cascade", index=True)
    rule_type = fields.Selection(related="rule_id.rule_type", store=True)
    severity = fields.Selection(related="rule_id.severity", store=True)
    client_visible = fields.Boolean(related="rule_id.notify_client", store=True)
    service_line_id = fields.Many2one(
        "starlink.service.line", required=True, ondelete="cascade", index=True, readonly=True
    )
    terminal_id = fields.Many2one("starlink.terminal", ondelete="cascade", readonly=True)
    partner_id = fields.Many2one(
        related="service_line_id.partner_id", string="Client", store=True, index=True
    )
    company_id = fields.Many2one(related="service_line_id.company_id", store=True, index=True)
    key = fields.Char(required=True, readonly=True, help="What makes this alert unique.")
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )
    date_open = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    date_resolved = fields.Datetime(readonly=True)
    value = fields.Float(readonly=True, digits=(16, 2))
    threshold = fields.Float(readonly=True, digits=(16, 2))
    message = fields.Text(readonly=True)
    projected_date = fields.Date(readonly=True, help="When the limit is projected to be crossed.")
    suggested_product_id = fields.Many2one(
        "product.product", string="Suggested Plan", readonly=True,
        help="A bigger plan that costs less than the projected overage.",
    )  # fmt: skip
    _sql_constraints = [
        ("rule_line_key_uniq", "unique(rule_id, service_line_id, key)", "This alert exists."),
    ]

    # ------------------------------------------------------------------ evaluation

    @api.model
    def _cron_evaluate(self, today=None, now=None):
        """Scheduled action: evaluate every active rule, then notify the new alerts.

        Each rule is evaluated on its lines batch by batch (a failing line never stops the
        others, see ``_evaluate_rules``); the first batches of notifications follow at once,
        the rest in the notification action. Returns the alerts created. Each line is
        evaluated on its company's day (``today`` pins one day for all).
        """
        now = now or fields.Datetime.now()
        rules = self.env["starlink.alert.rule"].search(self._get_rules_to_evaluate_domain())
        created = self._evaluate_rules(rules, today, now)
        self.env["ir.cron"]._notify_progress(done=len(rules), remaining=0)
        # The first notifications at once; the notification action does the rest.
        sender = self.with_context(starlink_date=today) if today else self
        __, remaining = sender._notify_pending()
        if remaining:
            self.env.ref("starlink_telemetry.ir_cron_starlink_alert_notify")._trigger()
        return created

    @api.model
    def _get_rules_to_evaluate_domain(self):
        return [("active", "=", True)]

    @api.model
    def _evaluate_rules(self, rules, today, now, commit=True):
        """Evaluate ``rules`` on their lines; record each rule's run and failing lines.

        A rule runs on batches of lines, each in a savepoint (and committed, with
        ``commit``); a batch that fails is retried in halves down to the failing line, which
        is logged and listed on the rule (``last_error``) while the other lines' alerts are
        kept. A line is evaluated on its company's day (a rule without a company watches
        lines of several), or on ``today`` when given.
        """
        created = self.browse()
        for rule in rules:
            lines = self.env["starlink.service.line"].search(rule._get_watched_lines_domain())
            batch_created = []

            def evaluate(batch, rule=rule, batch_created=batch_created):
                for company, of_company in batch.grouped("company_id").items():
                    day = today or company._starlink_today()
                    of_company = of_company.with_context(starlink_date=day)
                    batch_created.append(self._evaluate_lines(rule, of_company, day, now))

            run = run_in_batches(
                self.env, lines, evaluate, batch_size=EVALUATE_BATCH_SIZE, commit=commit,
                logger=_logger, what=f"Starlink alert rule {rule.name!r} on line",
            )  # fmt: skip
            for alerts in batch_created:
                created |= alerts
            rule._record_run(now, [(line.display_name, error) for line, error in run.failed])
            if commit:
                self.env["starlink.account"]._commit()
        return created.exists()

    @api.model
    def _evaluate_lines(self, rule, lines, today, now):
        """Open, reopen and resolve the alerts of ``rule`` on ``lines``; return the new ones."""
        evaluator = getattr(self, f"_conditions_{rule.rule_type}")
        return self._apply_conditions(rule, evaluator(rule, lines, today, now), now, lines)

    def _apply_conditions(self, rule, conditions, now, lines):
        """Open, reopen and resolve ``rule``'s alerts on ``lines`` to match ``conditions``.

        ``conditions``: ``{(line_id, key): values}`` of what is true now. Returns the alerts
        created (reopened ones are not notified again).
        """
        existing = {
            (alert.service_line_id.id, alert.key): alert
            for alert in self.search(
                [("rule_id", "=", rule.id), ("service_line_id", "in", lines.ids)]
            )
        }
        to_resolve = self.browse(
            alert.id
            for ident, alert in existing.items()
            if alert.state == "open" and ident not in conditions
        )
        to_resolve.write({"state": "resolved", "date_resolved": now})
        new_values = []
        for (line_id, key), values in conditions.items():
            alert = existing.get((line_id, key))
            if alert:
                update = {k: v for k, v in values.items() if k in ("value", "message", "name")}
                if alert.state == "resolved":
                    update.update(state="open", date_resolved=False)
                alert.write(update)
            else:
                new_values.append(self._prepare_alert_values(rule, line_id, key, values, now))
        return self.create(new_values)

    @api.model
    def _prepare_alert_values(self, rule, line_id, key, values, now):
        """Values of a new alert: what the condition found, waiting to be notified."""
        return dict(
            values, rule_id=rule.id, service_line_id=line_id, key=key,
            threshold=rule.threshold, date_open=now, notify_state="pending",
        )  # fmt: skip

    def _client_env(self, line):
        """The environment in the language of ``line``'s client: alerts speak to the client."""
        return self.with_context(lang=line.partner_id.lang or self.env.lang).env

    def _conditions_usage(self, rule, lines, today, now):
        conditions = {}
        for line in lines.filtered("data_limit_gb"):
            if line.cycle_usage_percent >= rule.threshold:
                env = self._client_env(line)
                conditions[(line.id, f"cycle:{line.cycle_start_date}")] = {
                    "name": env._(
                        "%(line)s passed %(threshold)s%% of its %(limit)s GB",
                        line=line.display_name,
                        threshold=round(rule.threshold),
                        limit=round(line.data_limit_gb),
                    ),
                    "value": line.cycle_usage_percent,
                    "message": env._(
                        "%(used).1f GB of %(limit).0f GB used since %(start)s; the cycle ends on "
                        "%(end)s (%(left)s days left).",
                        used=line.cycle_usage_gb,
                        limit=line.data_limit_gb,
                        start=line.cycle_start_date,
                        end=line.cycle_end_date,
                        left=line.cycle_days_left,
                    ),
                }
        return conditions

    def _conditions_capacity(self, rule, lines, today, now):
        conditions = {}
        for line in lines.filtered(lambda line: line.data_limit_gb and line.forecast_total_gb):
            env = self._client_env(line)
            limit = line.data_limit_gb
            if (
                line.cycle_usage_gb >= limit
                or line.forecast_total_gb < limit * rule.threshold / 100
            ):
                continue
            suggestion = line._cheaper_plan_for(line.forecast_total_gb)
            message = env._(
                "At the current pace %(line)s will use about %(total).0f GB of %(limit).0f GB "
                "by %(end)s and pass its limit around %(date)s.",
                line=line.display_name,
                total=line.forecast_total_gb,
                limit=limit,
                end=line.cycle_end_date,
                date=line.forecast_limit_date or line.cycle_end_date,
            )
            if suggestion:
                message += " " + env._(
                    "The %(plan)s plan would cost less than the projected overage.",
                    plan=suggestion.display_name,
                )
            conditions[(line.id, f"cycle:{line.cycle_start_date}")] = {
                "name": env._("%(line)s is projected over its limit", line=line.display_name),
                "value": 100 * line.forecast_total_gb / limit,
                "projected_date": line.forecast_limit_date,
                "suggested_product_id": suggestion.id,
                "message": message,
            }
        return conditions

    def _conditions_outage(self, rule, lines, today, now):
        conditions = {}
        since = now - timedelta(minutes=rule.threshold)
        for terminal in lines.terminal_ids.filtered(lambda t: t.active and t.last_seen):
            if terminal.last_seen <= since:
                env = self._client_env(terminal.service_line_id)
                minutes = int((now - terminal.last_seen).total_seconds() // 60)
                key = f"outage:{terminal.id}:{terminal.last_seen}"
                conditions[(terminal.service_line_id.id, key)] = {
                    "name": env._("%(terminal)s is offline", terminal=terminal.display_name),
                    "terminal_id": terminal.id,
                    "value": minutes,
                    "message": env._(
                        "No telemetry from terminal %(terminal)s since %(since)s UTC "
                        "(%(minutes)s minutes).",
                        terminal=terminal.display_name,
                        since=terminal.last_seen,
                        minutes=minutes,
                    ),
                }  # fmt: skip
        return conditions

    def _conditions_obstruction(self, rule, lines, today, now):
        conditions = {}
        for terminal in lines.terminal_ids.filtered("active"):
            if terminal.obstruction_percent >= rule.threshold:
                env = self._client_env(terminal.service_line_id)
                key = f"obstruction:{terminal.id}:{today}"
                conditions[(terminal.service_line_id.id, key)] = {
                    "name": env._(
                        "%(terminal)s is obstructed", terminal=terminal.display_name
                    ),
                    "terminal_id": terminal.id,
                    "value": terminal.obstruction_percent,
                    "message": env._(
                        "Terminal %(terminal)s is obstructed %(pct).1f%% of the time: check for "
                        "trees or buildings in its field of view.",
                        terminal=terminal.display_name,
                        pct=terminal.obstruction_percent,
                    ),
                }  # fmt: skip
        return conditions

    def _conditions_data_limit(self, rule, lines, today, now):
        conditions = {}
        for terminal in lines.terminal_ids.filtered("active_alerts"):
            alerts = set(terminal.active_alerts.split(",")) & DATA_LIMIT_ALERTS
            if alerts:
                line = terminal.service_line_id
                env = self._client_env(line)
                conditions[(line.id, f"cycle:{line.cycle_start_date}")] = {
                    "name": env._("%(line)s reached its data limit", line=line.display_name),
                    "terminal_id": terminal.id,
                    "message": env._(
                        "Starlink reports %(alerts)s on terminal %(terminal)s.",
                        alerts=", ".join(sorted(alerts)),
                        terminal=terminal.display_name,
                    ),
                }
        return conditions

    def _conditions_plan_end(self, rule, lines, today, now):
        conditions = {}
        horizon = today + timedelta(days=int(rule.threshold))
        for line in lines.filtered(
            lambda line: line.date_end and today <= line.date_end <= horizon
        ):
            env = self._client_env(line)
            conditions[(line.id, f"end:{line.date_end}")] = {
                "name": env._("%(line)s ends on %(date)s", line=line.display_name,
                                   date=line.date_end),
                "value": (line.date_end - today).days,
                "message": env._(
                    "The service of %(line)s ends on %(date)s. Renew it to keep the terminal "
                    "online.", line=line.display_name, date=line.date_end,
                ),
            }  # fmt: skip
        return conditions

    def _conditions_anomaly(self, rule, lines, today, now):
        anomalies = self.env["starlink.usage.daily"]._usage_anomalies(
            lines, today, threshold=rule.threshold
        )
        conditions = {}
        for line_id, day, value, z_score, median in anomalies:
            line = self.env["starlink.service.line"].browse(line_id)
            env = self._client_env(line)
            conditions[(line_id, f"day:{day}")] = {
                "name": env._("Unusual usage on %(line)s on %(day)s",
                                   line=line.display_name, day=day),
                "value": z_score,
                "message": env._(
                    "%(value).1f GB used on %(day)s against a usual %(median).1f GB "
                    "(robust z-score %(z).1f).", value=value, day=day, median=median, z=z_score,
                ),
            }  # fmt: skip
        return conditions

    # ------------------------------------------------------------------ actions

    def action_resolve(self):
        self.filtered(lambda a: a.state == "open").write(
            {"state": "resolved", "date_resolved": fields.Datetime.now()}
        )
