"""model governance: reports, four-eyes promotions, credit events, shadow scores, challenger

Revision ID: 20261205_09
Revises: 20261205_08
Create Date: 2026-12-05 00:00:00+00:00

* ``model_versions.is_challenger``: at most one challenger, never the champion itself.
* ``model_reports``: backtest and compare reports as produced, append-only, cited by id.
* ``model_promotions``: one admin proposes a model citing a report, a different admin approves.
  The service enforces it (decisions/governance.py); the triggers below refuse the same rows
  from any other path, as migration 20261121_02 does for large loans:
  - ``model_promotions`` BEFORE INSERT OR UPDATE: proposer and approver are admins (roles read
    from ``users``), and the CHECK constraint keeps them distinct;
  - ``model_versions`` BEFORE INSERT OR UPDATE making a row active: allowed without a promotion
    only for the bootstrap (no other model was ever active); otherwise a promotion of that
    version must have been approved in the same transaction (``decided_at = now()``, the
    transaction's start time), so an approval cannot be reused for a later re-activation.
* ``credit_events``: the outcomes feed, append-only with ``received_at``.
* ``shadow_scores``: the challenger's PD, grade and outcome beside the champion's, per decision
  (``decision_id``) or per nightly rating (``run_id``).

The app role may only INSERT and SELECT ``credit_events`` and ``model_reports``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261205_09'
down_revision: str | None = '20261205_08'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


PROMOTION_ROLES_GUARD = r"""
CREATE FUNCTION model_promotions_roles_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.id = NEW.proposed_by AND u.role = 'admin'
                   AND u.active) THEN
        RAISE EXCEPTION 'four_eyes: user % proposing a model is not an active admin',
            NEW.proposed_by USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.approved_by IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM users u WHERE u.id = NEW.approved_by AND u.role = 'admin' AND u.active
    ) THEN
        RAISE EXCEPTION 'four_eyes: user % approving a model is not an active admin',
            NEW.approved_by USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.status <> 'proposed' OR NEW.proposed_by <> OLD.proposed_by
                             OR NEW.model_version <> OLD.model_version
                             OR NEW.report_id <> OLD.report_id) THEN
        RAISE EXCEPTION 'four_eyes: promotion % is decided or its proposal would change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER model_promotions_roles BEFORE INSERT OR UPDATE ON model_promotions
    FOR EACH ROW EXECUTE FUNCTION model_promotions_roles_guard();
"""

ACTIVATION_GUARD = r"""
CREATE FUNCTION model_versions_four_eyes_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM model_versions m
        WHERE m.version <> NEW.version AND (m.is_active OR m.activated_at IS NOT NULL)
    ) THEN
        RETURN NEW;  -- bootstrap: the first model of an installation
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM model_promotions p
        WHERE p.model_version = NEW.version AND p.status = 'approved'
          AND p.approved_by <> p.proposed_by AND p.decided_at = now()
    ) THEN
        RAISE EXCEPTION 'four_eyes: activating model % needs a promotion proposed by one admin and approved by another in this transaction',
            NEW.version USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER model_versions_four_eyes_insert BEFORE INSERT ON model_versions
    FOR EACH ROW WHEN (NEW.is_active) EXECUTE FUNCTION model_versions_four_eyes_guard();
CREATE TRIGGER model_versions_four_eyes_update BEFORE UPDATE OF is_active ON model_versions
    FOR EACH ROW WHEN (NEW.is_active AND NOT OLD.is_active)
    EXECUTE FUNCTION model_versions_four_eyes_guard();
"""

APPEND_ONLY = r"""
CREATE FUNCTION governance_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;
CREATE TRIGGER credit_events_no_update BEFORE UPDATE OR DELETE ON credit_events
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
CREATE TRIGGER credit_events_no_truncate BEFORE TRUNCATE ON credit_events
    FOR EACH STATEMENT EXECUTE FUNCTION governance_refuse_change();
CREATE TRIGGER model_reports_no_update BEFORE UPDATE OR DELETE ON model_reports
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
CREATE TRIGGER model_reports_no_truncate BEFORE TRUNCATE ON model_reports
    FOR EACH STATEMENT EXECUTE FUNCTION governance_refuse_change();
"""

GRANTS = r"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'industry_credit_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON model_promotions, shadow_scores
            TO industry_credit_app;
        REVOKE ALL ON credit_events, model_reports FROM industry_credit_app;
        GRANT SELECT, INSERT ON credit_events, model_reports TO industry_credit_app;
    END IF;
END
$$;
"""

