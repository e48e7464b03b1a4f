"""The generated population: schema, identities, integrity and documented distributions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score

from industry_credit.db.base import Base
from industry_credit.synth.config import CORE_SECTORS, FRONTIER, SECTOR_SHARES, SynthConfig
from industry_credit.synth.generate import generate
from industry_credit.synth.tables import ALL_TABLES, DB_TABLES
from industry_credit.synth.truth import NOISE_SD, logit_without_intercept
from industry_credit.uscc import is_valid_uscc
from industry_credit.vocabulary import COLLATERAL, PURPOSES, SECTORS, TECH_ROUTES

N = 40_000
CFG = SynthConfig(enterprises=N, seed=4242)


@pytest.fixture(scope="module")
def pop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("synth_pop")
    generate(CFG, out)
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in ALL_TABLES}


@pytest.fixture(scope="module")
def fin(pop: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pop["financial_statements"]


def test_files_have_exactly_the_database_columns(pop: dict[str, pd.DataFrame]) -> None:
    import industry_credit.db.models  # noqa: F401  (registers every table)

    for table in DB_TABLES:
        expected = [
            c.name
            for c in Base.metadata.tables[table].columns
            if c.name not in ("created_at", "updated_at")
        ]
        assert list(pop[table].columns) == expected, table
    assert list(pop["loan_requests"].columns) == [
        "enterprise_id",
        "amount",
        "tenor_months",
        "purpose",
        "collateral",
        "requested_product",
        "risk_sharing_coverage",
        "government_risk_sharing_coverage",
        "book_total_exposure",
        "book_sector_exposure",
        "book_district_exposure",
    ]


def test_enterprise_ids_and_codes(pop: dict[str, pd.DataFrame]) -> None:
    e = pop["enterprises"]
    assert e["id"].dtype == np.int64
    assert e["id"].tolist() == list(range(1, N + 1))
    assert e["uscc"].is_unique
    assert all(is_valid_uscc(c) for c in e["uscc"])
    assert e["name"].str.endswith("有限公司").all()


def test_income_statement_identity_in_every_row(fin: pd.DataFrame) -> None:
    subsidies = fin[[c for c in fin.columns if c.startswith("subsidy_")]].sum(axis=1)
    implied = fin["revenue"] - fin["operating_cost"] - fin["rd_expense"] + subsidies
    assert np.abs(implied - fin["net_profit"]).max() < 0.011


def test_balance_sheet_constraints_in_every_row(fin: pd.DataFrame) -> None:
    money = [
        c for c in fin.columns if c not in ("id", "enterprise_id", "fiscal_year", "received_at")
    ]
    signed = {"net_profit", "operating_cash_flow"}
    assert (fin[[c for c in money if c not in signed]] >= 0).all().all()
    assert (fin["current_assets"] <= fin["total_assets"]).all()
    assert (fin["inventory"] + fin["receivables"] <= fin["current_assets"] + 0.02).all()
    assert (fin["current_liabilities"] <= fin["total_liabilities"]).all()
    assert (fin["total_liabilities"] > fin["total_assets"]).any(), "some equity is negative"
    assert (np.round(fin[money], 2) == fin[money]).all().all()


def test_three_to_five_consecutive_fiscal_years(fin: pd.DataFrame) -> None:
    g = fin.groupby("enterprise_id")["fiscal_year"]
    counts, span = g.size(), g.max() - g.min() + 1
    assert counts.between(3, 5).all()
    assert (counts == span).all()
    assert len(counts) == N
    assert (g.max() == CFG.last_fiscal_year).all()


def test_sector_and_district_mix(pop: dict[str, pd.DataFrame]) -> None:
    e = pop["enterprises"]
    share = e["sector"].value_counts(normalize=True)
    for sector in SECTORS:
        assert abs(share.get(sector, 0.0) - SECTOR_SHARES.get(sector, 0.0)) < 0.015, sector
    districts = e["district"].value_counts(normalize=True)
    assert abs(districts["pudong"] - 0.30) < 0.015
    assert abs(districts["outside_shanghai"] - 0.12) < 0.015


def test_default_rate_and_oracle_auc(pop: dict[str, pd.DataFrame]) -> None:
    e = pop["enterprises"]
    assert e["true_pd"].between(0, 1).all()
    assert abs(e["true_pd"].mean() - CFG.default_rate) < 1e-6
    assert abs(e["defaulted_12m"].mean() - CFG.default_rate) < 0.005
    auc = roc_auc_score(e["defaulted_12m"], e["true_pd"])
    assert 0.80 <= auc <= 0.95, auc


def test_lifecycle_stage_is_consistent_with_age_and_growth(
    pop: dict[str, pd.DataFrame], fin: pd.DataFrame
) -> None:
    e = pop["enterprises"].set_index("id")
    assert 0.07 < e["declared_stage"].isna().mean() < 0.13
    age = (pd.Timestamp(CFG.as_of) - pd.to_datetime(e["founded_on"])).dt.days / 365.25
    last = fin[fin["fiscal_year"] == CFG.last_fiscal_year].set_index("enterprise_id")["revenue"]
    prev = fin[fin["fiscal_year"] == CFG.last_fiscal_year - 1].set_index("enterprise_id")["revenue"]
    growth = last / prev - 1
    by = pd.DataFrame({"stage": e["declared_stage"], "age": age, "growth": growth, "rev": last})
    med = by.groupby("stage").median()
    assert med.loc["startup", "age"] < med.loc["growth", "age"] < med.loc["mature", "age"]
    assert (
        med.loc["startup", "growth"]
        > med.loc["growth", "growth"]
        > med.loc["mature", "growth"]
        > med.loc["transition", "growth"]
    )
    assert med.loc["transition", "growth"] < 0
    assert med.loc["startup", "rev"] < med.loc["growth", "rev"] < med.loc["mature", "rev"]


def test_supply_graph_integrity(pop: dict[str, pd.DataFrame]) -> None:
    e = pop["enterprises"].set_index("id")
    links = pop["supply_links"]
    assert links["id"].tolist() == list(range(1, len(links) + 1))
    assert links["counterparty_id"].isin(e.index).all()
    assert links["enterprise_id"].isin(e.index).all()
    assert (links["counterparty_id"] != links["enterprise_id"]).all()
    assert not links.duplicated(["enterprise_id", "counterparty_uscc", "role"]).any()
    cp = e.loc[links["counterparty_id"]]
    assert (cp["uscc"].to_numpy() == links["counterparty_uscc"].to_numpy()).all()
    assert (cp["name"].to_numpy() == links["counterparty_name"].to_numpy()).all()
    assert (cp["is_core_enterprise"].to_numpy() == links["is_core_enterprise"].to_numpy()).all()
    sums = links.groupby(["enterprise_id", "role"])["share"].sum()
    assert sums.max() <= 1.0
    for col in ("share", "on_time_delivery_rate", "imported_component_share"):
        assert links[col].between(0, 1).all()
    assert links["avg_payment_days"].between(0, 720).all()


def test_core_enterprises_and_heavy_tailed_degree(pop: dict[str, pd.DataFrame]) -> None:
    e = pop["enterprises"]
    core = e[e["is_core_enterprise"]]
    assert len(core) == CFG.n_core == max(CFG.core_floor, round(N * CFG.core_share))
    assert core["sector"].isin(CORE_SECTORS).all()
    links = pop["supply_links"]
    to_core = links[(links["role"] == "buyer") & links["is_core_enterprise"]]
    suppliers = to_core.groupby("counterparty_id").size()
    assert suppliers.max() > 500
    assert suppliers.max() > 5 * suppliers.median()
    degree = links.groupby("counterparty_id").size()
    assert degree.max() > 20 * degree.median()
    own = links[links["enterprise_id"].isin(core["id"]) & (links["role"] == "supplier")]
    assert own.groupby("enterprise_id").size().max() >= 100, "a core lists many suppliers"


def test_alternative_data_seasonality_and_distress(pop: dict[str, pd.DataFrame]) -> None:
    alt = pop["alternative_data_monthly"]
    assert (alt.groupby("enterprise_id").size() == CFG.months).all()
    month = pd.to_datetime(alt["month"])
    rel = alt["tax_invoice_amount"] / alt.groupby("enterprise_id")["tax_invoice_amount"].transform(
        "mean"
    )
    by_month = rel.groupby(month).median()
    assert by_month[pd.Timestamp("2025-01-01")] < 0.85 * by_month[pd.Timestamp("2025-03-01")]
    assert by_month[pd.Timestamp("2026-02-01")] < 0.85 * by_month[pd.Timestamp("2026-04-01")]
    assert by_month[pd.Timestamp("2024-12-01")] > by_month[pd.Timestamp("2024-10-01")]
    e = pop["enterprises"].set_index("id")
    last = month >= month.max() - pd.DateOffset(months=2)
    down = alt[last].groupby("enterprise_id")["equipment_downtime_rate"].mean()
    assert down[e["defaulted_12m"]].median() > 1.5 * down[~e["defaulted_12m"]].median()
    kwh = alt.pivot(index="enterprise_id", columns="month", values="electricity_kwh").to_numpy()
    yoy = kwh[:, -6:].sum(axis=1) / kwh[:, -18:-12].sum(axis=1) - 1
    defaulted = e["defaulted_12m"].to_numpy()
    assert np.median(yoy[defaulted]) < np.median(yoy[~defaulted]) - 0.1


def test_subsidies_sit_where_the_plan_puts_them(
    pop: dict[str, pd.DataFrame], fin: pd.DataFrame
) -> None:
    sector = pop["enterprises"].set_index("id")["sector"].loc[fin["enterprise_id"]].to_numpy()
    allowed = {
        "subsidy_compute_voucher": {"compute_terminal", "edge_model", "edge_ai_chip"},
        "subsidy_model_voucher": {"edge_model"},
        "subsidy_corpus_voucher": {"edge_model"},
        "subsidy_special_fund": {"edge_ai_chip", "edge_model", "compute_terminal"},
    }
    for col, sectors in allowed.items():
        got = set(sector[fin[col].to_numpy() > 0])
        assert got, col
        assert got <= sectors, col
    assert (fin["subsidy_other"] > 0).mean() > 0.1


def test_policy_green_market_and_flags(pop: dict[str, pd.DataFrame]) -> None:
    e = pop["enterprises"].set_index("id")
    pol = pop["policy_support"].set_index("enterprise_id")
    frontier = e["sector"].isin(FRONTIER).to_numpy()
    startup = (e["declared_stage"] == "startup").to_numpy()
    gf = pol["guidance_fund_equity"].to_numpy()
    assert gf[frontier & startup].mean() > 3 * gf[~frontier].mean()
    assert pol["vc_backed"].to_numpy()[frontier & startup].mean() > 0.35
    green = pop["green_data"]
    assert green["compliance_violation"].mean() < 0.05
    assert 0.9 < green["carbon_intensity_vs_sector"].median() < 1.15
    plans = pop["market_plans"].set_index("enterprise_id")
    plan_sectors = set(e.loc[plans.index, "sector"])
    assert plan_sectors == {"ai_phone", "ai_pc", "smart_glasses", "silver_economy", "robot"}
    assert (plans["planned_sales_units"] <= plans["annual_capacity_units"]).all()
    assert 0.05 < e["in_portfolio"].mean() < 0.25
    assert not (e["exposure"] > 0)[~e["in_portfolio"]].any()
    assert e["little_giant"].sum() > 0
    assert not (e["little_giant"] & ~e["specialized_sme"]).any()
    ip = pop["intellectual_property"].set_index("enterprise_id")
    rd = pop["financial_statements"].groupby("enterprise_id")["rd_expense"].sum()
    assert np.corrcoef(np.log1p(rd), np.log1p(ip.loc[rd.index, "patents"]))[0, 1] > 0.6


def test_loan_requests(pop: dict[str, pd.DataFrame]) -> None:
    req = pop["loan_requests"]
    assert req["enterprise_id"].tolist() == list(range(1, N + 1))
    assert (req["amount"] > 0).all()
    assert req["purpose"].isin(PURPOSES).all()
    items = {c for lst in req["collateral"] for c in lst}
    assert items <= set(COLLATERAL)
    assert req["collateral"].map(len).between(1, 2).all()
    assert 0.2 < req["requested_product"].notna().mean() < 0.4


def test_received_at_never_after_as_of(pop: dict[str, pd.DataFrame]) -> None:
    as_of = pd.Timestamp(CFG.as_of, tz="UTC")
    for table in DB_TABLES[1:]:
        assert (pop[table]["received_at"] <= as_of).all(), table


def test_config_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(CFG.to_json(), encoding="utf-8")
    assert SynthConfig.from_file(path) == CFG
    with pytest.raises(ValueError, match="default_rate"):
        SynthConfig(default_rate=0.9)
    assert pq.read_schema  # pyarrow is importable for the Parquet checks above


def _drivers_from_tables(pop: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The documented drivers recomputed independently, with pandas, from the Parquet tables."""
    e = pop["enterprises"].set_index("id")
    fin = pop["financial_statements"]
    last_year = fin["fiscal_year"].max()
    last = fin[fin["fiscal_year"] == last_year].set_index("enterprise_id")
    prev = fin[fin["fiscal_year"] == last_year - 1].set_index("enterprise_id")
    subs = last[[c for c in last.columns if c.startswith("subsidy_")]].sum(axis=1)
    x = pd.DataFrame(index=e.index)
    x["sector"] = e["sector"].map({s: i for i, s in enumerate(SECTORS)})
    x["tech_route"] = e["tech_route"].map({r: i for i, r in enumerate(TECH_ROUTES)})
    x["leverage"] = last["total_liabilities"] / last["total_assets"]
    x["current_ratio"] = last["current_assets"] / last["current_liabilities"].clip(lower=1)
    x["roa"] = last["net_profit"] / last["total_assets"]
    x["ocf_coverage"] = last["operating_cash_flow"] / last["total_liabilities"].clip(lower=1)
    x["revenue_growth"] = last["revenue"] / prev["revenue"].clip(lower=1) - 1
    x["subsidy_ratio"] = subs / last["revenue"].clip(lower=1)
    x["subsidy_dependent"] = (last["net_profit"] >= 0) & (last["net_profit"] - subs < 0)
    links = pop["supply_links"]
    buyer = links[links["role"] == "buyer"]
    supplier = links[links["role"] == "supplier"]

    def wmean(df: pd.DataFrame, col: str, default: float) -> pd.Series:
        w = df.groupby("enterprise_id")["share"].sum()
        s = (df[col] * df["share"]).groupby(df["enterprise_id"]).sum()
        return (s / w[w > 0]).reindex(e.index).fillna(default)

    x["on_time_delivery"] = wmean(buyer, "on_time_delivery_rate", 0.97)
    x["buyer_payment_days"] = wmean(buyer, "avg_payment_days", 60.0)
    x["top_buyer_share"] = buyer.groupby("enterprise_id")["share"].max().reindex(e.index).fillna(0)
    x["own_payment_days"] = wmean(supplier, "avg_payment_days", 50.0)
    x["import_share"] = wmean(supplier, "imported_component_share", 0.0)
    alt = pop["alternative_data_monthly"]

    def wide(col: str) -> np.ndarray:
        return alt.pivot(index="enterprise_id", columns="month", values=col).loc[e.index].to_numpy()

    kwh, inv, down = (
        wide("electricity_kwh"),
        wide("tax_invoice_amount"),
        wide("equipment_downtime_rate"),
    )
    x["electricity_yoy"] = kwh[:, -6:].sum(1) / kwh[:, -18:-12].sum(1) - 1
    x["invoice_yoy"] = inv[:, -6:].sum(1) / inv[:, -18:-12].sum(1) - 1
    x["downtime_jump"] = down[:, -3:].mean(1) - down[:, -15:-3].mean(1)
    x["cancellation_6m"] = wide("order_cancellation_rate")[:, -6:].mean(1)
    plans = pop["market_plans"].set_index("enterprise_id")
    x["plan_coverage"] = plans["planned_sales_units"] / plans["break_even_units"].clip(lower=1)
    x["compliance_violation"] = pop["green_data"].set_index("enterprise_id")["compliance_violation"]
    x["guidance_fund_equity"] = pop["policy_support"].set_index("enterprise_id")[
        "guidance_fund_equity"
    ]
    x["core_buyer_distress"] = 0.0
    cores = e.index[e["is_core_enterprise"]]
    core_logit = pd.Series(logit_without_intercept(x.loc[cores]), index=cores)
    to_core = buyer[buyer["is_core_enterprise"]]
    distress = to_core["share"] * (
        core_logit.loc[to_core["counterparty_id"]].to_numpy() - core_logit.median()
    )
    x["core_buyer_distress"] = (
        distress.groupby(to_core["enterprise_id"]).sum().reindex(e.index).fillna(0)
    )
    return x


def test_true_pd_is_observable_drivers_plus_modest_noise(pop: dict[str, pd.DataFrame]) -> None:
    """logit(true_pd) minus the table-computed score is the documented N(0, 0.3) noise."""
    e = pop["enterprises"].set_index("id")
    x = _drivers_from_tables(pop)
    systematic = logit_without_intercept(x)
    total = np.log(e["true_pd"] / (1 - e["true_pd"])).to_numpy()
    resid = total - systematic
    resid -= np.median(resid)  # the intercept
    assert abs(resid.std() - NOISE_SD) < 0.02
    oracle = roc_auc_score(e["defaulted_12m"], e["true_pd"])
    learnable = roc_auc_score(e["defaulted_12m"], systematic)
    assert learnable >= 0.97 * oracle, (learnable, oracle)
