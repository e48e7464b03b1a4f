"""Application documents from the population validate against the wire schema; the CLI works."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.cli import app
from industry_credit.synth.config import SynthConfig
from industry_credit.synth.documents import application_documents, iter_application_documents
from industry_credit.synth.generate import generate


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth_docs")
    generate(SynthConfig(enterprises=400, seed=5), out)
    return out


def _decimals_ok(value: object) -> bool:
    return not isinstance(value, float) or round(value, 2) == value


def test_documents_validate_and_keep_the_wire_conventions(population: Path) -> None:
    docs = application_documents(population)
    assert len(docs) == 400
    for doc in docs:
        parsed = ApplicationDocument.model_validate(doc)
        assert parsed.enterprise.uscc == doc["enterprise"]["uscc"]
        for f in doc["financials"]:
            assert all(_decimals_ok(v) for k, v in f.items() if k != "subsidies")
        assert all(re.fullmatch(r"\d{4}-\d{2}", m["month"]) for m in doc["alternative_data"])
        assert len(doc["alternative_data"]) == 24
        assert _decimals_ok(doc["request"]["amount"])
    json.dumps(docs)  # plain JSON types only
    assert any(d["enterprise"]["is_core_enterprise"] for d in docs)
    assert any("market" in d for d in docs)


def test_selected_ids_in_order_and_link_cap(population: Path) -> None:
    docs = list(iter_application_documents(population, [7, 3, 1], max_links=2))
    assert [d["enterprise"]["name"] for d in docs] == [
        application_documents(population, [i])[0]["enterprise"]["name"] for i in (7, 3, 1)
    ]
    assert all(len(d["supply_chain"]) <= 2 for d in docs)
    shares = [link["share"] for link in docs[2]["supply_chain"]]
    assert shares == sorted(shares, reverse=True)


def test_seed_command_writes_parquet_and_config(tmp_path: Path) -> None:
    out = tmp_path / "pop"
    result = CliRunner().invoke(
        app,
        [
            "seed",
            "--enterprises",
            "300",
            "--seed",
            "9",
            "--out",
            str(out),
            "--default-rate",
            "0.04",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "generated 300 enterprises" in result.output
    cfg = SynthConfig.from_file(out / "synth_config.json")
    assert (cfg.enterprises, cfg.seed, cfg.default_rate) == (300, 9, 0.04)
    assert (out / "supply_links.parquet").is_file()
    bad = CliRunner().invoke(app, ["seed", "--enterprises", "10", "--out", str(out)])
    assert bad.exit_code == 2
