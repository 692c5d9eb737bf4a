"""Calibrated forecast bands and the boosted fleet model (pure Python, no Odoo).

The fleet tests use ``forecast_fleet.hard_fleet``: trends, level shifts, outage days,
weekend-only cabins, bursty maritime lines and heavy-tailed noise, drawn with a fixed numpy
seed (not the simulator's generator).
"""

import numpy as np
import pytest
from starlink_telemetry_lib import forecast, forecast_boosted
from starlink_telemetry_lib.forecast_calibration import (
    LINE_PRIOR,
    calibrated_band,
    line_factors,
    position_quantiles,
    weighted_quantiles,
)

from .forecast_fleet import backtest_cases, hard_fleet, summary

FLEET_LINES = 3000
FLEET_SEED = 20260716
# On the 23rd, the lines billed on the 1st, 8th and 16th are on days 22, 15 and 7 of their
# cycle: one run per month forecasts every line at one of the three days.
TODAYS = ("2026-05-23", "2026-06-23", "2026-07-23")


# ---------------------------------------------------------------------- calibration pieces
def test_weighted_quantiles_by_hand():
    values = np.arange(1.0, 11.0)  # 1..10, given shuffled
    shuffled = values[[3, 9, 0, 5, 1, 8, 2, 7, 4, 6]]
    uniform = np.ones((1, 10))
    levels = np.array([[0.05, 0.5, 0.95]])
    # cumulative weights 0.1, 0.2, ...: the first value whose cumulative weight reaches it
    np.testing.assert_array_equal(weighted_quantiles(shuffled, uniform, levels), [[1, 5, 10]])
    heavy = np.ones((1, 10))
    heavy[0, shuffled == 10.0] = 10.0  # 10 of the 19 units of weight: the median moves to 10
    np.testing.assert_array_equal(weighted_quantiles(shuffled, heavy, levels), [[1, 10, 10]])


def test_split_conformal_quantiles_by_hand():
    # n = 49 scores made on one day of cycle, 90 % band: the upper bound is the
    # ceil((n + 1) * 0.95) = 48th smallest score, the lower one the floor((n + 1) * 0.05) =
    # 2nd smallest
    scores = np.arange(1.0, 50.0)[::-1].reshape(7, 7)
    lower, upper = position_quantiles(scores, np.full((7, 7), 15), [15], level=0.9)
    assert (lower[0], upper[0]) == (2.0, 48.0)
    # n = 19: ceil(20 * 0.95) = 19, the largest score
    scores = np.arange(1.0, 20.0).reshape(1, 19)
    lower, upper = position_quantiles(scores, np.full((1, 19), 15), [15], level=0.9)
    assert (lower[0], upper[0]) == (1.0, 19.0)


def test_quantiles_follow_the_day_of_cycle():
    small = np.linspace(-1.0, 1.0, 200)  # errors of forecasts made on day 7
    large = np.concatenate([np.linspace(-10.0, -2.0, 100), np.linspace(2.0, 10.0, 100)])
    scores = np.stack([small, large])
    positions = np.stack([np.full(200, 7), np.full(200, 22)])
    lower, upper = position_quantiles(scores, positions, [7, 22, 7], level=0.9)
    # day 7: the 191st of the 200 day-7 scores (0.95 * 201 / 200 = 0.95475 of the weight);
    # the day-22 scores weigh exp(-12.5) each and do not move it
    assert upper[0] == pytest.approx(small[190]) and lower[0] == pytest.approx(small[9])
    assert upper[2] == upper[0]
    assert upper[1] == pytest.approx(large[190]) and lower[1] == pytest.approx(large[9])


def test_line_factors_by_hand_with_leave_one_out():
    scores = np.array([[1.0, -3.0], [-1.0, 3.0], [1.0, np.nan]])  # (folds, lines)
    factor, held_out = line_factors(scores)
    fleet = (1 + 1 + 1 + 3 + 3) / 5  # mean absolute score: 1.8
    assert LINE_PRIOR == 3.0
    assert factor[0] == pytest.approx((3 + 3 * fleet) / ((3 + 3) * fleet))  # 0.7778
    assert factor[1] == pytest.approx((6 + 3 * fleet) / ((2 + 3) * fleet))  # 1.2667
    assert held_out[0, 0] == pytest.approx((2 + 3 * fleet) / ((2 + 3) * fleet))  # 0.8222
    assert held_out[0, 1] == pytest.approx((3 + 3 * fleet) / ((1 + 3) * fleet))  # 1.1667
    assert held_out[2, 1] == pytest.approx(factor[1])  # no fold 2: nothing to leave out
    none, none_held_out = line_factors(np.full((2, 3), np.nan))
    np.testing.assert_array_equal(none, 1.0)
    np.testing.assert_array_equal(none_held_out, 1.0)


