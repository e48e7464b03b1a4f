"""unreported evidence is NULL, not a clean record; drawdown holds

Revision ID: 20261205_07
Revises: 20261204_06
Create Date: 2026-12-05 00:00:00+00:00

A supplier link's imported component share and a firm's green-compliance record and carbon
intensity used to default to 0 / false / 1.0 when the application did not state them, so a
missing figure read as clean evidence [000 §(四)2, §(四)4]. They are nullable now; NULL means
"not reported" and the decision asks for the evidence. Existing rows keep their values.

drawdown_holds: the circuit breaker acting on existing facilities [004 §3.3]. The nightly batch
records a hold on a firm's undrawn amounts when a circuit breaker fires (one active hold per
enterprise); a risk officer lifts it with a reason.

enterprises.sector admits 'module_board' (模组、板卡), a key link the plan names [000 §(三)2].
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261205_07'
down_revision: str | None = '20261204_06'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_SECTORS_BEFORE = (
    "'ai_pc', 'ai_phone', 'compute_terminal', 'robot', 'smart_glasses', 'satellite_terminal', "
    "'silver_economy', 'industrial_terminal', 'future_terminal', 'edge_ai_chip', 'edge_model'"
)


def _sector_check(extra: str) -> None:
    op.drop_constraint(op.f('ck_enterprises_sector'), 'enterprises', type_='check')
    op.create_check_constraint(
        op.f('ck_enterprises_sector'), 'enterprises', f"sector IN ({_SECTORS_BEFORE}{extra}, 'other')"
    )


def upgrade() -> None:
    _sector_check(", 'module_board'")
    op.alter_column('supply_links', 'imported_component_share', nullable=True)
    op.alter_column('green_data', 'compliance_violation', nullable=True, server_default=None)
    op.alter_column('green_data', 'carbon_intensity_vs_sector', nullable=True)
    op.create_table(
        'drawdown_holds',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
        sa.Column('run_id', sa.Uuid(), nullable=True),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('flags', sa.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column(
            'placed_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lifted_by', sa.BigInteger(), nullable=True),
        sa.Column('lift_reason', sa.Text(), nullable=True),
        sa.CheckConstraint(
            '(lifted_at IS NULL) = (lifted_by IS NULL)'
            ' AND (lifted_at IS NULL) = (lift_reason IS NULL)',
            name=op.f('ck_drawdown_holds_lift_complete'),
        ),
        sa.CheckConstraint(
            'lift_reason IS NULL OR length(trim(lift_reason)) > 0',
            name=op.f('ck_drawdown_holds_lift_reason'),
        ),
        sa.ForeignKeyConstraint(
            ['enterprise_id'],
            ['enterprises.id'],
            name=op.f('fk_drawdown_holds_enterprise_id_enterprises'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['run_id'],
            ['batch_runs.id'],
            name=op.f('fk_drawdown_holds_run_id_batch_runs'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['lifted_by'], ['users.id'], name=op.f('fk_drawdown_holds_lifted_by_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_drawdown_holds')),
    )
    op.create_index(
        op.f('ix_drawdown_holds_enterprise_id'), 'drawdown_holds', ['enterprise_id'], unique=False
    )
    op.create_index(
        'uq_drawdown_holds_active',
        'drawdown_holds',
        ['enterprise_id'],
        unique=True,
        postgresql_where=sa.text('lifted_at IS NULL'),
    )


def downgrade() -> None:
    op.execute("UPDATE enterprises SET sector = 'other' WHERE sector = 'module_board'")
    _sector_check("")
    op.drop_index('uq_drawdown_holds_active', table_name='drawdown_holds')
    op.drop_index(op.f('ix_drawdown_holds_enterprise_id'), table_name='drawdown_holds')
    op.drop_table('drawdown_holds')
    op.execute('UPDATE supply_links SET imported_component_share = 0 WHERE imported_component_share IS NULL')
    op.execute('UPDATE green_data SET compliance_violation = false WHERE compliance_violation IS NULL')
    op.execute('UPDATE green_data SET carbon_intensity_vs_sector = 1 WHERE carbon_intensity_vs_sector IS NULL')
    op.alter_column('green_data', 'carbon_intensity_vs_sector', nullable=False)
    op.alter_column(
        'green_data', 'compliance_violation', nullable=False, server_default=sa.text('false')
    )
    op.alter_column('supply_links', 'imported_component_share', nullable=False)
