"""enterprise owners: the RM who owns each enterprise

Revision ID: 20261204_06
Revises: 20261201_05
Create Date: 2026-12-04 00:00:00+00:00

An RM could submit an application for another RM's enterprise and so overwrite its data and gain
access to it. Each enterprise now has one owning RM. Existing enterprises are owned by the RM
of their earliest application (enterprises only ever seeded or ingested have none until an RM
applies or an admin assigns one).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261204_06'
down_revision: str | None = '20261201_05'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'enterprise_owners',
        sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
        sa.Column('owner_id', sa.BigInteger(), nullable=False),
        sa.Column(
            'assigned_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column('assigned_by', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ['enterprise_id'],
            ['enterprises.id'],
            name=op.f('fk_enterprise_owners_enterprise_id_enterprises'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['owner_id'],
            ['users.id'],
            name=op.f('fk_enterprise_owners_owner_id_users'),
            ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['assigned_by'],
            ['users.id'],
            name=op.f('fk_enterprise_owners_assigned_by_users'),
            ondelete='RESTRICT',
        ),
        sa.PrimaryKeyConstraint('enterprise_id', name=op.f('pk_enterprise_owners')),
    )
    op.create_index(
        op.f('ix_enterprise_owners_owner_id'), 'enterprise_owners', ['owner_id'], unique=False
    )
    op.execute(
        """
        INSERT INTO enterprise_owners (enterprise_id, owner_id, assigned_at)
        SELECT DISTINCT ON (a.enterprise_id) a.enterprise_id, a.submitted_by, a.created_at
        FROM loan_applications a JOIN users u ON u.id = a.submitted_by AND u.role = 'rm'
        ORDER BY a.enterprise_id, a.created_at, a.id
        """
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_enterprise_owners_owner_id'), table_name='enterprise_owners')
    op.drop_table('enterprise_owners')
