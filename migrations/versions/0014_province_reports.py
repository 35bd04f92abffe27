"""province reports: the provinces' six-month reports (every version kept) and the reminders to those missing

Revision ID: 0014_province_reports
Revises: 0012_part_names
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_province_reports'
down_revision = '0012_part_names'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'province_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=64), nullable=False),
        sa.Column('province', sa.String(length=32), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('via', sa.String(length=16), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['accounts.id'],
                                name=op.f('fk_province_reports_uploaded_by_id_accounts'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_province_reports')),
        sa.UniqueConstraint('event_id', 'province', 'version', name=op.f('uq_province_reports_event_id')),
    )
    op.create_table(
        'report_reminder_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=64), nullable=False),
        sa.Column('province', sa.String(length=32), nullable=False),
        sa.Column('offset_key', sa.String(length=32), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                                name=op.f('fk_report_reminder_deliveries_account_id_accounts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_reminder_deliveries')),
        sa.UniqueConstraint('event_id', 'province', 'offset_key', 'account_id',
                            name=op.f('uq_report_reminder_deliveries_event_id')),
    )


def downgrade() -> None:
    op.drop_table('report_reminder_deliveries')
    op.drop_table('province_reports')
