"""unreported evidence is NULL, not a clean record

Revision ID: 20261205_07
Revises: 20261204_06
Create Date: 2026-12-05 00:00:00+00:00

A supplier link's imported component share and a firm's green-compliance record and carbon
intensity used to default to 0 / false / 1.0 when the application did not state them, so a
missing figure read as clean evidence [000 §(四)2, §(四)4]. They are nullable now; NULL means
"not reported" and the decision asks for the evidence. Existing rows keep their values.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261205_07'
down_revision: str | None = '20261204_06'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column('supply_links', 'imported_component_share', nullable=True)
    op.alter_column('green_data', 'compliance_violation', nullable=True, server_default=None)
    op.alter_column('green_data', 'carbon_intensity_vs_sector', nullable=True)


def downgrade() -> None:
    op.execute('UPDATE supply_links SET imported_component_share = 0 WHERE imported_component_share IS NULL')
    op.execute('UPDATE green_data SET compliance_violation = false WHERE compliance_violation IS NULL')
    op.execute('UPDATE green_data SET carbon_intensity_vs_sector = 1 WHERE carbon_intensity_vs_sector IS NULL')
    op.alter_column('green_data', 'carbon_intensity_vs_sector', nullable=False)
    op.alter_column(
        'green_data', 'compliance_violation', nullable=False, server_default=sa.text('false')
    )
    op.alter_column('supply_links', 'imported_component_share', nullable=False)
