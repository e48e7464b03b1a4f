"""rescore results: standalone score, previous grade, notch change, distress; checkpoint stats

Revision ID: 20261121_03
Revises: 20261121_02
Create Date: 2026-11-22 00:00:00+00:00

The nightly batch scores each firm twice when contagion applies: first on its own data
(the "standalone" score), then, for suppliers of a distressed core enterprise, again with the
updated counterparty risk. Keeping the standalone figures lets a resumed run recompute the
contagion sources exactly, whatever part of the second pass had already committed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261121_03'
down_revision: str | None = '20261121_02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('rescore_results', sa.Column('pd_standalone', sa.Double(), nullable=True))
    op.add_column('rescore_results', sa.Column('grade_standalone', sa.String(length=8), nullable=True))
    op.add_column('rescore_results', sa.Column('previous_grade', sa.String(length=8), nullable=True))
    op.add_column('rescore_results', sa.Column('notches', sa.SmallInteger(), nullable=True))
    op.add_column(
        'rescore_results',
        sa.Column('distress', sa.Double(), server_default='0', nullable=False),
    )
    # Per-chunk partial aggregates (stage timings, PSI bin counts, early warnings): additive, so
    # the run report of a resumed run sums exactly the chunks that committed.
    op.add_column(
        'batch_checkpoints',
        sa.Column(
            'stats',
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
    )
    op.create_check_constraint(
        op.f('ck_rescore_results_pd_standalone_range'),
        'rescore_results',
        'pd_standalone IS NULL OR (pd_standalone >= 0 AND pd_standalone <= 1)',
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f('ck_rescore_results_pd_standalone_range'), 'rescore_results', type_='check'
    )
    op.drop_column('batch_checkpoints', 'stats')
    op.drop_column('rescore_results', 'distress')
    op.drop_column('rescore_results', 'notches')
    op.drop_column('rescore_results', 'previous_grade')
    op.drop_column('rescore_results', 'grade_standalone')
    op.drop_column('rescore_results', 'pd_standalone')
