"""Usage forecasting of starlink_telemetry (pure Python, no Odoo)."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from starlink_base_lib.billing_cycle import cycle_bounds as scalar_cycle_bounds
from starlink_simulator.faults import FaultState
from starlink_simulator.fleet import Fleet
from starlink_simulator.usage import UsageModel
from starlink_telemetry_lib import forecast
from starlink_telemetry_lib.forecast import UsageMatrix, forecast_usage, pivot_usage
from starlink_telemetry_lib.usage import parse_data_usage

FIRST = np.datetime64("2026-01-01")
DAYS = 135  # 2026-01-01 .. 2026-05-15
TODAY = date(2026, 5, 16)  # last known day 2026-05-15: day 15 of a cycle starting on the 1st


def matrix(rows, first=FIRST):
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    return UsageMatrix(np.array(["L%d" % i for i in range(len(rows))]), first, rows)


def line(result, index=0):
    return result.lines.iloc[index]


# ---------------------------------------------------------------------- cycles and input
def test_cycle_bounds_match_the_billing_cycles_of_starlink_base():
    days = [date(2027, 1, 1) + timedelta(days=offset) for offset in range(0, 800, 3)]
    for billing_day in (1, 5, 15, 28, 29, 30, 31):
        starts, ends = forecast.cycle_bounds(np.full(len(days), billing_day), days)
        for day, start, end in zip(days, starts, ends, strict=True):
            assert (start, end) == tuple(map(np.datetime64, scalar_cycle_bounds(billing_day, day)))


def test_pivot_usage_missing_days_duplicates_and_bad_values():
    rows = [
        ("B", date(2026, 1, 3), 2.0),
        ("B", date(2026, 1, 3), 1.0),  # same day twice: summed
        ("B", date(2026, 1, 6), 4.0),
        ("A", date(2026, 1, 2), 5.0),
        ("A", date(2026, 1, 4), -1.0),  # negative: dropped
        ("A", date(2026, 1, 5), float("nan")),  # NaN: dropped
        ("Z", date(2026, 1, 4), 9.0),  # not asked for
    ]
    usage = pivot_usage(rows, line_ids=["A", "B", "C"], last_day=date(2026, 1, 7))
    assert usage.first_day == np.datetime64("2026-01-02")
    assert usage.last_day == np.datetime64("2026-01-07")
    expected = [
        [5, 0, 0, 0, 0, 0],  # missing days after the first row count as 0 GB
        [np.nan, 3, 0, 0, 4, 0],  # before the first row: unknown
        [np.nan] * 6,  # no usage at all
    ]
    np.testing.assert_array_equal(usage.values, expected)
    unknown = pivot_usage(pd.DataFrame(rows, columns=["line_id", "date", "gb"]), missing="nan")
    assert list(unknown.line_ids) == ["A", "B", "Z"]
    assert np.isnan(unknown.values[0, 1]) and unknown.values[1, 1] == 3
    with pytest.raises(ValueError):
        pivot_usage(rows, missing="guess")


# ---------------------------------------------------------------------- known answers
def test_constant_usage_gives_exact_totals_for_every_method():
    result = forecast_usage(matrix([np.full(DAYS, 10.0)]), billing_day=1, today=TODAY)
    row = line(result)
    assert row.actual_to_date == pytest.approx(150.0)
    assert row.predicted_total == pytest.approx(310.0, rel=1e-6)
    assert row.next_predicted_total == pytest.approx(300.0, rel=1e-6)  # June: 30 days
    assert row.lower_total == pytest.approx(310.0, rel=1e-4)
    assert row.upper_total == pytest.approx(310.0, rel=1e-4)
    assert row.next_lower_total == pytest.approx(300.0, rel=1e-4)
    assert row.next_upper_total == pytest.approx(300.0, rel=1e-4)
    for method in forecast.BASE_METHODS:
        assert row["mape_" + method] == pytest.approx(0.0, abs=1e-6)
    assert np.isnan(row.mape_boosted)  # one line: no fleet to train the boosted model on
    assert row.backtest_folds == 2  # April, March (February: 46 days of history, < 8 weeks)
    assert row.band_source == "backtest"
    assert row.model_version == forecast.MODEL_VERSION
    daily = result.daily
    assert len(daily) == 16 + 30
    assert (daily.cycle == "current").sum() == 16
    assert daily.date.min() == pd.Timestamp("2026-05-16")
    assert daily.date.max() == pd.Timestamp("2026-06-30")
    np.testing.assert_allclose(daily.predicted_gb, 10.0, rtol=1e-6)


def test_weekly_pattern_seasonal_methods_beat_run_rate():
    rng = np.random.default_rng(3)
    weekday = ((FIRST + np.arange(160)).view("int64") + 3) % 7  # Monday = 0
    profile = np.array([4.0, 4.0, 4.0, 4.0, 4.0, 20.0, 20.0])[weekday]  # high at the weekend
    rows = profile[:DAYS] * rng.lognormal(0.0, 0.03, size=(40, DAYS))
    # Day 10 of the cycle: the days known so far hold 2 weekends in 10 days, the rest 3 in 21.
    result = forecast_usage(matrix(rows), billing_day=1, today=date(2026, 5, 11))
    lines = result.lines
    assert (lines.mape_seasonal_naive < lines.mape_run_rate).mean() > 0.9
    assert (lines.mape_trend_weekly < lines.mape_run_rate).mean() > 0.9
    assert (lines.method != "run_rate").all()
    truth = profile[120:151].sum()  # May, without noise
    error = np.abs(lines.predicted_total / truth - 1)
    assert error.mean() < 0.03


def test_linear_trend_the_trend_model_wins():
    rng = np.random.default_rng(5)
    t = np.arange(DAYS)
    rows = (5.0 + 0.15 * t) * rng.lognormal(0.0, 0.02, size=(30, DAYS))
    result = forecast_usage(matrix(rows), billing_day=1, today=TODAY)
    lines = result.lines
    assert (lines.method == "trend_weekly").all()
    assert (lines.mape_trend_weekly < lines.mape_run_rate / 3).all()
    truth = (5.0 + 0.15 * np.arange(120, 151)).sum()  # May, without noise
    assert np.abs(lines.predicted_total / truth - 1).max() < 0.02
    run_rate = forecast_usage(matrix(rows), billing_day=1, today=TODAY, methods=("run_rate",))
    assert (run_rate.lines.predicted_total < 0.97 * truth).all()  # a run rate lags a trend


def test_limit_crossing_date_and_overage():
    usage = matrix([np.full(DAYS, 10.0)] * 3)
    result = forecast_usage(usage, billing_day=1, limit_gb=[200.0, 100.0, 1000.0], today=TODAY)
    ahead, crossed, never = (line(result, i) for i in range(3))
    assert ahead.limit_date == pd.Timestamp("2026-05-21")  # 210 GB > 200 GB on day 21
    assert ahead.overage_gb == pytest.approx(110.0, rel=1e-6)
    assert crossed.limit_date == pd.Timestamp("2026-05-11")  # already past: the actual day
    assert crossed.overage_gb == pytest.approx(210.0, rel=1e-6)
    assert pd.isna(never.limit_date) and never.overage_gb == 0.0


def test_explicit_cycles_and_series_arguments():
    rng = np.random.default_rng(2)
    usage = matrix(rng.gamma(4.0, 2.0, size=(3, DAYS)))
    by_day = forecast_usage(usage, billing_day=[1, 10, 20], limit_gb=[50, 0, 80], today=TODAY)
    ids = usage.line_ids[::-1]  # a Series is matched on the line id, not on its order
    explicit = forecast_usage(
        usage,
        cycle_start=pd.Series(pd.to_datetime(["2026-04-20", "2026-05-10", "2026-05-01"]), ids),
        cycle_end=pd.Series(pd.to_datetime(["2026-05-19", "2026-06-09", "2026-05-31"]), ids),
        limit_gb=pd.Series([80.0, 0.0, 50.0], ids),
        today=TODAY,
    )
    pd.testing.assert_frame_equal(by_day.lines, explicit.lines)
    assert list(by_day.lines.cycle_end.dt.day) == [31, 9, 19]
    assert list(by_day.lines.next_cycle_end.dt.day) == [30, 9, 19]


def test_unlimited_plan_never_crosses():
    result = forecast_usage(matrix([np.full(DAYS, 50.0)]), billing_day=1, limit_gb=0, today=TODAY)
    row = line(result)
    assert pd.isna(row.limit_date) and row.overage_gb == 0.0
    assert result.line_records()[0]["limit_date"] is None


def test_short_and_empty_histories_fall_back():
    rows = np.full((3, DAYS), np.nan)
    rows[0, -5:] = 8.0  # service started 5 days ago
    rows[1, -40:] = 8.0  # one previous cycle, not a complete one
    # rows[2]: no usage known at all
    result = forecast_usage(matrix(rows), billing_day=1, today=TODAY)
    assert result.lines.backtest_mape.isna().all()
    assert result.lines.method.isin(forecast.METHODS).all()
    first, second, empty = (line(result, i) for i in range(3))
    assert first.actual_to_date == pytest.approx(40.0)
    assert first.predicted_total == pytest.approx(40.0 + 16 * 8.0)
    assert second.predicted_total == pytest.approx(31 * 8.0)
    assert empty.predicted_total == 0.0 and empty.upper_total == 0.0
    assert np.isfinite(result.daily[["predicted_gb", "lower_gb", "upper_gb"]].to_numpy()).all()


def test_no_lines_gives_empty_results():
    empty = UsageMatrix(np.array([], dtype=int), FIRST, np.zeros((0, DAYS)))
    result = forecast_usage(empty, billing_day=1, today=TODAY)
    assert result.lines.empty and result.daily.empty
    assert result.line_records() == [] and result.daily_records() == []


def test_missing_days_are_ignored_when_unknown():
    rows = np.full((1, DAYS), 6.0)
    rows[0, [100, 125]] = np.nan  # unknown days (missing="nan") in April and May
    result = forecast_usage(matrix(rows), billing_day=1, today=TODAY)
    row = line(result)
    assert row.actual_to_date == pytest.approx(14 * 6.0)  # known days only
    assert row.predicted_total == pytest.approx(14 * 6.0 + 16 * 6.0, rel=1e-6)
    assert row.backtest_folds == 1  # March: April is not complete
    assert row.backtest_mape == pytest.approx(0.0, abs=1e-6)


def test_future_columns_are_never_used():
    rng = np.random.default_rng(8)
    rows = rng.gamma(4.0, 2.0, size=(20, DAYS + 30))
    base = forecast_usage(matrix(rows[:, :DAYS]), billing_day=7, today=TODAY)
    rows[:, DAYS:] = 1000.0  # days from TODAY on: must not leak into the forecast
    later = forecast_usage(matrix(rows), billing_day=7, today=TODAY)
    pd.testing.assert_frame_equal(base.lines, later.lines)
    pd.testing.assert_frame_equal(base.daily, later.daily)


def test_lines_are_forecast_independently_of_each_other():
    rng = np.random.default_rng(13)
    rows = rng.gamma(3.0, 3.0, size=(12, DAYS)) * (1 + 0.004 * np.arange(DAYS))
    days = np.arange(1, 13)
    for method in forecast.BASE_METHODS:  # (the boosted model learns from the whole fleet)
        together = forecast_usage(matrix(rows), billing_day=days, today=TODAY, methods=(method,))
        for index in (0, 5, 11):
            alone = forecast_usage(
                matrix(rows[index]), billing_day=days[index], today=TODAY, methods=(method,)
            )
            same = line(together, index)
            assert line(alone).predicted_total == pytest.approx(same.predicted_total)
            assert line(alone).backtest_mape == pytest.approx(same.backtest_mape)


def test_intervals_bracket_the_forecast_and_records_are_plain():
    rng = np.random.default_rng(21)
    rows = rng.gamma(2.0, 5.0, size=(25, DAYS))
    result = forecast_usage(
        matrix(rows), billing_day=np.arange(1, 26), limit_gb=300.0, today=TODAY, level=0.8
    )
    lines, daily = result.lines, result.daily
    assert (lines.lower_total >= lines.actual_to_date - 1e-9).all()
    assert (lines.lower_total <= lines.predicted_total).all()
    assert (lines.upper_total > lines.predicted_total).all()
    assert (daily.lower_gb >= 0).all()
    assert (daily.lower_gb <= daily.predicted_gb).all()
    assert (daily.predicted_gb <= daily.upper_gb).all()
    records = result.daily_records()
    assert len(records) == len(daily)
    first = records[0]
    assert set(first) == {
        "line_id", "date", "predicted_gb", "lower_gb", "upper_gb", "cycle", "method",
        "model_version", "backtest_mape",
    }  # fmt: skip
    assert type(first["date"]) is date and isinstance(first["predicted_gb"], float)
    assert result.as_of == date(2026, 5, 15)
    line_record = result.line_records()[0]
    read_by_the_model = {
        "line_id", "method", "model_version", "backtest_mape", "predicted_total",
        "lower_total", "upper_total", "limit_date", "overage_gb", "limit_gb",
    }  # fmt: skip
    assert read_by_the_model <= set(line_record)
    assert type(line_record["cycle_end"]) is date and line_record["band_level"] == 0.8


def test_inconsistent_cycle_is_refused():
    with pytest.raises(ValueError):
        forecast_usage(
            matrix([np.ones(DAYS)]), cycle_start=date(2026, 4, 1), cycle_end=date(2026, 4, 30)
        )
    with pytest.raises(ValueError):
        forecast_usage(matrix([np.ones(DAYS)]))


# ---------------------------------------------------------------------- simulator histories
SIM_SEED = 42
SIM_LINES = 200
SIM_TODAY = date(2026, 7, 20)
ELAPSED = 15  # days of the cycle known when forecasting


@pytest.fixture(scope="module")
def simulator_usage():
    """Billable GB of 200 simulated lines over ~10 months, through the API payload parser."""
    fleet = Fleet(SIM_SEED, SIM_LINES, SIM_TODAY)
    model = UsageModel(fleet, FaultState())
    terminals = [t for t in fleet.terminals() if t.end_date is None]
    batch = parse_data_usage(
        [model.service_line_usage(t, SIM_TODAY, previous=10) for t in terminals]
    )
    assert not batch.skipped
    frame = pd.DataFrame(batch.daily)
    frame["gb"] = frame.priority_gb + frame.standard_gb  # priority includes opt-in
    frame = frame.rename(columns={"service_line_number": "line_id"})
    usage = pivot_usage(frame, line_ids=[t.service_line_number for t in terminals])
    return usage, np.array([t.billing_day for t in terminals])


def test_simulator_mid_cycle_totals_beat_run_rate(simulator_usage):
    """Day 15 of each of the last 3 complete cycles of every line: forecast the cycle total
    from the data known then only, compare with the actual total."""
    usage, billing_days = simulator_usage
    errors = {"chosen": [], "run_rate": []}
    inside = []
    for back in (1, 2, 3):
        for billing_day in np.unique(billing_days):
            rows = billing_days == billing_day
            start, end = forecast._previous_cycle(
                forecast.cycle_bounds([billing_day], SIM_TODAY - timedelta(days=1))[0],
                [billing_day],
                back,
            )
            today = start[0] + ELAPSED * forecast.DAY
            first, last = (np.array([start[0], end[0]]) - usage.first_day) // forecast.DAY
            actual = usage.values[rows, first : last + 1].sum(axis=1)
            known = np.isfinite(actual) & (actual > 0)
            past = UsageMatrix(usage.line_ids[rows], usage.first_day, usage.values[rows])
            past = past.until(today - forecast.DAY)  # nothing after the pretended today
            for name, methods in (("chosen", forecast.METHODS), ("run_rate", ("run_rate",))):
                result = forecast_usage(past, billing_day=billing_day, today=today, methods=methods)
                predicted = result.lines.predicted_total.to_numpy()
                errors[name].extend((np.abs(predicted - actual) / actual)[known])
                if name == "chosen":
                    low, high = result.lines.lower_total, result.lines.upper_total
                    inside.extend(((low <= actual) & (actual <= high))[known])
    chosen, run_rate = np.mean(errors["chosen"]), np.mean(errors["run_rate"])
    summary = "cases %d, MAPE chosen %.2f %%, run rate %.2f %%, interval coverage %.1f %%"
    print(summary % (len(inside), 100 * chosen, 100 * run_rate, 100 * np.mean(inside)))
    assert len(errors["chosen"]) > 500
    assert chosen <= 0.10
    assert chosen < run_rate
    assert 0.8 <= np.mean(inside) <= 0.98  # 90 % intervals
