"""one open batch case per firm, its nightly signals, expected loss and signal state

Revision ID: 20261205_08
Revises: 20261205_07
Create Date: 2026-12-05 00:00:00+00:00

Every nightly run used to queue a new case for every flagged firm, so a firm flagged three
nights running had three open cases. Now a firm has at most one open ``batch_flag`` case,
enforced by a partial unique index; later runs append their signals to it
(``review_case_signals``) and set its expected loss, severity and signal state.

Existing duplicates are merged before the index is built: per firm the oldest open batch case
stays open, takes the newest run's flags, and gets one signal row per run that had queued the
firm; the younger duplicates are closed without an outcome (no officer decided them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261205_08'
down_revision: str | None = '20261205_07'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNAL_STATES = "('new', 'unchanged', 'worsened', 'cleared')"

MERGE_HISTORY = """
WITH open_batch AS (
    SELECT c.id, c.enterprise_id, c.batch_run_id, c.flags,
           min(c.id) OVER (PARTITION BY c.enterprise_id) AS keeper
    FROM review_cases c
    WHERE c.source = 'batch_flag' AND c.status <> 'closed' AND c.batch_run_id IS NOT NULL
)
INSERT INTO review_case_signals (case_id, run_id, as_of, flags, pd, grade, state, severity)
SELECT o.keeper, o.batch_run_id, b.as_of, o.flags, r.pd, r.grade,
       CASE WHEN o.id = o.keeper THEN 'new' ELSE 'unchanged' END, 0
FROM open_batch o
JOIN batch_runs b ON b.id = o.batch_run_id
LEFT JOIN rescore_results r ON r.run_id = o.batch_run_id AND r.enterprise_id = o.enterprise_id
-- The keeper's own signal first: of two cases from one run, the keeper's row stays.
ORDER BY o.keeper, o.id
ON CONFLICT (case_id, run_id) DO NOTHING
"""

KEEPER_TAKES_NEWEST = """
WITH newest AS (
    SELECT DISTINCT ON (c.enterprise_id) c.enterprise_id, c.batch_run_id, c.flags
    FROM review_cases c JOIN batch_runs b ON b.id = c.batch_run_id
    WHERE c.source = 'batch_flag' AND c.status <> 'closed'
    ORDER BY c.enterprise_id, b.as_of DESC, c.id DESC
)
UPDATE review_cases k SET batch_run_id = n.batch_run_id, flags = n.flags
FROM newest n
WHERE k.enterprise_id = n.enterprise_id AND k.source = 'batch_flag' AND k.status <> 'closed'
  AND k.id = (SELECT min(id) FROM review_cases x
              WHERE x.enterprise_id = k.enterprise_id AND x.source = 'batch_flag'
                AND x.status <> 'closed')
"""

CLOSE_DUPLICATES = """
UPDATE review_cases c SET status = 'closed', closed_at = now(), proposal = NULL
WHERE c.source = 'batch_flag' AND c.status <> 'closed'
  AND c.id > (SELECT min(id) FROM review_cases x
              WHERE x.enterprise_id = c.enterprise_id AND x.source = 'batch_flag'
                AND x.status <> 'closed')
"""


def upgrade() -> None:
    op.add_column('review_cases', sa.Column('expected_loss', sa.Double(), nullable=True))
    op.add_column('review_cases', sa.Column('severity', sa.SmallInteger(), nullable=True))
    op.add_column('review_cases', sa.Column('signal_state', sa.String(length=16), nullable=True))
    op.add_column(
        'review_cases', sa.Column('signal_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.create_check_constraint(
        op.f('ck_review_cases_signal_state'),
        'review_cases',
        f"signal_state IS NULL OR signal_state IN {SIGNAL_STATES}",
    )
    op.create_table(
        'review_case_signals',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('case_id', sa.BigInteger(), nullable=False),
        sa.Column('run_id', sa.Uuid(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column(
            'flags',
            postgresql.ARRAY(sa.String(length=64)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column('pd', sa.Double(), nullable=True),
        sa.Column('grade', sa.String(length=8), nullable=True),
        sa.Column('exposure', sa.Double(), nullable=True),
        sa.Column('lgd', sa.Double(), nullable=True),
        sa.Column('expected_loss', sa.Double(), nullable=True),
        sa.Column('severity', sa.SmallInteger(), server_default=sa.text('0'), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column(
            'changes',
            postgresql.ARRAY(sa.String(length=64)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            'recorded_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(f"state IN {SIGNAL_STATES}", name=op.f('ck_review_case_signals_state')),
        sa.ForeignKeyConstraint(
            ['case_id'],
            ['review_cases.id'],
            name=op.f('fk_review_case_signals_case_id_review_cases'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['run_id'],
            ['batch_runs.id'],
            name=op.f('fk_review_case_signals_run_id_batch_runs'),
            ondelete='RESTRICT',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_case_signals')),
        sa.UniqueConstraint('case_id', 'run_id', name=op.f('uq_review_case_signals_case_id_run_id')),
    )
    op.create_index(
        op.f('ix_review_case_signals_case_id'), 'review_case_signals', ['case_id'], unique=False
    )
    op.execute(MERGE_HISTORY)
    op.execute(KEEPER_TAKES_NEWEST)
    op.execute(CLOSE_DUPLICATES)
    op.create_index(
        'uq_review_cases_open_batch_firm',
        'review_cases',
        ['enterprise_id'],
        unique=True,
        postgresql_where=sa.text("source = 'batch_flag' AND status <> 'closed'"),
    )


def downgrade() -> None:
    op.drop_index(
        'uq_review_cases_open_batch_firm',
        table_name='review_cases',
        postgresql_where=sa.text("source = 'batch_flag' AND status <> 'closed'"),
    )
    op.drop_index(op.f('ix_review_case_signals_case_id'), table_name='review_case_signals')
    op.drop_table('review_case_signals')
    op.drop_constraint(op.f('ck_review_cases_signal_state'), 'review_cases', type_='check')
    op.drop_column('review_cases', 'signal_at')
    op.drop_column('review_cases', 'signal_state')
    op.drop_column('review_cases', 'severity')
    op.drop_column('review_cases', 'expected_loss')