def upgrade() -> None:
    op.create_table('credit_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('event_type', sa.String(length=16), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("event_type IN ('default', 'dpd90')", name=op.f('ck_credit_events_event_type')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_credit_events_enterprise_id_enterprises'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_events')),
    sa.UniqueConstraint('enterprise_id', 'event_type', 'event_date', name=op.f('uq_credit_events_enterprise_id_event_type_event_date'))
    )
    op.create_index(op.f('ix_credit_events_enterprise_id'), 'credit_events', ['enterprise_id'], unique=False)
    op.create_table('model_reports',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('challenger_version', sa.String(length=64), nullable=True),
    sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('body', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("(kind = 'compare') = (challenger_version IS NOT NULL)", name=op.f('ck_model_reports_compare_has_challenger')),
    sa.CheckConstraint("kind IN ('backtest', 'compare')", name=op.f('ck_model_reports_kind')),
    sa.ForeignKeyConstraint(['challenger_version'], ['model_versions.version'], name=op.f('fk_model_reports_challenger_version_model_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_model_reports_created_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['model_version'], ['model_versions.version'], name=op.f('fk_model_reports_model_version_model_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_reports'))
    )
    op.create_index(op.f('ix_model_reports_model_version'), 'model_reports', ['model_version'], unique=False)
    op.create_table('model_promotions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('report_id', sa.BigInteger(), nullable=False),
    sa.Column('proposed_by', sa.BigInteger(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('status', sa.String(length=16), server_default=sa.text("'proposed'"), nullable=False),
    sa.Column('approved_by', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'approved') = (approved_by IS NOT NULL)", name=op.f('ck_model_promotions_approved_by')),
    sa.CheckConstraint("(status = 'proposed') = (decided_at IS NULL)", name=op.f('ck_model_promotions_decided_at')),
    sa.CheckConstraint("status IN ('proposed', 'approved', 'withdrawn')", name=op.f('ck_model_promotions_status')),
    sa.CheckConstraint('approved_by IS NULL OR approved_by <> proposed_by', name=op.f('ck_model_promotions_approver_not_proposer')),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_model_promotions_approved_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['model_version'], ['model_versions.version'], name=op.f('fk_model_promotions_model_version_model_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['proposed_by'], ['users.id'], name=op.f('fk_model_promotions_proposed_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['report_id'], ['model_reports.id'], name=op.f('fk_model_promotions_report_id_model_reports'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_promotions'))
    )
    op.create_index(op.f('ix_model_promotions_model_version'), 'model_promotions', ['model_version'], unique=False)
    op.create_index('uq_model_promotions_one_pending', 'model_promotions', ['model_version'], unique=True, postgresql_where=sa.text("status = 'proposed'"))
    op.create_table('shadow_scores',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('decision_id', sa.Uuid(), nullable=True),
    sa.Column('run_id', sa.Uuid(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('champion_version', sa.String(length=64), nullable=False),
    sa.Column('challenger_version', sa.String(length=64), nullable=False),
    sa.Column('ruleset_version', sa.String(length=64), nullable=False),
    sa.Column('champion_pd', sa.Double(), nullable=False),
    sa.Column('champion_grade', sa.String(length=8), nullable=False),
    sa.Column('champion_outcome', sa.String(length=8), nullable=False),
    sa.Column('challenger_pd', sa.Double(), nullable=False),
    sa.Column('challenger_grade', sa.String(length=8), nullable=False),
    sa.Column('challenger_outcome', sa.String(length=8), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("challenger_outcome IN ('approve', 'refer', 'decline')", name=op.f('ck_shadow_scores_challenger_outcome')),
    sa.CheckConstraint("champion_outcome IN ('approve', 'refer', 'decline')", name=op.f('ck_shadow_scores_champion_outcome')),
    sa.CheckConstraint('(decision_id IS NULL) <> (run_id IS NULL)', name=op.f('ck_shadow_scores_one_source')),
    sa.CheckConstraint('challenger_pd >= 0 AND challenger_pd <= 1', name=op.f('ck_shadow_scores_challenger_pd_range')),
    sa.ForeignKeyConstraint(['challenger_version'], ['model_versions.version'], name=op.f('fk_shadow_scores_challenger_version_model_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['champion_version'], ['model_versions.version'], name=op.f('fk_shadow_scores_champion_version_model_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_shadow_scores_decision_id_decisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_shadow_scores_enterprise_id_enterprises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ruleset_version'], ['ruleset_versions.version'], name=op.f('fk_shadow_scores_ruleset_version_ruleset_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['run_id'], ['batch_runs.id'], name=op.f('fk_shadow_scores_run_id_batch_runs'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shadow_scores')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_shadow_scores_decision_id')),
    sa.UniqueConstraint('run_id', 'enterprise_id', name=op.f('uq_shadow_scores_run_id_enterprise_id'))
    )
    op.create_index('ix_shadow_scores_challenger_as_of', 'shadow_scores', ['challenger_version', 'as_of'], unique=False)
    op.add_column('model_versions', sa.Column('is_challenger', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.create_index('uq_model_versions_one_challenger', 'model_versions', ['is_challenger'], unique=True, postgresql_where=sa.text('is_challenger'))
    op.create_check_constraint(
        op.f('ck_model_versions_champion_not_challenger'),
        'model_versions',
        'NOT (is_active AND is_challenger)',
    )
    op.execute(PROMOTION_ROLES_GUARD)
    op.execute(ACTIVATION_GUARD)
    op.execute(APPEND_ONLY)
    op.execute(GRANTS)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS model_versions_four_eyes_update ON model_versions")
    op.execute("DROP TRIGGER IF EXISTS model_versions_four_eyes_insert ON model_versions")
    op.execute("DROP FUNCTION IF EXISTS model_versions_four_eyes_guard()")
    op.drop_constraint(
        op.f('ck_model_versions_champion_not_challenger'), 'model_versions', type_='check'
    )
    op.drop_index('uq_model_versions_one_challenger', table_name='model_versions', postgresql_where=sa.text('is_challenger'))
    op.drop_column('model_versions', 'is_challenger')
    op.drop_index('ix_shadow_scores_challenger_as_of', table_name='shadow_scores')
    op.drop_table('shadow_scores')
    op.drop_index('uq_model_promotions_one_pending', table_name='model_promotions', postgresql_where=sa.text("status = 'proposed'"))
    op.drop_index(op.f('ix_model_promotions_model_version'), table_name='model_promotions')
    op.drop_table('model_promotions')
    op.drop_index(op.f('ix_model_reports_model_version'), table_name='model_reports')
    op.drop_table('model_reports')
    op.drop_index(op.f('ix_credit_events_enterprise_id'), table_name='credit_events')
    op.drop_table('credit_events')
    op.execute("DROP FUNCTION IF EXISTS governance_refuse_change()")
    op.execute("DROP FUNCTION IF EXISTS model_promotions_roles_guard()")