def test_band_is_wider_for_a_line_that_errs_more_and_always_around_the_forecast():
    rng = np.random.default_rng(4)
    errors = rng.normal(0.0, 1.0, size=(4, 300))
    errors[:, 0] = [6.0, -6.0, 6.0, -6.0]  # a line that always errs a lot
    errors[:, 1] = np.nan  # a line without folds: the fleet's width
    errors[:, 2] = np.abs(errors[:, 2]) + 0.1  # a line the forecast always underestimated
    scales = np.ones_like(errors)
    positions = np.full(errors.shape, 10)
    low, high, calibrated = calibrated_band(errors, scales, positions, np.ones(300), 10, 0.9)
    assert calibrated
    typical = np.median(high - low)
    assert high[0] - low[0] > 2 * typical
    factor = line_factors(errors)[0]
    assert factor[1] == 1.0 and (high[1] - low[1]) == pytest.approx(typical, rel=0.2)
    assert (low <= 0).all() and (high >= 0).all()
    empty = np.full((4, 3), np.nan)
    low, high, calibrated = calibrated_band(empty, empty, empty, np.ones(3), 10, 0.9)
    assert not calibrated and (low == 0).all() and (high == 0).all()


def test_held_out_choice_by_hand():
    # one line, 3 folds; method A errs 0, 0, 50 %, method B 10 % every time
    errors = np.array([[[0.0], [0.1]], [[0.0], [-0.1]], [[0.5], [0.1]]])
    chosen, mape = forecast.choose_methods(errors, ("A", "B"))
    assert chosen[0] == 1 and mape[:, 0] == pytest.approx([0.5 / 3, 0.1])
    # without fold 3, A (0 %) beats B; without fold 1 or 2, A averages 25 %
    held_out = forecast.held_out_choices(errors, ("A", "B"))
    assert held_out[:, 0].tolist() == [1, 1, 0]


# ---------------------------------------------------------------------- the boosted model
def _samples(rng, lines, folds):
    x = rng.normal(size=(lines * folds, 5))
    base = rng.uniform(5.0, 50.0, size=lines * folds)
    rest = base * np.exp(0.3 * x[:, 0]) * rng.lognormal(0.0, 0.1, size=lines * folds)
    return (x, base, rest, rest + base), np.tile(np.arange(lines), folds)


def test_boosted_backtest_is_out_of_sample():
    rng = np.random.default_rng(1)
    samples, line = _samples(rng, 400, 3)
    current = (rng.normal(size=(400, 5)), np.full(400, 10.0))
    folds, now = forecast_boosted.cross_fit(samples, line, current)
    x, base, rest, actual = samples
    # learnt: rest / base = exp(0.3 x0)
    assert np.median(np.abs(folds / rest - 1)) < 0.15
    # a fold of an even line is predicted by the model of the odd lines: changing the
    # targets of the even lines leaves their own backtest forecasts alone
    changed = rest.copy()
    changed[line % 2 == 0] *= 3.0
    again, _now = forecast_boosted.cross_fit((x, base, changed, actual), line, current)
    even = line % 2 == 0
    np.testing.assert_allclose(again[even], folds[even], atol=1e-9)
    assert not np.allclose(again[~even], folds[~even])


def test_boosted_needs_enough_samples():
    rng = np.random.default_rng(2)
    lines = 190  # 3 folds each: 285 samples per half of the fleet
    samples, line = _samples(rng, lines, 3)
    current = (rng.normal(size=(lines, 5)), np.ones(lines))
    assert (line % 2 == 0).sum() < forecast_boosted.MIN_SAMPLES
    assert forecast_boosted.cross_fit(samples, line, current) is None
    small = hard_fleet(lines=60, days=200, seed=3, first_day="2025-12-01")
    usage = forecast.UsageMatrix(np.arange(60), small.first_day, small.values[:, :180])
    result = forecast.forecast_usage(usage, billing_day=small.billing_day)
    assert result.lines.method.isin(forecast.BASE_METHODS).all()
    assert result.lines.mape_boosted.isna().all()


