"""review guards: four-eyes triggers, append-only reviews, the application role's grants

Revision ID: 20261121_02
Revises: 20261121_01
Create Date: 2026-11-21 23:40:00+00:00

The service enforces the four-eyes rules (industry_credit.review.policy); these triggers refuse
the same rows when they arrive by any other path (a bug, a script, a person with psql):

* ``reviews`` BEFORE INSERT: the actor's role is read from ``users`` (not trusted from the row);
  only risk officers take decision actions; the RM who submitted the application never reviews
  it, and only that RM answers an information request; an officer who overrode a case may not
  approve it; a row claiming to close a case with an approval at or above the threshold needs
  a distinct officer's earlier approve/override in the same round.
* ``review_cases`` BEFORE UPDATE to 'closed' with an outcome: enough distinct officers must have
  acted in the current round (two at or above the threshold or after an override, else one).
  A round starts after the last ``request_info`` of the case.
* ``loan_applications`` may turn 'approved' or 'declined' only with a closed case of that outcome.
* ``reviews`` is append-only, like ``audit_log``.

The threshold is ``review_four_eyes_threshold()``: the transaction setting
``industry_credit.four_eyes_threshold_cny`` when the service sets it (from
``settings.four_eyes_threshold_cny``), else CNY 50M.

Grants: the NOLOGIN role ``industry_credit_app`` may only INSERT and SELECT ``audit_log`` and
``reviews`` and read ``alembic_version``; it has ordinary DML on the other tables. In production
the service connects as a LOGIN role that is a member of it and does not own the tables (owners
bypass grants), so the append-only rules hold even if the triggers were dropped by the owner.
The role is cluster-wide, so the downgrade revokes its privileges here but does not drop it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261121_02'
down_revision: str | None = '20261121_01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


THRESHOLD_FUNCTION = r"""
CREATE FUNCTION review_four_eyes_threshold() RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        NULLIF(current_setting('industry_credit.four_eyes_threshold_cny', true), '')::numeric,
        50000000)
$$;
"""

# Reviews since the last request_info of the case: an answered question restarts agreement.
ROUND_START_FUNCTION = r"""
CREATE FUNCTION review_round_start(p_case bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT COALESCE(max(id), 0) FROM reviews WHERE case_id = p_case AND action = 'request_info'
$$;
"""

CASE_AMOUNT_FUNCTION = r"""
CREATE FUNCTION review_case_amount(p_case bigint) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT COALESCE(la.amount, e.exposure)
    FROM review_cases c
    JOIN enterprises e ON e.id = c.enterprise_id
    LEFT JOIN loan_applications la ON la.id = c.application_id
    WHERE c.id = p_case
$$;
"""

REVIEW_INSERT_GUARD = r"""
CREATE FUNCTION reviews_four_eyes_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    submitter bigint;
    real_role text;
BEGIN
    SELECT la.submitted_by INTO submitter
    FROM review_cases c LEFT JOIN loan_applications la ON la.id = c.application_id
    WHERE c.id = NEW.case_id;
    SELECT u.role INTO real_role FROM users u WHERE u.id = NEW.actor_id;
    IF NEW.actor_role IS DISTINCT FROM real_role THEN
        RAISE EXCEPTION 'four_eyes: actor_role % is not the role of user %', NEW.actor_role,
            NEW.actor_id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.action = 'answer_info' THEN
        IF submitter IS NULL OR NEW.actor_id <> submitter THEN
            RAISE EXCEPTION 'four_eyes: only the submitting RM answers an information request'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF real_role <> 'risk_officer' THEN
        RAISE EXCEPTION 'four_eyes: only risk officers review (user % is %)', NEW.actor_id,
            real_role USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.actor_id = submitter THEN
        RAISE EXCEPTION 'four_eyes: user % submitted the application of case % and may not review it',
            NEW.actor_id, NEW.case_id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.action = 'approve' AND EXISTS (
        SELECT 1 FROM reviews r
        WHERE r.case_id = NEW.case_id AND r.actor_id = NEW.actor_id AND r.action = 'override'
    ) THEN
        RAISE EXCEPTION 'four_eyes: user % overrode case % and may not approve it', NEW.actor_id,
            NEW.case_id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.after ->> 'status' = 'closed' AND NEW.after ->> 'final_outcome' = 'approve'
        AND review_case_amount(NEW.case_id) >= review_four_eyes_threshold()
        AND NOT EXISTS (
            SELECT 1 FROM reviews r
            WHERE r.case_id = NEW.case_id AND r.id > review_round_start(NEW.case_id)
              AND r.action IN ('approve', 'override') AND r.actor_id <> NEW.actor_id
        ) THEN
        RAISE EXCEPTION 'four_eyes: case % is at or above the threshold and needs a second, distinct approving officer',
            NEW.case_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER reviews_four_eyes BEFORE INSERT ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_four_eyes_guard();
"""

CASE_CLOSE_GUARD = r"""
CREATE FUNCTION review_cases_close_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    agreeing text[];
    officers integer;
    overridden boolean;
    needed integer;
BEGIN
    agreeing := CASE NEW.final_outcome WHEN 'approve' THEN ARRAY['approve', 'override']
                                       ELSE ARRAY['decline', 'override'] END;
    SELECT count(DISTINCT r.actor_id), bool_or(r.action = 'override')
    INTO officers, overridden
    FROM reviews r
    WHERE r.case_id = NEW.id AND r.id > review_round_start(NEW.id) AND r.action = ANY(agreeing);
    needed := CASE WHEN coalesce(overridden, false)
                     OR review_case_amount(NEW.id) >= review_four_eyes_threshold()
                   THEN 2 ELSE 1 END;
    IF officers < needed THEN
        RAISE EXCEPTION 'four_eyes: closing case % as % needs % distinct officers, found %',
            NEW.id, NEW.final_outcome, needed, officers USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
-- Also when a closed case's outcome is changed afterwards, so that closing without an outcome
-- and adding one later does not go around the guard.
CREATE TRIGGER review_cases_close BEFORE UPDATE ON review_cases
    FOR EACH ROW
    WHEN (NEW.status = 'closed' AND NEW.final_outcome IS NOT NULL
          AND (OLD.status <> 'closed' OR OLD.final_outcome IS DISTINCT FROM NEW.final_outcome))
    EXECUTE FUNCTION review_cases_close_guard();
"""

# An application becomes approved or declined only through a case closed with that outcome.
APPLICATION_GUARD = r"""
CREATE FUNCTION loan_applications_final_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM review_cases c
        WHERE c.application_id = NEW.id AND c.status = 'closed'
          AND c.final_outcome = CASE NEW.status WHEN 'approved' THEN 'approve' ELSE 'decline' END
    ) THEN
        RAISE EXCEPTION 'four_eyes: application % can only become % through a closed review case',
            NEW.id, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER loan_applications_final BEFORE INSERT OR UPDATE OF status ON loan_applications
    FOR EACH ROW WHEN (NEW.status IN ('approved', 'declined'))
    EXECUTE FUNCTION loan_applications_final_guard();
