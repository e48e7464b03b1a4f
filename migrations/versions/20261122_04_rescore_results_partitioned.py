"""rescore results partitioned by as_of: a run loads its date's partition, then attaches it

Revision ID: 20261122_04
Revises: 20261121_03
Create Date: 2026-11-22 00:00:00+00:00

The nightly batch writes up to a million rows per date. Loading them into a table with foreign
keys fires two referential checks per row; loading a detached partition and attaching it
validates each key with one join (see industry_credit/batch/partitions.py). Existing rows move
into one partition per date; rows for a date without a partition go to the default partition.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261122_04'
down_revision: str | None = '20261121_03'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    'as_of, enterprise_id, run_id, pd, grade, outcome, stage, flags, contagion_score,'
    ' pd_standalone, grade_standalone, previous_grade, notches, distress'
)


def _create(name: str, partitioned: bool) -> None:
    kwargs = {'postgresql_partition_by': 'LIST (as_of)'} if partitioned else {}
    op.create_table(
        name,
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
        sa.Column('run_id', sa.Uuid(), nullable=False),
        sa.Column('pd', sa.Double(), nullable=False),
        sa.Column('grade', sa.String(length=8), nullable=False),
        sa.Column('outcome', sa.String(length=8), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=True),
        sa.Column(
            'flags', sa.ARRAY(sa.String(length=64)), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column('contagion_score', sa.Double(), server_default='0', nullable=False),
        sa.Column('pd_standalone', sa.Double(), nullable=True),
        sa.Column('grade_standalone', sa.String(length=8), nullable=True),
        sa.Column('previous_grade', sa.String(length=8), nullable=True),
        sa.Column('notches', sa.SmallInteger(), nullable=True),
        sa.Column('distress', sa.Double(), server_default='0', nullable=False),
        sa.CheckConstraint(
            "outcome IN ('approve', 'refer', 'decline')", name=op.f('ck_rescore_results_outcome')
        ),
        sa.CheckConstraint('pd >= 0 AND pd <= 1', name=op.f('ck_rescore_results_pd_range')),
        sa.CheckConstraint(
            'pd_standalone IS NULL OR (pd_standalone >= 0 AND pd_standalone <= 1)',
            name=op.f('ck_rescore_results_pd_standalone_range'),
        ),
        sa.ForeignKeyConstraint(
            ['enterprise_id'],
            ['enterprises.id'],
            name=op.f('fk_rescore_results_enterprise_id_enterprises'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['run_id'],
            ['batch_runs.id'],
            name=op.f('fk_rescore_results_run_id_batch_runs'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('as_of', 'enterprise_id', name=op.f('pk_rescore_results')),
        **kwargs,
    )
    op.create_index(op.f('ix_rescore_results_run_id'), name, ['run_id'], unique=False)


def _set_aside(old: str) -> None:
    """Rename the current table and its indexes (index names are schema-wide)."""
    op.rename_table('rescore_results', old)
    op.execute(f'ALTER INDEX IF EXISTS pk_rescore_results RENAME TO pk_{old}')
    op.execute(f'ALTER INDEX IF EXISTS ix_rescore_results_run_id RENAME TO ix_{old}_run_id')


def upgrade() -> None:
    _set_aside('rescore_results_unpartitioned')
    _create('rescore_results', partitioned=True)
    op.execute('CREATE TABLE rescore_results_default PARTITION OF rescore_results DEFAULT')
    dates = op.get_bind().execute(
        sa.text('SELECT DISTINCT as_of FROM rescore_results_unpartitioned ORDER BY 1')
    )
    for (as_of,) in dates.fetchall():
        op.execute(
            f"CREATE TABLE rescore_results_{as_of:%Y%m%d} PARTITION OF rescore_results"
            f" FOR VALUES IN (DATE '{as_of.isoformat()}')"
        )
    op.execute(
        f'INSERT INTO rescore_results ({_COLUMNS})'
        f' SELECT {_COLUMNS} FROM rescore_results_unpartitioned'
    )
    op.drop_table('rescore_results_unpartitioned')


def downgrade() -> None:
    _set_aside('rescore_results_partitioned')
    _create('rescore_results', partitioned=False)
    op.execute(
        f'INSERT INTO rescore_results ({_COLUMNS})'
        f' SELECT {_COLUMNS} FROM rescore_results_partitioned'
    )
    # Dropping the partitioned table drops its partitions.
    op.drop_table('rescore_results_partitioned')
