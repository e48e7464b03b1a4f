"""Training data: the synthetic population (Parquet tables) or any external table with a target.

A directory holding ``enterprises.parquet`` is a population: its features come from
``build_features`` and the monotone constraints apply. Anything else (Parquet, CSV, ARFF file)
is a bank's own book: its numeric columns are numeric features, its string/boolean columns with at
most ``MAX_CATEGORIES`` distinct values are categorical, other columns are dropped (identifiers,
free text) and listed in the report; no monotone constraints (directions unknown).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import arff
import numpy as np
import pandas as pd

from industry_credit.ml.features import (
    BOOL_FEATURES,
    CATEGORICAL_FEATURES,
    CATEGORY_VOCABULARY,
    build_features,
)
from industry_credit.ml.frames import EnterpriseFrames
from industry_credit.ml.monotone import build_monotone
from industry_credit.ml.schema import FeatureSchema

MAX_CATEGORIES = 50


class TrainingDataError(ValueError):
    pass


@dataclass
class TrainingData:
    kind: str  # "synthetic" or "external"
    features: pd.DataFrame
    y: np.ndarray
    schema: FeatureSchema
    monotone: list[int]
    sha256: str
    groups: pd.Series | None = None
    true_pd: np.ndarray | None = None
    frames: EnterpriseFrames | None = None
    as_of: date | None = None
    notes: dict[str, Any] = field(default_factory=dict)


def data_sha256(path: Path) -> str:
    """SHA-256 over a file, or over the sorted names and bytes of a directory's files."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        with file.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _binary_target(values: pd.Series, column: str) -> np.ndarray:
    if values.dtype == object:
        values = values.map(lambda v: v.decode() if isinstance(v, bytes) else v)
    # bool/int keys: True == 1 and False == 0 as dict keys, so these also cover 1 and 0.
    mapped = values.map({True: 1, False: 0, "1": 1, "0": 0, "true": 1, "false": 0})
    if mapped.isna().any():
        bad = list(values[mapped.isna()].unique()[:5])
        raise TrainingDataError(f"target {column!r} must be binary 0/1; found {bad}")
    return mapped.to_numpy(dtype=np.int64)


def infer_as_of(frames: EnterpriseFrames, path: Path | None = None) -> date:
    """The population's as-of date: from the generator's manifest, else the first day of the
    month after the latest alternative-data month (or mid-year after the latest FY)."""
    manifest = path / "manifest.json" if path is not None else None
    if manifest is not None and manifest.is_file():
        config = json.loads(manifest.read_text()).get("config", {})
        if isinstance(config, dict) and config.get("as_of"):
            return date.fromisoformat(str(config["as_of"]))
    months = np.asarray(frames.alternative_data_monthly["month"]).astype("datetime64[M]")
    if len(months):
        following: date = (months.max() + np.timedelta64(1, "M")).astype("datetime64[D]").item()
        return following
    return date(int(np.max(frames.financial_statements["fiscal_year"])) + 1, 6, 30)


def synthetic_schema(features: pd.DataFrame) -> FeatureSchema:
    return FeatureSchema.infer(
        features,
        categorical=CATEGORICAL_FEATURES,
        boolean=BOOL_FEATURES,
        categories=CATEGORY_VOCABULARY,
    )


def load_synthetic(
    path: Path, target: str, as_of: date | None, holdout_by: str | None
) -> TrainingData:
    frames = EnterpriseFrames.from_parquet_dir(path)
    ent = frames.to_pandas("enterprises")
    if target not in ent.columns:
        raise TrainingDataError(f"target column {target!r} is not in enterprises.parquet")
    as_of = as_of or infer_as_of(frames, path)
    features = build_features(frames, as_of).to_pandas()
    y = _binary_target(ent.set_index("id")[target].reindex(features.index), target)
    groups = None
    if holdout_by is not None:
        source = features if holdout_by in features.columns else ent.set_index("id")
        if holdout_by not in source.columns:
            raise TrainingDataError(f"--holdout-by column {holdout_by!r} not found")
        groups = source[holdout_by].reindex(features.index).astype(str)
    true_pd = (
        ent.set_index("id")["true_pd"].reindex(features.index).to_numpy(np.float64)
        if "true_pd" in ent.columns
        else None
    )
    names = list(features.columns)
    return TrainingData(
        kind="synthetic",
        features=features,
        y=y,
        schema=synthetic_schema(features),
        monotone=build_monotone(names),
        sha256=data_sha256(path),
        groups=groups,
        true_pd=true_pd,
        frames=frames,
        as_of=as_of,
    )


def read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".csv", ".txt"):
        return pd.read_csv(path, na_values=["?"])
    if suffix == ".arff":
        with path.open() as fh:
            raw = arff.load(fh)
        names = [a[0] for a in raw["attributes"]]
        frame = pd.DataFrame(raw["data"], columns=names)
        for name, kind in raw["attributes"]:
            if kind in ("NUMERIC", "REAL", "INTEGER"):
                frame[name] = pd.to_numeric(frame[name], errors="coerce")
        return frame
    raise TrainingDataError(f"unsupported table format {suffix!r} (Parquet, CSV or ARFF)")


def load_external(path: Path, target: str, holdout_by: str | None) -> TrainingData:
    table = read_table(path)
    if target not in table.columns:
        raise TrainingDataError(f"target column {target!r} is not in {path.name}")
    y = _binary_target(table[target], target)
    groups = table[holdout_by].astype(str) if holdout_by else None
    feats: dict[str, pd.Series] = {}
    cats: list[str] = []
    bools: list[str] = []
    dropped: list[str] = []
    for name in table.columns:
        if name in (target, holdout_by):
            continue
        col = table[name]
        if col.dtype.kind == "b":
            feats[name], bools = col, [*bools, name]
        elif col.dtype.kind in "iuf":
            feats[name] = col.astype(np.float64)
        elif col.nunique(dropna=True) <= MAX_CATEGORIES:
            feats[name] = col.map(lambda v: None if pd.isna(v) else str(v)).astype(object)
            cats.append(name)
        else:
            dropped.append(name)
    if not feats:
        raise TrainingDataError("the table has no usable feature columns")
    features = pd.DataFrame(feats)
    schema = FeatureSchema.infer(features, categorical=cats, boolean=bools)
    return TrainingData(
        kind="external",
        features=features,
        y=y,
        schema=schema,
        monotone=[0] * len(schema.names),
        sha256=data_sha256(path),
        groups=groups,
        notes={"dropped_columns": dropped, "categorical_columns": cats},
    )


def load(path: Path, target: str, as_of: date | None, holdout_by: str | None) -> TrainingData:
    if path.is_dir():
        if not (path / "enterprises.parquet").is_file():
            raise TrainingDataError(f"{path} is a directory without enterprises.parquet")
        return load_synthetic(path, target, as_of, holdout_by)
    if not path.is_file():
        raise TrainingDataError(f"{path} does not exist")
    return load_external(path, target, holdout_by)
