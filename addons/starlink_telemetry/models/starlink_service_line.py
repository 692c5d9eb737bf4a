import logging
from datetime import timedelta

import pandas as pd
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_date

from ..lib.forecast import METHOD_LABELS, forecast_usage, pivot_usage
from ..lib.svg_chart import line_chart
from .cron_utils import error_text, report_progress, run_in_batches
from .sync_utils import changed_values

_logger = logging.getLogger(__name__)

# Lines forecast together (one vectorised run, one savepoint, one commit) and per run of the
# scheduled action. Batches are large on purpose: the boosted fleet model and the calibration
# of the bands learn from the lines of one run (measured: 10,000 lines in one run 1.9 s, in
# batches of 500 9.4 s and less accurate than run-rate at day 22 on a 600-line fleet).
FORECAST_BATCH_SIZE = 5000
FORECAST_BATCHES_PER_RUN = 4


class StarlinkServiceLine(models.Model):
    _inherit = "starlink.service.line"

    forecast_ids = fields.One2many("starlink.usage.forecast", "service_line_id")
    forecast_date = fields.Date(string="Forecast On", readonly=True, copy=False)
    forecast_run_date = fields.Date(
        string="Forecast Run On", readonly=True, copy=False,
        help="Day the scheduled forecast last ran for this line, whether it gave a forecast "
        "(no usage history yet, or a failure noted in the chatter) or not.",
    )  # fmt: skip
    forecast_total_gb = fields.Float(
        string="Projected Cycle Total (GB)", readonly=True, copy=False, digits=(16, 1),
        help="Billable GB projected at the end of the current cycle.",
    )  # fmt: skip
    forecast_lower_gb = fields.Float(string="Projected Low (GB)", readonly=True, digits=(16, 1))
    forecast_upper_gb = fields.Float(string="Projected High (GB)", readonly=True, digits=(16, 1))
    forecast_method = fields.Selection(
        selection=list(METHOD_LABELS.items()),
        readonly=True,
        help="Forecasting method chosen for this line by backtest on its previous cycles (and "
        "the fleet's): the one with the lowest error.",
    )
    forecast_mape = fields.Float(
        string="Backtest Error (%)", readonly=True, digits=(16, 1),
        help="Mean absolute percentage error of the chosen method on this line's own history.",
    )  # fmt: skip
    forecast_limit_date = fields.Date(
        string="Projected Limit Date", readonly=True,
        help="Day the data limit is projected to be passed in the current cycle.",
    )  # fmt: skip
    forecast_overage_gb = fields.Float(
        string="Projected Overage (GB)", readonly=True, digits=(16, 1)
    )
    forecast_over_limit = fields.Boolean(
        string="Projected Over Limit", readonly=True, index=True,
    )  # fmt: skip
    forecast_chart = fields.Html(
        string="Actual vs Forecast", compute="_compute_forecast_chart", sanitize=False
    )
    alert_ids = fields.One2many("starlink.alert", "service_line_id", string="Alerts")
    open_alert_count = fields.Integer(compute="_compute_open_alert_count")
    api_request_ids = fields.One2many(
        "starlink.api.request", "service_line_id", string="Starlink Requests"
    )
    api_request_count = fields.Integer(compute="_compute_api_request_count")
    overage_cycle_count = fields.Integer(
        compute="_compute_overage_counts", help="Billing cycles reconciled with Starlink."
    )
    overage_difference_count = fields.Integer(
        compute="_compute_overage_counts",
        help="Billing cycles whose overage differs between Starlink and us.",
    )

    @api.model
    def _starlink_sync(self, account, lines, addresses):
        """Create, update and cancel the account's lines from ``ServiceLineResponse`` objects.

        An active or suspended line gone from Starlink (or inactive with an end date) is
        cancelled; a suspended line
        stays suspended (suspension is the reseller's own state). Returns
        ``(records, errors, message)``.
        """
        existing = {
            line.service_line_number: line
            for line in self.with_context(active_test=False).search(
                [("account_id", "=", account.id)]
            )
        }
        plans = {
            product.starlink_product_reference: product
            for product in self.env["product.product"].search([("is_starlink_plan", "=", True)])
        }
        match_client = self._starlink_client_matcher(account)
        seen, errors = set(), []
        for payload in lines:
            number = payload.get("serviceLineNumber") if isinstance(payload, dict) else None
            if not number:
                errors.append(f"service line without number: {str(payload)[:80]}")
                continue
            seen.add(number)
            try:
                with self.env.cr.savepoint():
                    values = self._starlink_values(payload, addresses, plans)
                    line = existing.get(number)
                    if line:
                        line._starlink_update(values)
                    else:
                        values.update(
                            service_line_number=number,
                            account_id=account.id,
                            company_id=account.company_id.id,
                            partner_id=match_client(values["nickname"]),
                        )
                        existing[number] = self.create(values)
            except Exception as error:  # noqa: BLE001 - one bad line never stops the others
                errors.append(f"{number}: {error}")
        # Lines Starlink no longer returns are cancelled there; drafts were never there.
        gone = self.browse(
            line.id
            for number, line in existing.items()
            if number not in seen and line.state in ("active", "suspended")
        )
        gone.write({"state": "cancelled", "date_end": account.company_id._starlink_today()})
        if errors:
            _logger.warning("Starlink lines of %s: %d skipped", account.display_name, len(errors))
        return len(seen) - len(errors), len(errors), "; ".join(errors[:5])

    @api.model
    def _starlink_values(self, payload, addresses, plans):
        address = addresses.get(payload.get("addressReferenceId")) or {}
        plan = plans.get(payload.get("productReferenceId"))
        end = fields.Date.to_date((payload.get("endDate") or "")[:10] or None)
        values = {
            "nickname": payload.get("nickname") or False,
            "product_id": plan.id if plan else False,
            "public_ip": bool(payload.get("publicIp")),
            "date_start": fields.Date.to_date((payload.get("startDate") or "")[:10] or None),
            "date_end": end,
            "address_reference": payload.get("addressReferenceId") or False,
            "state": "active" if payload.get("active") else ("cancelled" if end else "draft"),
        }
        if address:
            country = self.env["res.country"].search(
                [("code", "=", (address.get("regionCode") or "").upper())], limit=1
            )
            values.update(
                street=", ".join(address.get("addressLines") or []) or False,
                city=address.get("locality") or False,
                zip=address.get("postalCode") or False,
                country_id=country.id or False,
                latitude=address.get("latitude") or 0.0,
                longitude=address.get("longitude") or 0.0,
            )
        return values

    def _starlink_update(self, values):
        """Apply Starlink's values, keeping the reseller-side suspension."""
        self.ensure_one()
        if self.state == "suspended" and values["state"] == "active":
            values = dict(values, state="suspended")
        # Several products may carry one Starlink reference: the line keeps its own.
        plan = self.env["product.product"].browse(values.get("product_id"))
        if plan and plan.starlink_product_reference == self.product_id.starlink_product_reference:
            values = dict(values, product_id=self.product_id.id)
        changed = changed_values(self, values)
        if changed:
            self.write(changed)

    @api.model
    def _starlink_client_matcher(self, account):
        """A function giving the client of a new line from its nickname, by the account's rule.

        The longest matching key wins ("ACME Farms" over "ACME").
        """
        if account.client_match == "none":
            return lambda nickname: False
        field = "ref" if account.client_match == "ref" else "name"
        partners = self.env["res.partner"].search(
            [
                (field, "!=", False),
                ("is_company", "=", True),
                ("company_id", "in", (False, account.company_id.id)),
            ]
        )
        keys = sorted(
            ((p[field].strip().lower(), p.id) for p in partners if p[field].strip()),
            key=lambda item: -len(item[0]),
        )

        def match(nickname):
            text = (nickname or "").strip().lower()
            return next((pid for key, pid in keys if text.startswith(key)), False)

        return match

    @api.depends("forecast_ids", "usage_ids", "billing_day")
    @api.depends_context("starlink_date")
    def _compute_forecast_chart(self):
        for line in self:
            line.forecast_chart = line._forecast_chart_svg() if line.forecast_date else False

    def _forecast_chart_svg(self):
        """Cumulative usage of the current cycle: actual, then forecast with its band."""
        self.ensure_one()
        start, end = self.cycle_start_date, self.cycle_end_date
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        actual = {u.date: u.counted_gb for u in self.usage_ids if start <= u.date <= end}
        forecast = {f.date: f for f in self.forecast_ids if f.cycle == "current"}
        last_actual = max(actual, default=None)
        total, actual_line = 0.0, []
        for day in days:
            if last_actual and day <= last_actual:
                total += actual.get(day, 0.0)
                actual_line.append(round(total, 2))
            else:
                actual_line.append(None)
        predicted, lower, upper = [], [], []
        p = lo = hi = total
        for day, value in zip(days, actual_line):
            row = forecast.get(day)
            if row:
                p, lo, hi = p + row.predicted_gb, lo + row.lower_gb, hi + row.upper_gb
            if row or (value is not None and day == last_actual):
                predicted.append(round(p, 2))
                lower.append(round(lo, 2))
                upper.append(round(hi, 2))
            else:
                predicted.append(None)
                lower.append(None)
                upper.append(None)
        levels = [(self.env._("Limit"), self.data_limit_gb)] if self.data_limit_gb else []
        return Markup(
            line_chart(
                [format_date(self.env, day, date_format="d MMM") for day in days],
                [(self.env._("Actual"), actual_line), (self.env._("Forecast"), predicted)],
                bands=[(lower, upper)],
                levels=levels,
                title=self.env._("Cycle usage (GB)"),
                height=240,
            )
        )

    # ------------------------------------------------------------------ forecasts

    @api.model
    def _cron_refresh_forecasts(
        self, today=None, batch_size=FORECAST_BATCH_SIZE, max_batches=FORECAST_BATCHES_PER_RUN
    ):
        """Scheduled action: forecast the lines not forecast today, batch by batch.

        A batch is one vectorised run in a savepoint, committed; a failing batch is retried
        in halves down to the failing line, which gets a note in its chatter while the others
        get their forecast. After ``max_batches`` the run stops and triggers itself for the
        rest. Each company's lines are forecast as of its own day (``today`` pins one day for
        all). Returns the number of lines forecast.
        """
        budget, count, done, remaining = batch_size * max_batches, 0, 0, 0
        for company in self.env["res.company"].search([]):
            day = today or company._starlink_today()
            domain = [*self._get_forecast_domain(day), ("company_id", "=", company.id)]
            lines = self.search(domain, limit=budget, order="id") if budget else self.browse()
            run = self._forecast_in_batches(lines, day, batch_size)
            budget -= len(lines)
            count += run.count
            done += len(run.done)
            remaining += self.search_count(domain)
        report_progress(
            self.env, "starlink_telemetry.ir_cron_starlink_forecast",
            done=count, remaining=remaining,
        )  # fmt: skip
        return done

    @api.model
    def _get_forecast_domain(self, today):
        return [
            ("state", "in", ("active", "suspended")),
            "|", ("forecast_run_date", "=", False), ("forecast_run_date", "<", today),
        ]  # fmt: skip

    def _forecast_in_batches(self, lines, today, batch_size, commit=True):
        return run_in_batches(
            self.env, lines, lambda batch: batch._forecast_batch(today), batch_size=batch_size,
            on_failure=lambda line, error: line._forecast_failed(today, error), commit=commit,
            logger=_logger, what="Starlink usage forecast of line",
        )  # fmt: skip

    def _forecast_batch(self, today):
        """Forecast these lines in one vectorised run and mark them as run today."""
        self._refresh_forecasts(today)
        self.write(self._prepare_forecast_run_values(today))

    def _prepare_forecast_run_values(self, today):
        return {"forecast_run_date": today}

    def _forecast_failed(self, today, error):
        """Show staff why this line has no fresh forecast; it is tried again tomorrow."""
        self.ensure_one()
        self.write(self._prepare_forecast_run_values(today))
        self.message_post(
            body=self.env._(
                "The usage forecast of %(date)s failed: %(reason)s",
                date=today,
                reason=error_text(error),
            ),
            subtype_xmlid="mail.mt_note",
        )

    def action_refresh_forecast(self):
        """Forecast these lines now: for whoever may edit them (Sales & Support and above)."""
        self.check_access("write")
        today = self._starlink_today()
        # Savepoints isolate a failing line; the request commits once, at its end.
        run = self._forecast_in_batches(self, today, FORECAST_BATCH_SIZE, commit=False)
        return bool(run.done)

    def _refresh_forecasts(self, today=None, history_days=180):
        """Forecast every line of ``self`` at once and store the results.

        One vectorised run (``lib.forecast``) over all lines: daily forecasts replace the
        previous ones, the cycle totals land on the lines. Returns the number of lines.
        """
        today = today or self._starlink_today()
        lines = self.with_context(starlink_date=today).filtered(
            lambda line: 1 <= line.billing_day <= 31
        )
        if not lines:
            return 0
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT service_line_id, date, counted_gb FROM starlink_usage_daily
                WHERE service_line_id = ANY(%s) AND date >= %s AND date < %s""",
            (lines.ids, today - timedelta(days=history_days), today),
        )
        frame = pd.DataFrame(self.env.cr.fetchall(), columns=["line_id", "date", "gb"])
        with_history = set(frame["line_id"])
        lines = lines.filtered(lambda line: line.id in with_history)
        if not lines:
            return 0
        usage = pivot_usage(
            frame, line_ids=lines.ids, first_day=today - timedelta(days=history_days),
            last_day=today - timedelta(days=1),
        )  # fmt: skip
        result = forecast_usage(
            usage,
            cycle_start=[line.cycle_start_date for line in lines],
            cycle_end=[line.cycle_end_date for line in lines],
            billing_day=lines.mapped("billing_day"),
            limit_gb=lines.mapped("data_limit_gb"),
            today=today,
        )
        self.env["starlink.usage.forecast"]._replace(
            lines.ids,
            [
                (r["line_id"], r["date"], r["cycle"], r["predicted_gb"], r["lower_gb"],
                 r["upper_gb"], r["method"], r["model_version"],
                 100 * (r["backtest_mape"] or 0.0))
                for r in result.daily_records()
            ],
        )  # fmt: skip
        self.env.cr.execute_values(
            """UPDATE starlink_service_line l SET forecast_date = v.today::date,
                      forecast_total_gb = v.total, forecast_lower_gb = v.lower,
                      forecast_upper_gb = v.upper, forecast_method = v.method,
                      forecast_mape = v.mape, forecast_limit_date = v.limit_date::date,
                      forecast_overage_gb = v.overage, forecast_over_limit = v.over
                 FROM (VALUES %s) AS v(id, today, total, lower, upper, method, mape,
                                       limit_date, overage, over)
                WHERE l.id = v.id""",
            [
                (r["line_id"], today, r["predicted_total"], r["lower_total"], r["upper_total"],
                 r["method"], 100 * (r["backtest_mape"] or 0.0), r["limit_date"],
                 r["overage_gb"], bool(r["limit_gb"]) and r["predicted_total"] > r["limit_gb"])
                for r in result.line_records()
            ],
        )  # fmt: skip
        self.invalidate_model()
        return len(lines)

    def _compute_open_alert_count(self):
        counts = dict(
            self.env["starlink.alert"]._read_group(
                [("service_line_id", "in", self.ids), ("state", "=", "open")],
                ["service_line_id"],
                ["__count"],
            )
        )
        for line in self:
            line.open_alert_count = counts.get(line, 0)

    def _cheaper_plan_for(self, total_gb):
        """A bigger plan whose price is below this plan's price plus the projected overage."""
        self.ensure_one()
        plan = self.product_id
        if not plan or not plan.starlink_data_limit_gb or total_gb <= plan.starlink_data_limit_gb:
            return self.env["product.product"]
        overage = (total_gb - plan.starlink_data_limit_gb) * plan.starlink_overage_price_gb
        current_cost = plan.list_price + overage
        candidates = self.env["product.product"].search(
            [
                ("is_starlink_plan", "=", True),
                ("id", "!=", plan.id),
                ("company_id", "in", (False, self.company_id.id)),
            ]
        )
        fitting = candidates.filtered(
            lambda p: (not p.starlink_data_limit_gb or p.starlink_data_limit_gb >= total_gb)
            and p.list_price < current_cost
        )
        return fitting.sorted("list_price")[:1]

    def action_view_alerts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_telemetry.starlink_alert_action"
        )
        action["domain"] = [("service_line_id", "=", self.id)]
        action["context"] = {"search_default_open": 1}
        return action

    def _compute_api_request_count(self):
        counts = dict(
            self.env["starlink.api.request"]._read_group(
                [("service_line_id", "in", self.ids)], ["service_line_id"], ["__count"]
            )
        )
        for line in self:
            line.api_request_count = counts.get(line, 0)

    def _compute_overage_counts(self):
        counts = {
            (line, differs): count
            for line, differs, count in self.env["starlink.overage.reconciliation"]._read_group(
                [("service_line_id", "in", self.ids)],
                ["service_line_id", "has_difference"],
                ["__count"],
            )
        }
        for line in self:
            line.overage_difference_count = counts.get((line, True), 0)
            line.overage_cycle_count = line.overage_difference_count + counts.get((line, False), 0)

    def action_view_api_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_telemetry.starlink_api_request_action"
        )
        action["domain"] = [("service_line_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------ activation

    def _starlink_activated(self, payload, terminals=()):
        """Take the service line Starlink answered (``ServiceLineResponse``): its number,
        address, plan, start date and billing day (the start date's day: Starlink bills
        from the day the first terminal started the service), active when it is; and
        ``terminals``, ``[(starlink.terminal, UserTerminalResponseV2)]``, their real ids."""
        self.ensure_one()
        start = fields.Date.to_date((payload.get("startDate") or "")[:10] or None)
        values = {
            "service_line_number": payload["serviceLineNumber"],
            "address_reference": payload.get("addressReferenceId") or self.address_reference,
        }
        reference = payload.get("productReferenceId") or False
        # The line's own plan when it is the one Starlink names (several products may carry
        # one Starlink reference, e.g. at different prices).
        if self.product_id.starlink_product_reference != reference:
            plan = self.env["product.product"].search(
                [("is_starlink_plan", "=", True),
                 ("starlink_product_reference", "=", reference),
                 ("company_id", "in", (False, self.company_id.id))], limit=1,
            )  # fmt: skip
            if plan:
                values["product_id"] = plan.id
        if start:
            values.update(date_start=start, billing_day=start.day)
        if payload.get("active"):
            values["state"] = "active"
        self.write(values)
        for terminal, found in terminals:
            terminal.write(
                {
                    "user_terminal_id": found["userTerminalId"],
                    "account_id": self.account_id.id,
                    "service_line_id": self.id,
                    "dish_serial": found.get("dishSerialNumber") or terminal.dish_serial,
                    "router_ids": ",".join(
                        r["routerId"] for r in found.get("routers") or [] if r.get("routerId")
                    ) or terminal.router_ids,
                }
            )