# ---------------------------------------------------------------------- the hard fleet
def test_generated_fleet_has_the_hard_kinds_of_lines():
    fleet = hard_fleet(lines=600)
    values, kinds = fleet.values, fleet.kinds
    assert set(kinds) == {"steady", "trend", "shift", "weekend", "bursty", "outages"}
    weekday = ((fleet.first_day + np.arange(values.shape[1])).view("int64") + 3) % 7
    cabins = values[kinds == "weekend"]
    assert cabins[:, weekday < 4].sum() < 0.1 * cabins.sum()  # Monday-Thursday: a trickle
    outages = (values == 0).mean(axis=1)
    assert np.median(outages[kinds == "outages"]) > 0.08 > np.median(outages[kinds == "steady"])
    months = values[:, -60:-30].sum(axis=1) / values[:, 30:60].sum(axis=1)
    trend = months[kinds == "trend"]
    assert (trend > 2).any() and (trend < 0.5).any()
    noise = values[kinds == "steady"] / np.median(values[kinds == "steady"], axis=1)[:, None]
    assert (noise > 8).any()  # heavy tails: some days 8 x the line's median
    assert set(fleet.billing_day) == {1, 8, 16}


@pytest.fixture(scope="module")
def fleet_cases():
    fleet = hard_fleet(lines=FLEET_LINES, seed=FLEET_SEED)
    chosen = backtest_cases(forecast, fleet, TODAYS)
    run_rate = backtest_cases(forecast, fleet, TODAYS, methods=("run_rate",))
    return chosen, run_rate


def test_hard_fleet_bands_hold_the_true_total_90_percent_of_the_time(fleet_cases):
    chosen, _run_rate = fleet_cases
    table = summary(chosen)
    print("\n" + table.to_string())
    assert table.index.tolist() == [7, 15, 22]
    assert (table.cases > 2500).all()
    for day, row in table.iterrows():
        assert 0.85 <= row.coverage <= 0.95, "day %d: coverage %.3f" % (day, row.coverage)
    # the band is not simply wide: the total is above or below it in about 5 % of cases each
    kept = chosen[chosen.actual > 0]
    assert 0.02 <= (kept.actual < kept.lower).mean() <= 0.08
    assert 0.02 <= (kept.actual > kept.upper).mean() <= 0.08


def test_hard_fleet_chosen_method_beats_run_rate(fleet_cases):
    chosen, run_rate = fleet_cases
    ours, theirs = summary(chosen), summary(run_rate)
    kept = chosen.actual > 0
    gain = (run_rate.predicted - run_rate.actual).abs() - (chosen.predicted - chosen.actual).abs()
    gain = (gain / chosen.actual)[kept].groupby(chosen.known_days[kept])
    for day in (7, 15, 22):
        mape, baseline = ours.mape[day], theirs.mape[day]
        print("day %d: MAPE chosen %.2f %%, run rate %.2f %%" % (day, 100 * mape, 100 * baseline))
        assert mape < 0.96 * baseline
        # clearly: the paired gain is more than 2 standard errors away from 0
        values = gain.get_group(day)
        assert values.mean() > 2 * values.std() / np.sqrt(len(values))
    assert ours.mape.mean() < 0.85 * theirs.mape.mean()
    assert (chosen.method[kept] == forecast.BOOSTED).mean() > 0.5


def test_daily_bounds_add_up_to_the_calibrated_bands():
    fleet = hard_fleet(lines=400, seed=11)
    today = np.datetime64("2026-06-23")
    first = today - np.timedelta64(180, "D")
    column = int((first - fleet.first_day) // np.timedelta64(1, "D"))
    usage = forecast.UsageMatrix(np.arange(400), first, fleet.values[:, column : column + 180])
    result = forecast.forecast_usage(usage, billing_day=fleet.billing_day, today=today)
    lines = result.lines.set_index("line_id")
    assert (lines.band_source == "backtest").all()
    assert (lines.method == forecast.BOOSTED).any()
    daily = result.daily
    sums = daily.groupby(["cycle", "line_id"])[["predicted_gb", "lower_gb", "upper_gb"]].sum()
    current, following = sums.loc["current"], sums.loc["next"]
    known = lines.actual_to_date
    np.testing.assert_allclose(known + current.predicted_gb, lines.predicted_total, atol=1e-9)
    np.testing.assert_allclose(known + current.lower_gb, lines.lower_total, atol=1e-9)
    np.testing.assert_allclose(known + current.upper_gb, lines.upper_total, atol=1e-9)
    np.testing.assert_allclose(following.predicted_gb, lines.next_predicted_total, atol=1e-9)
    np.testing.assert_allclose(following.lower_gb, lines.next_lower_total, atol=1e-9)
    np.testing.assert_allclose(following.upper_gb, lines.next_upper_total, atol=1e-9)
    assert (daily.lower_gb <= daily.predicted_gb + 1e-9).all()
    assert (daily.predicted_gb <= daily.upper_gb + 1e-9).all()
    assert (lines.lower_total >= known).all()
    assert (lines.next_lower_total <= lines.next_predicted_total).all()
    assert (lines.next_predicted_total <= lines.next_upper_total).all()
