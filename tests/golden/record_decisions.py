"""Record the golden decision corpus: inputs and every field of the engine's decisions.

Run ``python tests/golden/record_decisions.py`` only to record a corpus from a deliberate change
of what is decided, never to make a failing test pass; the commit that does it lists the changed
cases. The corpus carries its own copies of the model artifact and the ruleset it was made with
(``model/``, ``ruleset.yaml``), so that a retrain of the default model does not void it.

Inputs: 1,000 documents of the committed seed population (a fifth of them with counterparty
PDs), the example documents, and variants over sectors, districts, stages, routes, requests,
collateral and missing or extreme sections.
"""

from __future__ import annotations

import copy
import gzip
import itertools
import json
import random
import shutil
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "decisions.jsonl.gz"
MODEL_DIR = HERE / "model"
RULESET = HERE / "ruleset.yaml"
SEED_AS_OF = date(2026, 11, 1)
CORPUS_REASONS_VERSION = 1
EXAMPLE_AS_OF = date(2026, 11, 30)

SECTORS = [
    "ai_pc", "ai_phone", "compute_terminal", "robot", "smart_glasses", "satellite_terminal",
    "silver_economy", "industrial_terminal", "future_terminal", "edge_ai_chip", "edge_model",
    "other",
]  # fmt: skip
DISTRICTS = ["pudong", "songjiang", "qingpu", "lingang", "other_shanghai", "outside_shanghai"]
STAGES = [None, "startup", "growth", "mature", "transition"]
ROUTES = ["x86", "arm", "risc_v", "other", "none"]
COLLATERAL = [
    [], ["none"], ["ip_pledge"], ["software_copyright_pledge"], ["receivables_pledge"],
    ["equipment_mortgage"], ["real_estate_mortgage"], ["equity_pledge", "ip_pledge"],
    ["guarantee_fund"], ["third_party_guarantee", "receivables_pledge"],
]  # fmt: skip
PRODUCTS = [
    None, "investment_loan_linkage", "supply_chain_finance", "ip_pledge_loan", "syndicated_loan",
    "trade_in_installment", "plant_setup_loan", "working_capital_loan", "revolving_credit",
    "guidance_fund_follow_loan", "project_finance", "green_transformation_loan",
]  # fmt: skip
PURPOSES = ["working_capital", "capex", "rd", "project", "m_and_a", "refinance"]


def _uscc(n: int) -> str:
    from industry_credit.uscc import check_digit

    body = f"9131011{n:010d}"[:17]
    return body + check_digit(body)


def _bases() -> list[dict[str, Any]]:
    from industry_credit.applications.examples import ROBOT_STARTUP
    from tests.factories.documents import healthy_industrial_maker

    return [copy.deepcopy(ROBOT_STARTUP), healthy_industrial_maker()]


