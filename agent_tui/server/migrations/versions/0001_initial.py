"""The first schema: users and tokens, customers, contacts, tickets, calls, events, notices, KB, screens.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("team", sa.String(64)),
        sa.Column("extension", sa.String(32)),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])
    op.create_table(
        "customers",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("account", sa.String(20), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("area", sa.String(200), nullable=False),
        sa.Column("customer_type", sa.String(20), nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("meter", sa.String(200)),
        sa.Column("balance_cents", sa.BigInteger(), nullable=False),
        sa.Column("arrears_cents", sa.BigInteger(), nullable=False),
        sa.Column("custom", sa.JSON(), nullable=False),
        sa.Column("last_agent", sa.String(64)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_customers_name", "customers", ["name"])
    op.create_index("ix_customers_area", "customers", ["area"])
    op.create_table(
        "customer_phones",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("customer_id", BIG_ID, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("phone_key", sa.String(32), nullable=False),
    )
    op.create_index("ix_customer_phones_customer_id", "customer_phones", ["customer_id"])
    op.create_index("ix_customer_phones_phone_key", "customer_phones", ["phone_key"])
    op.create_table(
        "contacts",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("customer_id", BIG_ID, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("agent", sa.String(64)),
        sa.Column("call_id", sa.String(128), unique=True),
        sa.Column("ticket_id", sa.BigInteger()),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(200), nullable=False),
        sa.Column("recording", sa.String(500)),
    )
    op.create_index("ix_contacts_customer_at", "contacts", ["customer_id", "at"])
    op.create_table(
        "tickets",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("ticket_type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("customer_id", BIG_ID, sa.ForeignKey("customers.id", ondelete="SET NULL")),
        sa.Column("call_id", sa.String(128)),
        sa.Column("screen_id", sa.String(64)),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("assignee", sa.String(200)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("return_visit", sa.JSON()),
    )
    op.create_index("ix_tickets_status", "tickets", ["status"])
    op.create_index("ix_tickets_assignee", "tickets", ["assignee"])
    op.create_index("ix_tickets_customer_status", "tickets", ["customer_id", "status"])
    op.create_table(
        "ticket_timeline",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("ticket_id", BIG_ID, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("by", sa.String(64)),
        sa.Column("note", sa.String(200), nullable=False),
    )
    op.create_index("ix_ticket_timeline_ticket_id", "ticket_timeline", ["ticket_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "agent_states",
        sa.Column(
            "username", sa.String(64), sa.ForeignKey("users.username", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("since", TS, nullable=False),
    )
    op.create_table(
        "calls",
        sa.Column("call_id", sa.String(128), primary_key=True),
        sa.Column("direction", sa.String(20), nullable=False),
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("agent", sa.String(64)),
        sa.Column("customer_id", sa.BigInteger()),
        sa.Column("queue", sa.String(200)),
        sa.Column("offered_at", TS),
        sa.Column("answered_at", TS),
        sa.Column("ended_at", TS),
        sa.Column("talk_s", sa.Float(), nullable=False),
        sa.Column("hold_s", sa.Float(), nullable=False),
        sa.Column("acw_s", sa.Float(), nullable=False),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_calls_agent", "calls", ["agent"])
    op.create_index("ix_calls_queue_offered", "calls", ["queue", "offered_at"])
    op.create_table(
        "events",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("target", sa.String(64)),
        sa.Column("audience", sa.String(20)),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_table(
        "notices",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("area", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS),
    )
    op.create_index("ix_notices_area", "notices", ["area"])
    op.create_table(
        "kb_articles",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
    )
    op.create_index("ix_kb_articles_language", "kb_articles", ["language"])
    op.create_table(
        "screens",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ticket_type", sa.String(20)),
        sa.Column("definition", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    """Drop every table."""
    for table in (
        "screens", "kb_articles", "notices", "events", "calls", "agent_states", "idempotency_keys",
        "ticket_timeline", "tickets", "contacts", "customer_phones", "customers", "tokens", "users",
    ):
        op.drop_table(table)
