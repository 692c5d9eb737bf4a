from datetime import datetime, time, timedelta

import pytz
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime

from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.misc import babel_locale_parse

from ..lib import charts, performance

# Short labels of the x axis and full titles of the tooltips, as LDML patterns, per bucket.
LABEL_PATTERNS = {
    "hour": ("HH:mm", "d MMM y HH:mm"),
    "day": ("d MMM", "EEE d MMM y"),
    "week": ("d MMM", "d MMM y"),
    "month": ("MMM y", "MMMM y"),
}
# Performance charts: (key, metrics, unit, y-axis maximum).
PERFORMANCE_CHARTS = (
    ("latency", ("latency_ms",), "ms", None),
    ("throughput", ("downlink_mbps", "uplink_mbps"), "Mbps", None),
    ("availability", ("uptime_percent",), "%", 100),
    ("quality", ("ping_drop_percent", "obstruction_percent"), "%", None),
)
# Colour (key of ``lib.charts.palette``) of each series.
SERIES_COLORS = {
    "priority_gb": "primary",
    "standard_gb": "secondary",
    "non_billable_gb": "neutral",
    "latency_ms": "primary",
    "downlink_mbps": "primary",
    "uplink_mbps": "secondary",
    "uptime_percent": "good",
    "ping_drop_percent": "primary",
    "obstruction_percent": "secondary",
}
USAGE_CHART_COLUMNS = ("priority_gb", "standard_gb", "non_billable_gb")


