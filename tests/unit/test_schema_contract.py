"""Every place that derives from a declaration agrees with it; any drift fails here.

Declarations: the input tables (``industry_credit.tables``), the features
(``ml/feature_docs.py``) and the vocabularies (``industry_credit.vocabulary``). Derived: the
database models, the Parquet files, the batch's SELECT lists, the kernel's frames and features,
the columns rules may name, the reason-code catalogue and the API document's enums.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    Integer,
    Numeric,
    SmallInteger,
    String,
)

from industry_credit.applications.examples import ROBOT_STARTUP
from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.batch.reader import QUERIES
from industry_credit.config import PROJECT_ROOT
from industry_credit.db.base import Base
from industry_credit.ml.columns import CodeCounts, Coded
from industry_credit.ml.feature_docs import (
    BOOL_FEATURES,
    CATEGORY_VOCABULARY,
    FEATURE_DOCS,
    NUMERIC_FEATURES,
    feature_kind,
)
from industry_credit.ml.features import build_features
from industry_credit.ml.frames import INPUT_TABLES, EnterpriseFrames
from industry_credit.ml.reasons import CATALOGUE
from industry_credit.rules.columns import (
    BOOLEAN_FEATURES,
    CATEGORICAL_FEATURES,
    column_kind,
)
from industry_credit.rules.columns import NUMERIC_FEATURES as RULE_NUMERIC
from industry_credit.tables import DB_TABLES, FEATURE_COLUMNS, TABLES, Column
from industry_credit.vocabulary import (
    COLLATERAL,
    DISTRICTS,
    PRODUCT_CODES,
    PURPOSES,
    SECTORS,
    STAGES,
    SUPPLY_ROLES,
    TECH_ROUTES,
)

# Columns the database keeps beyond the declared ones: bookkeeping, not data.
DATABASE_ONLY = {"created_at", "updated_at"}
_SQL_TYPES: dict[str, tuple[type, ...]] = {
    "id": (BigInteger,),
    "money": (Numeric,),
    "float": (Double, Numeric),
    "bool": (Boolean,),
    "code": (String,),
    "text": (String,),
    "date": (Date,),
    "timestamp": (DateTime,),
}
_INT_TYPES = {16: SmallInteger, 32: Integer, 64: BigInteger}


def _sql_types(column: Column) -> tuple[type, ...]:
    return (_INT_TYPES[column.bits],) if column.kind == "int" else _SQL_TYPES[column.kind]


@pytest.mark.parametrize("name", DB_TABLES)
def test_database_models_match_the_declared_tables(name: str) -> None:
    table = Base.metadata.tables[name]
    declared = TABLES[name]
    assert set(table.columns.keys()) - DATABASE_ONLY == set(declared.names)
    checks = " ".join(str(c.sqltext) for c in table.constraints if hasattr(c, "sqltext"))
    for column in declared.columns:
        sql = table.columns[column.name]
        assert isinstance(sql.type, _sql_types(column)), (name, column.name, sql.type)
        assert sql.nullable == column.nullable or column.name == "id", (name, column.name)
        if column.kind == "code":
            assert column.vocabulary is not None
            for code in column.vocabulary:
                assert f"'{code}'" in checks, (name, column.name, code)


@pytest.mark.parametrize("name", INPUT_TABLES)
def test_parquet_files_have_the_declared_schema(name: str) -> None:
    path = PROJECT_ROOT / "data" / "seeds" / "population" / f"{name}.parquet"
    assert pq.read_schema(path).remove_metadata().equals(TABLES[name].arrow_schema())


@pytest.mark.parametrize("name", [t for t in DB_TABLES if t != "enterprises"])
def test_batch_reads_every_feature_column(name: str) -> None:
    select = QUERIES[name].split("FROM")[0]
    assert [c.strip() for c in select.removeprefix("SELECT").split(",")] == list(
        FEATURE_COLUMNS[name]
    )


def test_batch_enterprise_read_covers_the_declared_columns() -> None:
    select = QUERIES["enterprises"].split("FROM")[0]
    for column in FEATURE_COLUMNS["enterprises"]:
        assert f" {column}," in select, column


def test_document_frames_fill_every_declared_column_with_its_kind() -> None:
    frames = EnterpriseFrames.from_documents([ROBOT_STARTUP])
    for name in INPUT_TABLES:
        table = frames.table(name)
        assert list(table) == list(FEATURE_COLUMNS[name]), name
        for column_name in table:
            column = TABLES[name].column(column_name)
            value = table[column_name]
            if column.kind == "code":
                assert isinstance(value, Coded)
                assert value.categories == column.vocabulary
            elif column.kind == "codes":
                assert isinstance(value, CodeCounts)
                assert value.vocabulary == column.vocabulary


def test_features_are_the_declared_ones_with_their_kinds() -> None:
    features = build_features(EnterpriseFrames.from_documents([ROBOT_STARTUP]), date(2026, 11, 30))
    assert features.names == list(FEATURE_DOCS)
    for name in FEATURE_DOCS:
        value = features[name]
        kind = feature_kind(name)
        if kind == "category":
            assert isinstance(value, Coded)
            assert value.categories == CATEGORY_VOCABULARY[name]
        else:
            assert value.dtype.kind == ("b" if kind == "bool" else "f"), name


def test_rules_may_name_every_feature_and_the_score() -> None:
    assert set(RULE_NUMERIC) == set(NUMERIC_FEATURES) | {"pd"}
    assert set(BOOLEAN_FEATURES) == set(BOOL_FEATURES)
    assert set(CATEGORICAL_FEATURES) == set(CATEGORY_VOCABULARY) | {"requested_product", "grade"}
    for name in FEATURE_DOCS:
        assert column_kind(name) is not None, name
    # roa and loan_to_equity were once missing from the rules' own list.
    assert column_kind("roa") == "numeric"
    assert column_kind("loan_to_equity") == "numeric"


def test_every_feature_has_a_reason_sentence() -> None:
    assert set(CATALOGUE) == set(FEATURE_DOCS)


def _enums(schema: dict[str, Any], path: str) -> list[str]:
    node: Any = schema
    defs = schema["$defs"]
    for part in path.split("."):
        if "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[1]]
        node = node["properties"][part]
        if "anyOf" in node:
            node = next(n for n in node["anyOf"] if n.get("type") != "null")
        if "items" in node:
            node = node["items"]
        if "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[1]]
    return list(node["enum"])


@pytest.mark.parametrize(
    ("path", "codes"),
    [
        ("enterprise.sector", SECTORS),
        ("enterprise.district", DISTRICTS),
        ("enterprise.declared_stage", STAGES),
        ("enterprise.tech_route", TECH_ROUTES),
        ("supply_chain.role", SUPPLY_ROLES),
        ("request.purpose", PURPOSES),
        ("request.collateral", COLLATERAL),
        ("request.requested_product", PRODUCT_CODES),
    ],
)
def test_api_document_enums_are_the_vocabularies(path: str, codes: tuple[str, ...]) -> None:
    assert _enums(ApplicationDocument.model_json_schema(), path) == list(codes)