def _mutations(rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    """Named variants of the two example documents."""
    out: list[tuple[str, dict[str, Any]]] = []
    bases = _bases()
    for (b, base), sector, district in itertools.product(enumerate(bases), SECTORS, DISTRICTS):
        doc = copy.deepcopy(base)
        doc["enterprise"].update(sector=sector, district=district)
        doc["enterprise"]["declared_stage"] = rng.choice(STAGES)
        doc["enterprise"]["tech_route"] = rng.choice(ROUTES)
        doc["enterprise"]["core_product_tech_life_months"] = rng.choice([6, 18, 36, 60, 120])
        doc["policy_support"]["guidance_fund_equity"] = rng.random() < 0.4
        doc["policy_support"]["vc_backed"] = rng.random() < 0.4
        doc["policy_support"]["trade_in_subsidy_eligible"] = rng.random() < 0.3
        doc["policy_support"]["special_fund_grant"] = rng.choice([0, 0, 2_000_000])
        doc["green"] = {
            "compliance_violation": rng.random() < 0.08,
            "carbon_intensity_vs_sector": rng.choice([0.3, 0.65, 0.7, 0.95, 1.0, 1.4]),
        }
        doc["request"] = {
            "amount": rng.choice([1_000_000, 5_000_000, 30_000_000, 120_000_000, 800_000_000]),
            "tenor_months": rng.choice([6, 12, 24, 36, 60, 120]),
            "purpose": rng.choice(PURPOSES),
            "collateral": rng.choice(COLLATERAL),
            "requested_product": rng.choice(PRODUCTS),
        }
        out.append((f"grid-{b}-{sector}-{district}", doc))
    out.extend(_edge_cases(bases))
    return out


def _edge_cases(bases: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    robot, maker = bases
    cases: list[tuple[str, dict[str, Any]]] = []

    def case(name: str, base: dict[str, Any], **sections: Any) -> None:
        doc = copy.deepcopy(base)
        for key, value in sections.items():
            if value is None:
                doc.pop(key, None)
            elif isinstance(value, dict) and isinstance(doc.get(key), dict):
                doc[key].update(value)
            else:
                doc[key] = value
        cases.append((name, doc))

    for name, base in (("robot", robot), ("maker", maker)):
        latest = copy.deepcopy(base["financials"][0])
        case(f"{name}-one-year", base, financials=[latest])
        case(f"{name}-no-alternative-data", base, alternative_data=[])
        case(f"{name}-no-supply-chain", base, supply_chain=[])
        case(f"{name}-no-optional-sections", base, ip=None, policy_support=None, green=None)
        zero = {**latest, "revenue": 0, "operating_cost": 0, "net_profit": -3_000_000}
        case(f"{name}-zero-revenue", base, financials=[zero])
        broke = {**zero, "operating_cash_flow": -2_000_000, "receivables": 0}
        case(
            f"{name}-no-debt-capacity",
            base,
            financials=[broke],
            supply_chain=[],
            ip={"patents": 0, "software_copyrights": 0, "ip_valuation": 0},
        )
        for months in (1, 3):
            case(
                f"{name}-tech-life-{months}",
                base,
                enterprise={"core_product_tech_life_months": months},
            )
        negative = {**latest, "total_liabilities": round(latest["total_assets"] * 1.4, 2)}
        case(f"{name}-negative-equity", base, financials=[negative])
        no_current = {**latest, "current_liabilities": 0, "current_assets": 0}
        case(f"{name}-no-current-items", base, financials=[no_current])
        subsidised = {**latest, "subsidies": {"compute_voucher": 3e6, "special_fund": 4e6}}
        case(f"{name}-subsidised", base, financials=[subsidised])
        case(f"{name}-violation", base, green={"compliance_violation": True})
        case(f"{name}-green", base, green={"carbon_intensity_vs_sector": 0.5})
        case(
            f"{name}-market-short",
            base,
            market={
                "break_even_units": 900_000,
                "annual_capacity_units": 800_000,
                "planned_sales_units": 500_000,
            },
        )
        case(
            f"{name}-market-fine",
            base,
            market={
                "break_even_units": 100_000,
                "annual_capacity_units": 800_000,
                "planned_sales_units": 500_000,
            },
        )
        for amount in (0.01, 10_000, 2e9, 9e12):
            case(f"{name}-amount-{amount:g}", base, request={"amount": amount})
        for tenor in (1, 360):
            case(f"{name}-tenor-{tenor}", base, request={"tenor_months": tenor})
        spiky = copy.deepcopy(base["alternative_data"])
        for month in spiky[-3:]:
            month.update(equipment_downtime_rate=0.4, order_cancellation_rate=0.3)
        case(f"{name}-circuit-breaker", base, alternative_data=spiky)
        imported = [
            {**link, "role": "supplier", "imported_component_share": 0.9}
            for link in base["supply_chain"]
        ]
        case(f"{name}-imported", base, supply_chain=imported)
        many = [
            {
                "counterparty_uscc": _uscc(900_000 + i),
                "counterparty_name": f"对手方{i}",
                "role": "buyer" if i % 3 else "supplier",
                "is_core_enterprise": i % 4 == 0,
                "share": round(1 / (i + 2), 6),
                "on_time_delivery_rate": 0.9 + 0.001 * i,
                "avg_payment_days": 20 + 7 * i,
                "imported_component_share": 0.05 * (i % 5),
            }
            for i in range(25)
        ]
        case(f"{name}-many-links", base, supply_chain=many)
    return cases


def _with_identity(doc: dict[str, Any], n: int) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc["enterprise"]["uscc"] = _uscc(n)
    return doc


def corpus_inputs() -> list[tuple[str, Any]]:
    """(case name, DecisionInput) for every case, in corpus order."""
    from industry_credit.applications.schemas import ApplicationDocument
    from industry_credit.config import PROJECT_ROOT
    from industry_credit.decisions.types import DecisionInput
    from industry_credit.synth.documents import application_documents

    rng = random.Random(20261203)
    items: list[tuple[str, Any]] = []
    population = PROJECT_ROOT / "data" / "seeds" / "population"
    for raw in application_documents(population, limit=1000):
        document = ApplicationDocument.model_validate(raw)
        risk: tuple[tuple[str, float], ...] = ()
        if document.supply_chain and rng.random() < 0.2:
            risk = tuple(
                (link.counterparty_uscc, rng.choice([0.004, 0.03, 0.12, 0.45]))
                for link in document.supply_chain[:8]
            )
        items.append((f"seed-{document.enterprise.uscc}", (document, SEED_AS_OF, risk)))
    for i, (name, raw) in enumerate(_mutations(rng)):
        document = ApplicationDocument.model_validate(_with_identity(raw, 500_000 + i))
        risk = ()
        if document.supply_chain and i % 5 == 0:
            risk = ((document.supply_chain[0].counterparty_uscc, 0.2),)
        items.append((name, (document, EXAMPLE_AS_OF, risk)))
    return [
        (name, DecisionInput(document=d, as_of=as_of, counterparty_risk=r))
        for name, (d, as_of, r) in items
    ]


def engine() -> Any:
    from industry_credit.decisions.engine import PipelineEngine
    from industry_credit.ml.scorer import Scorer
    from industry_credit.rules.loading import load_ruleset

    scorer = Scorer.from_artifact(MODEL_DIR)
    # The corpus was recorded with the first reason renderer (a share's magnitude); it replays
    # with that renderer, as a stored decision does (``decisions.replay``).
    return PipelineEngine(
        scorer=scorer,
        ruleset=load_ruleset(RULESET),
        model_version=scorer.model_version,
        reasons_version=CORPUS_REASONS_VERSION,
    )


def record() -> None:
    from industry_credit.config import PROJECT_ROOT

    if not MODEL_DIR.exists():
        shutil.copytree(PROJECT_ROOT / "data" / "model", MODEL_DIR)
        for extra in ("report.html", "report.json"):
            (MODEL_DIR / extra).unlink(missing_ok=True)
    if not RULESET.exists():
        shutil.copy(
            PROJECT_ROOT / "src" / "industry_credit" / "rules" / "default_ruleset.yaml", RULESET
        )
    cases = corpus_inputs()
    decided = engine().decide([item for _, item in cases])
    with gzip.open(CORPUS, "wt", encoding="utf-8") as out:
        for (name, item), result in zip(cases, decided, strict=True):
            row = {
                "case": name,
                "input": item.snapshot(),
                "decision": result.decision,
                "features": result.features,
            }
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"recorded {len(cases)} decisions in {CORPUS}")


if __name__ == "__main__":
    record()