class StarlinkServiceLine(models.Model):
    """Charts and live values of the portal's line page and dashboard (JSON)."""

    _inherit = "starlink.service.line"

    # ------------------------------------------------------------------ formatting

    def _portal_chart_formatters(self):
        """``(number, date_label)``: a number in the visitor's language, and a function
        ``(value, bucket, full) -> text`` labelling a day or an hour (in his time zone)."""
        lang_code = self.env.lang or "en_US"
        lang = self.env["res.lang"]._lang_get(lang_code)
        locale = babel_locale_parse(lang_code)
        tz_name = self.env.context.get("tz") or self.env.user.tz or "UTC"
        try:
            tz = pytz.timezone(tz_name)
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc

        def number(value, digits=1):
            if value is None:
                return "—"
            return lang.format(f"%.{digits}f", value, grouping=True)

        def date_label(value, bucket, full=False):
            pattern = LABEL_PATTERNS[bucket][1 if full else 0]
            if isinstance(value, datetime):
                if bucket == "hour":
                    local = pytz.utc.localize(value).astimezone(tz)
                    return babel_format_datetime(local, pattern, tzinfo=tz, locale=locale)
                value = value.date()
            return babel_format_date(value, pattern, locale=locale)

        return number, date_label

    def _portal_chart_palette(self):
        company = self.company_id
        return charts.palette(company.primary_color, company.secondary_color)

    def _portal_series_labels(self):
        _ = self.env._
        return {
            "priority_gb": _("Priority"),
            "standard_gb": _("Standard"),
            "non_billable_gb": _("Non-billable"),
            "latency_ms": _("Latency"),
            "downlink_mbps": _("Download"),
            "uplink_mbps": _("Upload"),
            "uptime_percent": _("Availability"),
            "ping_drop_percent": _("Ping drop"),
            "obstruction_percent": _("Obstruction"),
        }

    # ------------------------------------------------------------------ chart data

    def _portal_chart_values(self, start, end, grouping):
        """Everything the line page's charts draw for [start, end] by ``grouping``."""
        self.ensure_one()
        colors = self._portal_chart_palette()
        # the days after today have neither usage nor telemetry: the charts stop at today
        last = charts.shown_end(start, end, self._starlink_today())
        return {
            "range": {
                "date_from": start.isoformat(),
                "date_to": end.isoformat(),
                "shown_to": last.isoformat(),
                "grouping": grouping,
            },
            "colors": colors,
            "usage": self._portal_usage_chart(start, last, grouping, colors),
            "forecast": self._portal_forecast_chart(colors),
            "performance": self._portal_performance_chart(start, last, grouping, colors),
        }

    def _portal_usage_chart(self, start, end, grouping, colors):
        """Stacked bars of priority, standard and non-billable data per period."""
        _ = self.env._
        number, date_label = self._portal_chart_formatters()
        rows = self._portal_daily_usage(start, end)
        columns = (*USAGE_CHART_COLUMNS, "opt_in_priority_gb", "counted_gb", "total_gb")
        shaped = charts.usage_series(rows, start, end, grouping, columns)
        labels = [date_label(p["start"], grouping) for p in shaped["periods"]]

        def title(period):
            first = date_label(period["start"], grouping, full=True)
            if period["start"] == period["end"] or grouping == "month":
                return first
            return f"{first} – {date_label(period['end'], grouping, full=True)}"

        titles = [title(period) for period in shaped["periods"]]
        names = self._portal_series_labels()
        totals = shaped["totals"]
        peak_value, peak_label = charts.peak(shaped["series"]["total_gb"], titles)
        grouping_label = self._portal_grouping_labels()[grouping].lower()
        if peak_value is None:
            summary = _(
                "Bar chart of the data used by %(grouping)s from %(start)s to %(end)s: "
                "no usage reported.",
                grouping=grouping_label,
                start=date_label(start, "day", True),
                end=date_label(end, "day", True),
            )
        else:
            summary = _(
                "Bar chart of the data used by %(grouping)s from %(start)s to %(end)s: "
                "%(total)s GB in total, of which %(priority)s GB priority and %(standard)s GB "
                "standard; most on %(peak_label)s (%(peak)s GB). The table lists every value.",
                grouping=grouping_label,
                start=date_label(start, "day", True),
                end=date_label(end, "day", True),
                total=number(totals["total_gb"]),
                priority=number(totals["priority_gb"]),
                standard=number(totals["standard_gb"]),
                peak_label=peak_label,
                peak=number(peak_value),
            )
        return {
            "grouping": grouping,
            "labels": labels,
            "titles": titles,
            "periods": [[p["start"].isoformat(), p["end"].isoformat()] for p in shaped["periods"]],
            "datasets": [
                {
                    "key": column,
                    "label": names[column],
                    "color": colors[SERIES_COLORS[column]],
                    "data": shaped["series"][column],
                }
                for column in USAGE_CHART_COLUMNS
            ],
            "series": shaped["series"],
            "has_data": peak_value is not None,
            "totals": totals,
            "unit": _("GB"),
            "aria_label": summary,
        }

    def _portal_forecast_chart(self, colors):
        """Cumulative counted data of the current cycle, its forecast and band, the limit."""
        self.ensure_one()
        if not (self.cycle_start_date and self.cycle_end_date):
            return None
        _ = self.env._
        number, date_label = self._portal_chart_formatters()
        start, end = self.cycle_start_date, self.cycle_end_date
        actual = {row["date"]: row["counted_gb"] for row in self._portal_daily_usage(start, end)}
        has_forecast = self._portal_has_forecast()
        forecast = {}
        if has_forecast:
            rows = self.env["starlink.usage.forecast"].search_read(
                [
                    ("service_line_id", "=", self.id),
                    ("cycle", "=", "current"),
                    ("date", ">=", start),
                    ("date", "<=", end),
                ],
                ["date", "predicted_gb", "lower_gb", "upper_gb"],
            )
            forecast = {r["date"]: (r["predicted_gb"], r["lower_gb"], r["upper_gb"]) for r in rows}
        today = self._starlink_today()
        shaped = charts.cycle_forecast(actual, forecast, start, end, today)
        limit = self.data_limit_gb or None
        used, used_day = next(
            ((v, d) for v, d in zip(reversed(shaped["actual"]), reversed(shaped["days"])) if v),
            (0.0, today),
        )
        if forecast:
            summary = _(
                "Line chart of the data counted this cycle: %(used)s GB used by %(day)s, "
                "%(projected)s GB projected by %(end)s (likely %(low)s to %(high)s GB)%(limit)s.",
                used=number(used),
                day=date_label(used_day, "day", True),
                projected=number(shaped["predicted"][-1]),
                end=date_label(end, "day", True),
                low=number(shaped["lower"][-1]),
                high=number(shaped["upper"][-1]),
                limit=_(", against a limit of %s GB", number(limit, 0)) if limit else "",
            )
        else:
            summary = _(
                "Line chart of the data counted this cycle: %(used)s GB used by %(day)s%(limit)s; "
                "no forecast yet.",
                used=number(used),
                day=date_label(used_day, "day", True),
                limit=_(", against a limit of %s GB", number(limit, 0)) if limit else "",
            )
        return {
            "labels": [date_label(day, "day") for day in shaped["days"]],
            "titles": [date_label(day, "day", True) for day in shaped["days"]],
            "days": [day.isoformat() for day in shaped["days"]],
            "has_forecast": bool(forecast),
            "limit_gb": limit,
            "datasets": {
                "actual": {
                    "label": _("Used"),
                    "color": colors["primary"],
                    "data": shaped["actual"],
                },
                "predicted": {
                    "label": _("Forecast"),
                    "color": colors["secondary"],
                    "data": shaped["predicted"],
                },
                "lower": {"label": _("Likely range"), "data": shaped["lower"]},
                "upper": {
                    "label": _("Likely range"),
                    "color": colors["secondary"],
                    "data": shaped["upper"],
                },
                "limit": {"label": _("Limit"), "color": colors["limit"]},
            },
            "unit": _("GB"),
            "aria_label": summary,
        }

    def _portal_performance_rows(self, range_start, range_end, bucket):
        """``(rows, first_hours)`` of the line's terminals (see ``charts.performance_series``):
        sample-weighted sums per terminal and bucket, and each terminal's first rollup."""
        terminals = self.terminal_ids
        if not terminals:
            return [], {}
        self.env["starlink.telemetry.hourly"].flush_model()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            SELECT terminal_id, min(hour) FROM starlink_telemetry_hourly
             WHERE terminal_id = ANY(%(terminals)s) GROUP BY terminal_id
                """,
                terminals=terminals.ids,
            )
        )
        first_hours = dict(cr.fetchall())
        cr.execute(
            SQL(
                """
            SELECT h.terminal_id,
                   date_trunc(%(bucket)s, h.hour) AS bucket,
                   sum(least(h.sample_count, %(per_hour)s)) AS samples,
                   sum(h.sample_count) AS weight,
                   sum(h.latency_avg_ms * h.sample_count) AS latency_ms_sum,
                   sum(h.ping_drop_avg * h.sample_count) AS ping_drop_percent_sum,
                   sum(h.downlink_avg_mbps * h.sample_count) AS downlink_mbps_sum,
                   sum(h.uplink_avg_mbps * h.sample_count) AS uplink_mbps_sum,
                   sum(h.obstruction_avg * h.sample_count) AS obstruction_percent_sum
              FROM starlink_telemetry_hourly h
             WHERE h.terminal_id = ANY(%(terminals)s)
               AND h.hour >= %(start)s AND h.hour < %(end)s
             GROUP BY h.terminal_id, 2
                """,
                bucket=bucket,
                per_hour=performance.SAMPLES_PER_HOUR,
                terminals=terminals.ids,
                start=range_start,
                end=range_end,
            )
        )
        columns = [column.name for column in cr.description]
        return [dict(zip(columns, row)) for row in cr.fetchall()], first_hours

    def _portal_performance_chart(self, start, end, grouping, colors):
        """Latency, throughput, availability, ping drop and obstruction per bucket (hours for
        a range of two days or less, else the page's grouping) from the hourly rollups."""
        self.ensure_one()
        _ = self.env._
        number, date_label = self._portal_chart_formatters()
        bucket = charts.performance_bucket(start, end, grouping)
        range_start = datetime.combine(start, time())
        range_end = datetime.combine(end + timedelta(days=1), time())
        rows, first_hours = self._portal_performance_rows(range_start, range_end, bucket)
        starts = charts.bucket_starts(start, end, bucket)
        series = charts.performance_series(
            rows, first_hours, starts, bucket, fields.Datetime.now(), range_start, range_end
        )
        shown = [max(s, range_start) for s in starts]
        names = self._portal_series_labels()
        titles = {
            "latency": _("Latency"),
            "throughput": _("Throughput"),
            "availability": _("Availability"),
            "quality": _("Ping drop and obstruction"),
        }
        period = _(
            "from %(start)s to %(end)s",
            start=date_label(start, "day", True),
            end=date_label(end, "day", True),
        )
        # The units shown on the axes and read out, in the visitor's language.
        unit_labels = {"ms": "ms", "Mbps": _("Mbps"), "%": "%"}
        chart_list = []
        for key, metrics, unit, y_max in PERFORMANCE_CHARTS:
            parts = []
            for metric in metrics:
                stats = charts.series_summary(series[metric])
                digits = 0 if unit == "ms" else 1
                if stats["avg"] is None:
                    parts.append(_("%(name)s: no data", name=names[metric]))
                else:
                    parts.append(
                        _(
                            "%(name)s: average %(avg)s %(unit)s, lowest %(min)s, highest %(max)s",
                            name=names[metric],
                            avg=number(stats["avg"], digits),
                            min=number(stats["min"], digits),
                            max=number(stats["max"], digits),
                            unit=unit_labels[unit],
                        )
                    )
            chart_list.append(
                {
                    "key": key,
                    "title": titles[key],
                    "unit": unit_labels[unit],
                    "y_max": y_max,
                    "datasets": [
                        {
                            "key": metric,
                            "label": names[metric],
                            "color": colors[SERIES_COLORS[metric]],
                            "data": series[metric],
                        }
                        for metric in metrics
                    ],
                    "aria_label": _(
                        "Line chart of %(title)s %(period)s. %(details)s.",
                        title=titles[key].lower(),
                        period=period,
                        details="; ".join(parts),
                    ),
                }
            )
        return {
            "bucket": bucket,
            "labels": [date_label(s, bucket) for s in shown],
            "titles": [date_label(s, bucket, full=True) for s in shown],
            "starts": [s.isoformat() for s in shown],
            "has_data": any(row["samples"] for row in rows),
            "series": series,
            "charts": chart_list,
        }

    # ------------------------------------------------------------------ live values

    def _portal_live_values(self):
        """Figures of each line that change during the day: ``[{id, usage_gb, usage_percent,
        limit_gb, days_left, health, open_alerts, terminals: [{id, health, last_seen}]}]``."""
        return [
            {
                "id": line.id,
                "usage_gb": round(line.cycle_usage_gb, 3),
                "usage_percent": round(line.cycle_usage_percent, 1),
                "limit_gb": line.data_limit_gb or None,
                "days_left": line.cycle_days_left,
                "health": line.portal_health or None,
                "open_alerts": line.open_alert_count,
                "terminals": [
                    {
                        "id": terminal.id,
                        "health": terminal.health or None,
                        "last_seen": terminal.last_seen and terminal.last_seen.isoformat(),
                    }
                    for terminal in line.terminal_ids
                    if terminal.active
                ],
            }
            for line in self
        ]