"""

REVIEWS_APPEND_ONLY = r"""
CREATE FUNCTION reviews_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'reviews is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER reviews_no_update BEFORE UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_refuse_change();
CREATE TRIGGER reviews_no_truncate BEFORE TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION reviews_refuse_change();
"""

# CREATE ROLE races when several databases on one server migrate at once (the test suite).
APP_ROLE = r"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'industry_credit_app') THEN
        BEGIN
            CREATE ROLE industry_credit_app NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;
"""

GRANTS = r"""
DO $$
DECLARE
    s text := current_schema();
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO industry_credit_app', s);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO industry_credit_app', s);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO industry_credit_app', s);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO industry_credit_app', s);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO industry_credit_app', s);
END
$$;
REVOKE ALL ON audit_log, reviews, alembic_version FROM industry_credit_app;
GRANT INSERT, SELECT ON audit_log, reviews TO industry_credit_app;
GRANT SELECT ON alembic_version TO industry_credit_app;
"""

REVOKES = r"""
DO $$
DECLARE
    s text := current_schema();
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'industry_credit_app') THEN
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM industry_credit_app', s);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM industry_credit_app', s);
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM industry_credit_app', s);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM industry_credit_app', s);
        EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM industry_credit_app', s);
    END IF;
END
$$;
"""


def upgrade() -> None:
    op.add_column('review_cases', sa.Column('proposal', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.create_check_constraint(
        op.f('ck_review_cases_awaiting_has_proposal'),
        'review_cases',
        "(status = 'awaiting_second') = (proposal IS NOT NULL)",
    )
    op.execute(THRESHOLD_FUNCTION)
    op.execute(ROUND_START_FUNCTION)
    op.execute(CASE_AMOUNT_FUNCTION)
    op.execute(REVIEW_INSERT_GUARD)
    op.execute(CASE_CLOSE_GUARD)
    op.execute(APPLICATION_GUARD)
    op.execute(REVIEWS_APPEND_ONLY)
    op.execute(APP_ROLE)
    op.execute(GRANTS)


def downgrade() -> None:
    op.execute(REVOKES)
    op.execute("DROP TRIGGER IF EXISTS reviews_no_truncate ON reviews")
    op.execute("DROP TRIGGER IF EXISTS reviews_no_update ON reviews")
    op.execute("DROP FUNCTION IF EXISTS reviews_refuse_change()")
    op.execute("DROP TRIGGER IF EXISTS loan_applications_final ON loan_applications")
    op.execute("DROP FUNCTION IF EXISTS loan_applications_final_guard()")
    op.execute("DROP TRIGGER IF EXISTS review_cases_close ON review_cases")
    op.execute("DROP FUNCTION IF EXISTS review_cases_close_guard()")
    op.execute("DROP TRIGGER IF EXISTS reviews_four_eyes ON reviews")
    op.execute("DROP FUNCTION IF EXISTS reviews_four_eyes_guard()")
    op.execute("DROP FUNCTION IF EXISTS review_case_amount(bigint)")
    op.execute("DROP FUNCTION IF EXISTS review_round_start(bigint)")
    op.execute("DROP FUNCTION IF EXISTS review_four_eyes_threshold()")
    op.drop_constraint(op.f('ck_review_cases_awaiting_has_proposal'), 'review_cases', type_='check')
    op.drop_column('review_cases', 'proposal')
