"""Arrow schemas of the Parquet files, derived from the declared tables (``industry_credit.tables``).

Money and fractions are float64 (two and six decimals); integer columns are int16, int32 or int64
as in the database; ``received_at`` is a UTC timestamp in microseconds.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from industry_credit.tables import ALL_TABLES, DB_TABLES, TABLES

SCHEMAS: Final[dict[str, pa.Schema]] = {name: TABLES[name].arrow_schema() for name in ALL_TABLES}
# Tables whose ``id`` is an identity column; its sequence is advanced after a bulk load.
IDENTITY_TABLES: Final[tuple[str, ...]] = ("enterprises", "financial_statements", "supply_links")

__all__ = ["ALL_TABLES", "DB_TABLES", "IDENTITY_TABLES", "SCHEMAS"]
