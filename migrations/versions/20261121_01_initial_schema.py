"""initial schema

Revision ID: 20261121_01
Revises:
Create Date: 2026-11-21 23:19:12.936410+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261121_01'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# GB 32100-2015 check digit, the same rule as industry_credit.uscc, so that no client can store an
# invalid code by going around the API.
USCC_FUNCTION = r"""
CREATE FUNCTION uscc_is_valid(code text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    alphabet CONSTANT text := '0123456789ABCDEFGHJKLMNPQRTUWXY';
    total integer := 0;
BEGIN
    IF code !~ '^[0-9A-HJ-NP-RTUWXY]{18}$' THEN
        RETURN false;
    END IF;
    FOR i IN 1..17 LOOP
        total := total + (strpos(alphabet, substr(code, i, 1)) - 1)
                         * (power(3, i - 1)::bigint % 31)::integer;
    END LOOP;
    RETURN substr(alphabet, ((31 - total % 31) % 31) + 1, 1) = substr(code, 18, 1);
END
$$;
"""

# The audit log is append-only: any UPDATE, DELETE or TRUNCATE is refused, whoever asks.
AUDIT_GUARD = r"""
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
"""


def upgrade() -> None:
    op.execute(USCC_FUNCTION)
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint("prev_hash ~ '^[0-9a-f]{64}$'", name=op.f('ck_audit_log_prev_hash_hex')),
    sa.CheckConstraint("row_hash ~ '^[0-9a-f]{64}$'", name=op.f('ck_audit_log_row_hash_hex')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sa.UniqueConstraint('row_hash', name=op.f('uq_audit_log_row_hash'))
    )
    op.create_index(op.f('ix_audit_log_action'), 'audit_log', ['action'], unique=False)
    op.create_index(op.f('ix_audit_log_entity_id'), 'audit_log', ['entity_id'], unique=False)
    op.create_table('enterprises',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=32), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=False),
    sa.Column('employees', sa.Integer(), nullable=False),
    sa.Column('declared_stage', sa.String(length=16), nullable=True),
    sa.Column('tech_route', sa.String(length=16), nullable=False),
    sa.Column('core_product_tech_life_months', sa.SmallInteger(), nullable=False),
    sa.Column('specialized_sme', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('little_giant', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_core_enterprise', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('in_portfolio', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('exposure', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('true_pd', sa.Double(), nullable=True),
    sa.Column('defaulted_12m', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("declared_stage IS NULL OR declared_stage IN ('startup', 'growth', 'mature', 'transition')", name=op.f('ck_enterprises_stage')),
    sa.CheckConstraint("district IN ('pudong', 'songjiang', 'qingpu', 'lingang', 'other_shanghai', 'outside_shanghai')", name=op.f('ck_enterprises_district')),
    sa.CheckConstraint("sector IN ('ai_pc', 'ai_phone', 'compute_terminal', 'robot', 'smart_glasses', 'satellite_terminal', 'silver_economy', 'industrial_terminal', 'future_terminal', 'edge_ai_chip', 'edge_model', 'other')", name=op.f('ck_enterprises_sector')),
    sa.CheckConstraint("tech_route IN ('x86', 'arm', 'risc_v', 'other', 'none')", name=op.f('ck_enterprises_tech_route')),
    sa.CheckConstraint('core_product_tech_life_months > 0', name=op.f('ck_enterprises_tech_life_positive')),
    sa.CheckConstraint('employees >= 0', name=op.f('ck_enterprises_employees_nonneg')),
    sa.CheckConstraint('true_pd IS NULL OR (true_pd >= 0 AND true_pd <= 1)', name=op.f('ck_enterprises_true_pd_range')),
    sa.CheckConstraint('uscc_is_valid(uscc)', name=op.f('ck_enterprises_uscc_check_digit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprises')),
    sa.UniqueConstraint('uscc', name=op.f('uq_enterprises_uscc'))
    )
    op.create_index(op.f('ix_enterprises_district'), 'enterprises', ['district'], unique=False)
    op.create_index(op.f('ix_enterprises_sector'), 'enterprises', ['sector'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('rm', 'risk_officer', 'admin')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('alternative_data_monthly',
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('tax_invoice_amount', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('electricity_kwh', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('social_insurance_headcount', sa.Integer(), nullable=False),
    sa.Column('customs_export_amount', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('equipment_downtime_rate', sa.Numeric(precision=7, scale=6), nullable=False),
    sa.Column('order_cancellation_rate', sa.Numeric(precision=7, scale=6), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('EXTRACT(DAY FROM month) = 1', name=op.f('ck_alternative_data_monthly_month_first_day')),
    sa.CheckConstraint('equipment_downtime_rate >= 0 AND equipment_downtime_rate <= 1', name=op.f('ck_alternative_data_monthly_downtime_fraction')),
    sa.CheckConstraint('order_cancellation_rate >= 0 AND order_cancellation_rate <= 1', name=op.f('ck_alternative_data_monthly_cancellation_fraction')),
    sa.CheckConstraint('tax_invoice_amount >= 0 AND electricity_kwh >= 0 AND social_insurance_headcount >= 0 AND customs_export_amount >= 0', name=op.f('ck_alternative_data_monthly_amounts_nonneg')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_alternative_data_monthly_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enterprise_id', 'month', name=op.f('pk_alternative_data_monthly'))
    )
    op.create_table('financial_statements',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('fiscal_year', sa.SmallInteger(), nullable=False),
    sa.Column('revenue', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('operating_cost', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('net_profit', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('total_assets', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('total_liabilities', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('current_assets', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('current_liabilities', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('operating_cash_flow', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('rd_expense', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('inventory', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('receivables', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('subsidy_compute_voucher', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('subsidy_model_voucher', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('subsidy_corpus_voucher', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('subsidy_special_fund', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('subsidy_other', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('current_assets <= total_assets', name=op.f('ck_financial_statements_current_assets_within_total')),
    sa.CheckConstraint('fiscal_year BETWEEN 1990 AND 2100', name=op.f('ck_financial_statements_fiscal_year_range')),
    sa.CheckConstraint('revenue >= 0 AND operating_cost >= 0 AND total_assets >= 0 AND total_liabilities >= 0 AND current_assets >= 0 AND current_liabilities >= 0 AND rd_expense >= 0 AND inventory >= 0 AND receivables >= 0', name=op.f('ck_financial_statements_amounts_nonneg')),
    sa.CheckConstraint('subsidy_compute_voucher >= 0 AND subsidy_model_voucher >= 0 AND subsidy_corpus_voucher >= 0 AND subsidy_special_fund >= 0 AND subsidy_other >= 0', name=op.f('ck_financial_statements_subsidies_nonneg')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_financial_statements_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financial_statements')),
    sa.UniqueConstraint('enterprise_id', 'fiscal_year', name=op.f('uq_financial_statements_enterprise_id_fiscal_year'))
    )
    op.create_index(op.f('ix_financial_statements_enterprise_id'), 'financial_statements', ['enterprise_id'], unique=False)
    op.create_table('green_data',
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('compliance_violation', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('carbon_intensity_vs_sector', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('carbon_intensity_vs_sector >= 0 AND carbon_intensity_vs_sector <= 10', name=op.f('ck_green_data_carbon_ratio_range')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_green_data_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enterprise_id', name=op.f('pk_green_data'))
    )
    op.create_table('intellectual_property',
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('patents', sa.Integer(), server_default='0', nullable=False),
    sa.Column('software_copyrights', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ip_valuation', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('patents >= 0 AND software_copyrights >= 0 AND ip_valuation >= 0', name=op.f('ck_intellectual_property_nonneg')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_intellectual_property_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enterprise_id', name=op.f('pk_intellectual_property'))
    )
    op.create_table('loan_applications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('submitted_by', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('tenor_months', sa.SmallInteger(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('collateral', sa.ARRAY(sa.String(length=32)), server_default=sa.text("'{}'::varchar[]"), nullable=False),
    sa.Column('requested_product', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("collateral <@ ARRAY['ip_pledge', 'software_copyright_pledge', 'receivables_pledge', 'equipment_mortgage', 'real_estate_mortgage', 'equity_pledge', 'guarantee_fund', 'third_party_guarantee', 'none']::varchar[]", name=op.f('ck_loan_applications_collateral')),
    sa.CheckConstraint("document_sha256 ~ '^[0-9a-f]{64}$'", name=op.f('ck_loan_applications_document_sha256_hex')),
    sa.CheckConstraint("purpose IN ('working_capital', 'capex', 'rd', 'project', 'm_and_a', 'refinance')", name=op.f('ck_loan_applications_purpose')),
    sa.CheckConstraint("requested_product IS NULL OR requested_product IN ('investment_loan_linkage', 'warrant_loan', 'option_loan', 'guidance_fund_follow_loan', 'supply_chain_finance', 'ip_pledge_loan', 'tech_commercialization_loan', 'software_copyright_pledge_loan', 'future_receivables_pledge_loan', 'revolving_credit', 'capacity_upgrade_loan', 'plant_setup_loan', 'project_finance', 'equipment_leasing', 'social_benefit_loan', 'working_capital_loan', 'syndicated_loan', 'bond_issuance', 'm_and_a_finance', 'abs', 'trade_in_installment', 'green_transformation_loan', 'restructuring')", name=op.f('ck_loan_applications_requested_product')),
    sa.CheckConstraint("status IN ('decided', 'in_review', 'info_requested', 'approved', 'declined')", name=op.f('ck_loan_applications_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_loan_applications_amount_positive')),
    sa.CheckConstraint('tenor_months BETWEEN 1 AND 360', name=op.f('ck_loan_applications_tenor_range')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_loan_applications_enterprise_id_enterprises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_loan_applications_submitted_by_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_applications'))
    )
    op.create_index(op.f('ix_loan_applications_enterprise_id'), 'loan_applications', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_loan_applications_status'), 'loan_applications', ['status'], unique=False)
    op.create_index(op.f('ix_loan_applications_submitted_by'), 'loan_applications', ['submitted_by'], unique=False)
    op.create_table('market_plans',
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('break_even_units', sa.BigInteger(), nullable=False),
    sa.Column('annual_capacity_units', sa.BigInteger(), nullable=False),
    sa.Column('planned_sales_units', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('break_even_units >= 0 AND annual_capacity_units >= 0 AND planned_sales_units >= 0', name=op.f('ck_market_plans_units_nonneg')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_market_plans_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enterprise_id', name=op.f('pk_market_plans'))
    )
    op.create_table('model_versions',
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('manifest', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('artifact', sa.LargeBinary(), nullable=False),
    sa.Column('artifact_sha256', sa.String(length=64), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("artifact_sha256 ~ '^[0-9a-f]{64}$'", name=op.f('ck_model_versions_artifact_sha256_hex')),
    sa.ForeignKeyConstraint(['activated_by'], ['users.id'], name=op.f('fk_model_versions_activated_by_users')),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_model_versions'))
    )
    op.create_index('uq_model_versions_one_active', 'model_versions', ['is_active'], unique=True, postgresql_where=sa.text('is_active'))
    op.create_table('policy_support',
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('guidance_fund_equity', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('vc_backed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('special_fund_grant', sa.Numeric(precision=18, scale=2), server_default='0', nullable=False),
    sa.Column('trade_in_subsidy_eligible', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('special_fund_grant >= 0', name=op.f('ck_policy_support_grant_nonneg')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_policy_support_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enterprise_id', name=op.f('pk_policy_support'))
    )
    op.create_table('ruleset_versions',
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('content', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('loaded_by', sa.BigInteger(), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activated_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("version ~ '^[0-9a-f]{64}$'", name=op.f('ck_ruleset_versions_version_is_sha256')),
    sa.CheckConstraint('(activated_at IS NULL) = (activated_by IS NULL)', name=op.f('ck_ruleset_versions_activation_has_actor')),
    sa.ForeignKeyConstraint(['activated_by'], ['users.id'], name=op.f('fk_ruleset_versions_activated_by_users')),
    sa.ForeignKeyConstraint(['loaded_by'], ['users.id'], name=op.f('fk_ruleset_versions_loaded_by_users')),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_ruleset_versions'))
    )
    op.create_index('uq_ruleset_versions_one_active', 'ruleset_versions', ['is_active'], unique=True, postgresql_where=sa.text('is_active'))
    op.create_table('supply_links',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('counterparty_uscc', sa.String(length=18), nullable=False),
    sa.Column('counterparty_name', sa.String(length=200), nullable=False),
    sa.Column('counterparty_id', sa.BigInteger(), nullable=True),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('is_core_enterprise', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('share', sa.Numeric(precision=7, scale=6), nullable=False),
    sa.Column('on_time_delivery_rate', sa.Numeric(precision=7, scale=6), nullable=False),
    sa.Column('avg_payment_days', sa.SmallInteger(), nullable=False),
    sa.Column('imported_component_share', sa.Numeric(precision=7, scale=6), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('buyer', 'supplier')", name=op.f('ck_supply_links_role')),
    sa.CheckConstraint('avg_payment_days >= 0 AND avg_payment_days <= 720', name=op.f('ck_supply_links_payment_days')),
    sa.CheckConstraint('counterparty_id IS NULL OR counterparty_id <> enterprise_id', name=op.f('ck_supply_links_no_self')),
    sa.CheckConstraint('imported_component_share >= 0 AND imported_component_share <= 1', name=op.f('ck_supply_links_imported_fraction')),
    sa.CheckConstraint('on_time_delivery_rate >= 0 AND on_time_delivery_rate <= 1', name=op.f('ck_supply_links_delivery_fraction')),
    sa.CheckConstraint('share >= 0 AND share <= 1', name=op.f('ck_supply_links_share_fraction')),
    sa.CheckConstraint('uscc_is_valid(counterparty_uscc)', name=op.f('ck_supply_links_counterparty_uscc_check_digit')),
    sa.ForeignKeyConstraint(['counterparty_id'], ['enterprises.id'], name=op.f('fk_supply_links_counterparty_id_enterprises'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_supply_links_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_links')),
    sa.UniqueConstraint('enterprise_id', 'counterparty_uscc', 'role', name=op.f('uq_supply_links_enterprise_id_counterparty_uscc_role'))
    )
    op.create_index(op.f('ix_supply_links_counterparty_id'), 'supply_links', ['counterparty_id'], unique=False)
    op.create_index(op.f('ix_supply_links_enterprise_id'), 'supply_links', ['enterprise_id'], unique=False)
    op.create_table('batch_runs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('chunk_size', sa.Integer(), nullable=False),
    sa.Column('total_chunks', sa.Integer(), nullable=True),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('ruleset_version', sa.String(length=64), nullable=False),
    sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('report_html', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'running') = (finished_at IS NULL)", name=op.f('ck_batch_runs_finished_unless_running')),
    sa.CheckConstraint("status IN ('running', 'succeeded', 'failed', 'superseded')", name=op.f('ck_batch_runs_status')),
    sa.CheckConstraint('chunk_size > 0', name=op.f('ck_batch_runs_chunk_size_positive')),
    sa.ForeignKeyConstraint(['model_version'], ['model_versions.version'], name=op.f('fk_batch_runs_model_version_model_versions')),
    sa.ForeignKeyConstraint(['ruleset_version'], ['ruleset_versions.version'], name=op.f('fk_batch_runs_ruleset_version_ruleset_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_runs'))
    )
    op.create_index(op.f('ix_batch_runs_as_of'), 'batch_runs', ['as_of'], unique=False)
    op.create_table('decisions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('pd', sa.Double(), nullable=False),
    sa.Column('grade', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('stage_declared', sa.String(length=16), nullable=True),
    sa.Column('products', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('limit_amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('limit_binding', sa.String(length=64), nullable=False),
    sa.Column('tenor_months', sa.SmallInteger(), nullable=False),
    sa.Column('tenor_binding', sa.String(length=64), nullable=False),
    sa.Column('pricing', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('rate', sa.Numeric(precision=7, scale=6), nullable=False),
    sa.Column('conditions', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('rule_hits', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('flags', sa.ARRAY(sa.String(length=64)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('ruleset_version', sa.String(length=64), nullable=False),
    sa.Column('input_snapshot', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('input_sha256', sa.String(length=64), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("input_sha256 ~ '^[0-9a-f]{64}$'", name=op.f('ck_decisions_input_sha256_hex')),
    sa.CheckConstraint("outcome <> 'decline' OR jsonb_array_length(products) = 0", name=op.f('ck_decisions_decline_no_products')),
    sa.CheckConstraint("outcome IN ('approve', 'refer', 'decline')", name=op.f('ck_decisions_outcome')),
    sa.CheckConstraint("stage IN ('startup', 'growth', 'mature', 'transition')", name=op.f('ck_decisions_stage')),
    sa.CheckConstraint("stage_declared IS NULL OR stage_declared IN ('startup', 'growth', 'mature', 'transition')", name=op.f('ck_decisions_stage_declared')),
    sa.CheckConstraint('jsonb_array_length(reasons) <= 4', name=op.f('ck_decisions_at_most_four_reasons')),
    sa.CheckConstraint('limit_amount >= 0', name=op.f('ck_decisions_limit_nonneg')),
    sa.CheckConstraint('pd >= 0 AND pd <= 1', name=op.f('ck_decisions_pd_range')),
    sa.CheckConstraint('tenor_months >= 0 AND tenor_months <= 360', name=op.f('ck_decisions_tenor_range')),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_decisions_application_id_loan_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_decisions_enterprise_id_enterprises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['model_version'], ['model_versions.version'], name=op.f('fk_decisions_model_version_model_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ruleset_version'], ['ruleset_versions.version'], name=op.f('fk_decisions_ruleset_version_ruleset_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('application_id', name=op.f('uq_decisions_application_id'))
    )
    op.create_index(op.f('ix_decisions_enterprise_id'), 'decisions', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_decisions_grade'), 'decisions', ['grade'], unique=False)
    op.create_index(op.f('ix_decisions_model_version'), 'decisions', ['model_version'], unique=False)
    op.create_index(op.f('ix_decisions_outcome'), 'decisions', ['outcome'], unique=False)
    op.create_index(op.f('ix_decisions_ruleset_version'), 'decisions', ['ruleset_version'], unique=False)
    op.create_table('idempotency_keys',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('application_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("request_sha256 ~ '^[0-9a-f]{64}$'", name=op.f('ck_idempotency_keys_request_sha256_hex')),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_idempotency_keys_expiry_after_creation')),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_idempotency_keys_application_id_loan_applications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_index(op.f('ix_idempotency_keys_expires_at'), 'idempotency_keys', ['expires_at'], unique=False)
    op.create_table('batch_checkpoints',
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('chunk_no', sa.Integer(), nullable=False),
    sa.Column('rows_scored', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('rows_scored >= 0', name=op.f('ck_batch_checkpoints_rows_nonneg')),
    sa.ForeignKeyConstraint(['run_id'], ['batch_runs.id'], name=op.f('fk_batch_checkpoints_run_id_batch_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'chunk_no', name=op.f('pk_batch_checkpoints'))
    )
    op.create_table('rescore_results',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('pd', sa.Double(), nullable=False),
    sa.Column('grade', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=True),
    sa.Column('flags', sa.ARRAY(sa.String(length=64)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('contagion_score', sa.Double(), server_default='0', nullable=False),
    sa.CheckConstraint("outcome IN ('approve', 'refer', 'decline')", name=op.f('ck_rescore_results_outcome')),
    sa.CheckConstraint('pd >= 0 AND pd <= 1', name=op.f('ck_rescore_results_pd_range')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_rescore_results_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['batch_runs.id'], name=op.f('fk_rescore_results_run_id_batch_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('as_of', 'enterprise_id', name=op.f('pk_rescore_results')),
    sa.UniqueConstraint('as_of', 'enterprise_id', name=op.f('uq_rescore_results_as_of_enterprise_id'))
    )
    op.create_index(op.f('ix_rescore_results_run_id'), 'rescore_results', ['run_id'], unique=False)
    op.create_table('review_cases',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=True),
    sa.Column('decision_id', sa.Uuid(), nullable=True),
    sa.Column('batch_run_id', sa.Uuid(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('flags', sa.ARRAY(sa.String(length=64)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('final_outcome', sa.String(length=8), nullable=True),
    sa.Column('final_terms', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_review_cases_closed_has_time')),
    sa.CheckConstraint("final_outcome IS NULL OR final_outcome IN ('approve', 'refer', 'decline')", name=op.f('ck_review_cases_final_outcome')),
    sa.CheckConstraint("source = 'batch_flag' OR decision_id IS NOT NULL", name=op.f('ck_review_cases_decision_unless_batch')),
    sa.CheckConstraint("source IN ('refer', 'qc_sample', 'batch_flag', 'info_answered')", name=op.f('ck_review_cases_source')),
    sa.CheckConstraint("status IN ('open', 'awaiting_second', 'info_requested', 'closed')", name=op.f('ck_review_cases_status')),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_review_cases_application_id_loan_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['batch_run_id'], ['batch_runs.id'], name=op.f('fk_review_cases_batch_run_id_batch_runs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_review_cases_decision_id_decisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_review_cases_enterprise_id_enterprises'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_cases'))
    )
    op.create_index(op.f('ix_review_cases_application_id'), 'review_cases', ['application_id'], unique=False)
    op.create_index(op.f('ix_review_cases_decision_id'), 'review_cases', ['decision_id'], unique=False)
    op.create_index(op.f('ix_review_cases_enterprise_id'), 'review_cases', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_review_cases_status'), 'review_cases', ['status'], unique=False)
    op.create_table('reviews',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('actor_id', sa.BigInteger(), nullable=False),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reason_codes', sa.ARRAY(sa.String(length=64)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("action IN ('approve', 'decline', 'override', 'request_info', 'answer_info')", name=op.f('ck_reviews_action')),
    sa.CheckConstraint('length(btrim(reason)) >= 10', name=op.f('ck_reviews_reason_written')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_reviews_actor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['case_id'], ['review_cases.id'], name=op.f('fk_reviews_case_id_review_cases'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews'))
    )
    op.create_index(op.f('ix_reviews_case_id'), 'reviews', ['case_id'], unique=False)
    op.execute(AUDIT_GUARD)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_refuse_change()")
    op.drop_index(op.f('ix_reviews_case_id'), table_name='reviews')
    op.drop_table('reviews')
    op.drop_index(op.f('ix_review_cases_status'), table_name='review_cases')
    op.drop_index(op.f('ix_review_cases_enterprise_id'), table_name='review_cases')
    op.drop_index(op.f('ix_review_cases_decision_id'), table_name='review_cases')
    op.drop_index(op.f('ix_review_cases_application_id'), table_name='review_cases')
    op.drop_table('review_cases')
    op.drop_index(op.f('ix_rescore_results_run_id'), table_name='rescore_results')
    op.drop_table('rescore_results')
    op.drop_table('batch_checkpoints')
    op.drop_index(op.f('ix_idempotency_keys_expires_at'), table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_index(op.f('ix_decisions_ruleset_version'), table_name='decisions')
    op.drop_index(op.f('ix_decisions_outcome'), table_name='decisions')
    op.drop_index(op.f('ix_decisions_model_version'), table_name='decisions')
    op.drop_index(op.f('ix_decisions_grade'), table_name='decisions')
    op.drop_index(op.f('ix_decisions_enterprise_id'), table_name='decisions')
    op.drop_table('decisions')
    op.drop_index(op.f('ix_batch_runs_as_of'), table_name='batch_runs')
    op.drop_table('batch_runs')
    op.drop_index(op.f('ix_supply_links_enterprise_id'), table_name='supply_links')
    op.drop_index(op.f('ix_supply_links_counterparty_id'), table_name='supply_links')
    op.drop_table('supply_links')
    op.drop_index('uq_ruleset_versions_one_active', table_name='ruleset_versions', postgresql_where=sa.text('is_active'))
    op.drop_table('ruleset_versions')
    op.drop_table('policy_support')
    op.drop_index('uq_model_versions_one_active', table_name='model_versions', postgresql_where=sa.text('is_active'))
    op.drop_table('model_versions')
    op.drop_table('market_plans')
    op.drop_index(op.f('ix_loan_applications_submitted_by'), table_name='loan_applications')
    op.drop_index(op.f('ix_loan_applications_status'), table_name='loan_applications')
    op.drop_index(op.f('ix_loan_applications_enterprise_id'), table_name='loan_applications')
    op.drop_table('loan_applications')
    op.drop_table('intellectual_property')
    op.drop_table('green_data')
    op.drop_index(op.f('ix_financial_statements_enterprise_id'), table_name='financial_statements')
    op.drop_table('financial_statements')
    op.drop_table('alternative_data_monthly')
    op.drop_table('users')
    op.drop_index(op.f('ix_enterprises_sector'), table_name='enterprises')
    op.drop_index(op.f('ix_enterprises_district'), table_name='enterprises')
    op.drop_table('enterprises')
    op.drop_index(op.f('ix_audit_log_entity_id'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_action'), table_name='audit_log')
    op.drop_table('audit_log')
    op.execute("DROP FUNCTION IF EXISTS uscc_is_valid(text)")
