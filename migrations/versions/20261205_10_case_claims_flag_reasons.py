"""review case claims (an officer claims a case, or a lead assigns it); reasons of flagged firms

Revision ID: 20261205_10
Revises: 20261205_09
Create Date: 2026-12-05 00:00:00+00:00

So that two officers do not work the same case at once, a case has at most one holder
(``review_cases.assigned_to``): a risk officer claims a free case, an admin (the team
lead) assigns, reassigns or frees any case, and the holder may release it. While a case is
held, no other officer may decide it or question the RM; the first signature of a two-officer
proposal hands the case on (the claim is released), so that a second officer can take it.

The service enforces the same rules (``review/claims.py``); these triggers refuse rows that
arrive by any other path:

* ``review_cases`` BEFORE INSERT OR UPDATE: a new holder is an active risk officer and the case
  is not closed; a holder never holds a proposal they already signed; ``assigned_by`` is the
  holder claiming a free case, the previous holder releasing it, or an active admin.
* ``reviews`` BEFORE INSERT: a decision action or a question on a held case comes from the
  holder.

``rescore_results.reasons`` (JSONB, on the partitioned parent, so on every partition): the
TreeSHAP reason codes the nightly run computes for the firms it sends to the officers' queue,
and ``rescore_results.flag_evidence`` (JSONB): the rules that fired for those firms with the
values they read, so that the case page of a nightly flag says why, in words and against each
rule's threshold, as a decision's page does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261205_10'
down_revision: str | None = '20261205_09'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


CASE_CLAIM_GUARD = r"""
CREATE FUNCTION review_cases_claim_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    holder_role text;
    holder_active boolean;
    by_role text;
    by_active boolean;
    old_holder bigint;
BEGIN
    old_holder := CASE WHEN TG_OP = 'UPDATE' THEN OLD.assigned_to END;
    IF NEW.assigned_to IS NOT NULL THEN
        IF NEW.status = 'awaiting_second'
            AND coalesce(NEW.proposal -> 'agreed_by', '[]'::jsonb)
                @> jsonb_build_array(NEW.assigned_to) THEN
            RAISE EXCEPTION 'claim: user % already signed the proposal of case %; a second officer holds it',
                NEW.assigned_to, NEW.id USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF NEW.assigned_to IS NOT DISTINCT FROM old_holder THEN
        RETURN NEW;
    END IF;
    IF NEW.assigned_to IS NOT NULL THEN
        IF NEW.status = 'closed' THEN
            RAISE EXCEPTION 'claim: case % is closed', NEW.id USING ERRCODE = 'check_violation';
        END IF;
        SELECT u.role, u.active INTO holder_role, holder_active FROM users u
        WHERE u.id = NEW.assigned_to;
        IF holder_role IS DISTINCT FROM 'risk_officer' OR NOT holder_active THEN
            RAISE EXCEPTION 'claim: user % is not an active risk officer', NEW.assigned_to
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    SELECT u.role, u.active INTO by_role, by_active FROM users u WHERE u.id = NEW.assigned_by;
    IF by_role = 'admin' AND by_active THEN
        RETURN NEW;
    END IF;
    IF old_holder IS NULL AND NEW.assigned_by IS NOT DISTINCT FROM NEW.assigned_to THEN
        RETURN NEW;  -- an officer claims a free case
    END IF;
    IF NEW.assigned_to IS NULL AND NEW.assigned_by IS NOT DISTINCT FROM old_holder THEN
        RETURN NEW;  -- the holder releases it
    END IF;
    RAISE EXCEPTION 'claim: case % is held by user %; only an admin reassigns it', NEW.id,
        old_holder USING ERRCODE = 'check_violation';
END;
$$;
CREATE TRIGGER review_cases_claim BEFORE INSERT OR UPDATE ON review_cases
    FOR EACH ROW EXECUTE FUNCTION review_cases_claim_guard();
"""

REVIEW_CLAIM_GUARD = r"""
CREATE FUNCTION reviews_claim_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    holder bigint;
BEGIN
    IF NEW.action = 'answer_info' THEN
        RETURN NEW;
    END IF;
    SELECT c.assigned_to INTO holder FROM review_cases c WHERE c.id = NEW.case_id;
    IF holder IS NOT NULL AND holder <> NEW.actor_id THEN
        RAISE EXCEPTION 'claim: case % is held by user %; user % may not act on it',
            NEW.case_id, holder, NEW.actor_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER reviews_claim BEFORE INSERT ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_claim_guard();
"""


def upgrade() -> None:
    op.add_column('review_cases', sa.Column('assigned_to', sa.BigInteger(), nullable=True))
    op.add_column('review_cases', sa.Column('assigned_by', sa.BigInteger(), nullable=True))
    op.add_column(
        'review_cases', sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.create_foreign_key(
        op.f('fk_review_cases_assigned_to_users'),
        'review_cases',
        'users',
        ['assigned_to'],
        ['id'],
        ondelete='RESTRICT',
    )
    op.create_foreign_key(
        op.f('fk_review_cases_assigned_by_users'),
        'review_cases',
        'users',
        ['assigned_by'],
        ['id'],
        ondelete='RESTRICT',
    )
    op.create_index(op.f('ix_review_cases_assigned_to'), 'review_cases', ['assigned_to'])
    op.create_check_constraint(
        op.f('ck_review_cases_claim_recorded'),
        'review_cases',
        'assigned_to IS NULL OR (assigned_by IS NOT NULL AND assigned_at IS NOT NULL)',
    )
    op.execute(CASE_CLAIM_GUARD)
    op.execute(REVIEW_CLAIM_GUARD)
    op.add_column(
        'rescore_results',
        sa.Column('reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column(
        'rescore_results',
        sa.Column('flag_evidence', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column('rescore_results', 'flag_evidence')
    op.drop_column('rescore_results', 'reasons')
    op.execute("DROP TRIGGER IF EXISTS reviews_claim ON reviews")
    op.execute("DROP FUNCTION IF EXISTS reviews_claim_guard()")
    op.execute("DROP TRIGGER IF EXISTS review_cases_claim ON review_cases")
    op.execute("DROP FUNCTION IF EXISTS review_cases_claim_guard()")
    op.drop_constraint(op.f('ck_review_cases_claim_recorded'), 'review_cases', type_='check')
    op.drop_index(op.f('ix_review_cases_assigned_to'), table_name='review_cases')
    op.drop_constraint(
        op.f('fk_review_cases_assigned_by_users'), 'review_cases', type_='foreignkey'
    )
    op.drop_constraint(
        op.f('fk_review_cases_assigned_to_users'), 'review_cases', type_='foreignkey'
    )
    op.drop_column('review_cases', 'assigned_at')
    op.drop_column('review_cases', 'assigned_by')
    op.drop_column('review_cases', 'assigned_to')
