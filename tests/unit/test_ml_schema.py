"""The input schema: errors name the column and the rows; unseen categories are explicit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from industry_credit.ml.grades import MASTER_SCALE, GradeScale
from industry_credit.ml.schema import FeatureSchema, FeatureSchemaError, FeatureSpec

SCHEMA = FeatureSchema(
    [
        FeatureSpec("x", "numeric"),
        FeatureSpec("flag", "bool"),
        FeatureSpec("sector", "category", ("ai_pc", "robot")),
    ]
)


def _frame(**cols: object) -> pd.DataFrame:
    base: dict[str, object] = {"x": [1.0, 2.0, 3.0], "flag": [True, False, True],
                               "sector": ["robot", "ai_pc", None]}  # fmt: skip
    base.update(cols)
    return pd.DataFrame(base, index=pd.Index([10, 11, 12], name="enterprise_id"))


def test_encodes_in_schema_order() -> None:
    enc = SCHEMA.encode(_frame()[["sector", "flag", "x"]])
    expected = np.array([[1, 1, 1], [2, 0, 0], [3, 1, np.nan]], dtype=float)
    np.testing.assert_array_equal(enc.matrix, expected)
    assert enc.unseen == {}


def test_missing_column_is_named() -> None:
    with pytest.raises(FeatureSchemaError, match="'flag'") as err:
        SCHEMA.encode(_frame().drop(columns="flag"))
    assert err.value.column == "flag"


def test_non_numeric_value_names_column_and_rows() -> None:
    with pytest.raises(FeatureSchemaError) as err:
        SCHEMA.encode(_frame(x=[1.0, "abc", "oops"]))
    assert err.value.column == "x"
    assert err.value.rows == [11, 12]
    assert "rows: 11, 12" in str(err.value)


def test_infinite_value_is_refused() -> None:
    with pytest.raises(FeatureSchemaError) as err:
        SCHEMA.encode(_frame(x=[1.0, np.inf, 0.0]))
    assert (err.value.column, err.value.rows) == ("x", [11])


def test_bad_boolean_and_bad_category_type() -> None:
    with pytest.raises(FeatureSchemaError) as err:
        SCHEMA.encode(_frame(flag=[1, 2, 0]))
    assert (err.value.column, err.value.rows) == ("flag", [11])
    with pytest.raises(FeatureSchemaError) as err:
        SCHEMA.encode(_frame(sector=["robot", 7, None]))
    assert (err.value.column, err.value.rows) == ("sector", [11])


@pytest.mark.parametrize("n", [3, 300])  # dict path and pandas-Index path
def test_unseen_category_maps_to_nan_and_is_reported(n: int) -> None:
    frame = pd.concat([_frame(sector=["robot", "quantum_toaster", None])] * (n // 3))
    frame.index = pd.RangeIndex(n)
    enc = SCHEMA.encode(frame)
    assert np.isnan(enc.matrix[1, 2])
    assert enc.matrix[0, 2] == 1.0
    assert enc.unseen["sector"][1] == "quantum_toaster"
    notes = enc.unseen_by_row(n)
    assert notes[1] == "sector=quantum_toaster"
    assert notes[0] == ""
    with pytest.raises(FeatureSchemaError, match="not seen in training"):
        SCHEMA.encode(frame, strict=True)


@pytest.mark.parametrize("n", [3, 300])
def test_categorical_dtype_encodes_like_strings(n: int) -> None:
    """``build_features`` hands over pandas Categoricals; they must encode exactly as strings."""
    values = ["robot", "quantum_toaster", None] * (n // 3)
    as_strings = _frame(sector=values[:3])
    as_strings = pd.concat([as_strings] * (n // 3), ignore_index=True)
    as_categorical = as_strings.assign(sector=pd.Categorical(as_strings["sector"]))
    plain, coded = SCHEMA.encode(as_strings), SCHEMA.encode(as_categorical)
    np.testing.assert_array_equal(coded.matrix, plain.matrix)
    assert coded.unseen == plain.unseen
    assert coded.unseen["sector"][1] == "quantum_toaster"
    with pytest.raises(FeatureSchemaError, match="not seen in training") as err:
        SCHEMA.encode(as_categorical, strict=True)
    assert err.value.rows[0] == 1


def test_categorical_dtype_with_non_string_categories_is_refused() -> None:
    frame = _frame(sector=pd.Categorical(["robot", 7, None], categories=["robot", 7]))
    with pytest.raises(FeatureSchemaError) as err:
        SCHEMA.encode(frame)
    assert (err.value.column, err.value.rows) == ("sector", [11])


def test_schema_json_round_trip() -> None:
    again = FeatureSchema.from_json(SCHEMA.to_json())
    assert again.specs == SCHEMA.specs


def test_master_scale() -> None:
    scale = GradeScale()
    assert len(MASTER_SCALE) >= 10
    grades = scale.grade(np.array([0.0, 0.0003, 0.004, 0.05, 0.2999, 0.5, 1.0]))
    assert list(grades) == ["AAA", "AA+", "BBB+", "B+", "CC", "C", "C"]
    bounds = [b for _, b in MASTER_SCALE]
    assert bounds == sorted(bounds)
