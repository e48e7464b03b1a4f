"""Each documented effect of the generative PD model moves PD in the documented direction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from industry_credit.synth.activity import month_starts
from industry_credit.synth.blocks import generate_block
from industry_credit.synth.config import SECTOR_INDEX, SynthConfig
from industry_credit.synth.skeleton import build_skeleton
from industry_credit.synth.truth import (
    DRIVER_DOCS,
    calibrate_intercept,
    logit_without_intercept,
    sigmoid,
    true_pd,
)
from industry_credit.vocabulary import TECH_ROUTES

BASE: dict[str, float] = {
    "sector": SECTOR_INDEX["robot"],
    "tech_route": TECH_ROUTES.index("arm"),
    "leverage": 0.55,
    "current_ratio": 1.6,
    "roa": 0.04,
    "ocf_coverage": 0.15,
    "revenue_growth": 0.15,
    "subsidy_ratio": 0.02,
    "subsidy_dependent": 0.0,
    "on_time_delivery": 0.975,
    "buyer_payment_days": 60.0,
    "top_buyer_share": 0.35,
    "own_payment_days": 50.0,
    "import_share": 0.2,
    "electricity_yoy": 0.05,
    "invoice_yoy": 0.05,
    "downtime_jump": 0.0,
    "cancellation_6m": 0.015,
    "plan_coverage": 1.3,
    "compliance_violation": 0.0,
    "guidance_fund_equity": 0.0,
    "core_buyer_distress": 0.0,
}

# (driver, riskier value): moving the driver there must raise PD, all else equal.
RISKIER: list[tuple[str, float]] = [
    ("leverage", 0.9),
    ("current_ratio", 0.7),
    ("roa", -0.2),
    ("ocf_coverage", -0.3),
    ("revenue_growth", -0.3),
    ("subsidy_ratio", 0.3),
    ("subsidy_dependent", 1.0),
    ("on_time_delivery", 0.85),
    ("buyer_payment_days", 120.0),
    ("top_buyer_share", 0.8),
    ("own_payment_days", 150.0),
    ("import_share", 0.8),
    ("electricity_yoy", -0.4),
    ("invoice_yoy", -0.4),
    ("downtime_jump", 0.2),
    ("cancellation_6m", 0.15),
    ("plan_coverage", 0.6),
    ("compliance_violation", 1.0),
    ("core_buyer_distress", 1.5),
]


def _frame(**changes: float) -> pd.DataFrame:
    return pd.DataFrame([{**BASE, **changes}])


def _pd(**changes: float) -> float:
    return float(true_pd(_frame(**changes), intercept=-4.0)[0])


def test_every_driver_is_documented_and_used() -> None:
    assert set(BASE) == set(DRIVER_DOCS)
    assert {d for d, _ in RISKIER} | {"sector", "tech_route", "guidance_fund_equity"} == set(BASE)


@pytest.mark.parametrize(("driver", "value"), RISKIER)
def test_effect_direction(driver: str, value: float) -> None:
    assert _pd(**{driver: value}) > _pd()


def test_mitigants_and_categorical_effects() -> None:
    assert _pd(guidance_fund_equity=1.0) < _pd()
    assert _pd(plan_coverage=float("nan")) == _pd(plan_coverage=2.0)
    assert _pd(sector=SECTOR_INDEX["future_terminal"]) > _pd(
        sector=SECTOR_INDEX["industrial_terminal"]
    )
    assert _pd(tech_route=TECH_ROUTES.index("risc_v")) > _pd(tech_route=TECH_ROUTES.index("arm"))


def test_leverage_effect_is_convex() -> None:
    z = [logit_without_intercept(_frame(leverage=v))[0] for v in (0.5, 0.7, 0.9, 1.1)]
    assert z[3] - z[2] > 2 * (z[1] - z[0])


def test_noise_is_additive_on_the_log_odds() -> None:
    x = _frame()
    assert true_pd(x, -4.0, np.array([0.5]))[0] == pytest.approx(true_pd(x, -3.5)[0])


def test_intercept_bisection_hits_the_target() -> None:
    z = np.random.default_rng(1).normal(0.0, 1.5, 50_000)
    for target in (0.02, 0.03, 0.04):
        a = calibrate_intercept(z, target)
        assert sigmoid(z + a).mean() == pytest.approx(target, abs=1e-9)


def test_distressing_a_core_buyer_raises_its_suppliers_pd() -> None:
    """Regenerate a block with one core's log-odds raised: only its suppliers move, upwards."""
    cfg = SynthConfig(enterprises=20_000, seed=99)
    sk = build_skeleton(cfg)
    months = month_starts(cfg.as_of_date, cfg.months)
    _, core = generate_block(cfg, sk, 0, months, None, 1, 1)
    calm, _ = generate_block(cfg, sk, 1, months, core, 1, 1)
    core.logit[1] += 3.0
    stressed, _ = generate_block(cfg, sk, 1, months, core, 1, 1)
    linked = stressed.drivers["core_buyer_distress"] != calm.drivers["core_buyer_distress"]
    links = calm.tables["supply_links"].to_pandas()
    sells_to_core_1 = links[(links["counterparty_id"] == 1) & (links["role"] == "buyer")]
    suppliers = calm.drivers.index.isin(sells_to_core_1["enterprise_id"])
    assert linked.to_numpy().sum() > 50
    assert (linked.to_numpy() == suppliers).all()
    diff = stressed.logit - calm.logit
    assert (diff[linked.to_numpy()] > 0).all()
    assert (diff[~linked.to_numpy()] == 0).all()
