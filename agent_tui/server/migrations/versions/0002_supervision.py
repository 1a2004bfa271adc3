"""Supervision: agents' current call and state log, queue events and calls, alerts, audit, recordings,
QA scores, callbacks and server secrets.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the supervision tables and columns; fold earlier call records into queue calls."""
    with op.batch_alter_table("agent_states") as batch:
        batch.add_column(sa.Column("call_id", sa.String(128)))
        batch.add_column(sa.Column("call_number", sa.String(200)))
        batch.add_column(sa.Column("customer_id", sa.BigInteger()))
        batch.add_column(sa.Column("queue", sa.String(200)))
        batch.add_column(sa.Column("call_started", TS))
        batch.add_column(sa.Column("hold_since", TS))
        batch.add_column(sa.Column("hand_raised_at", TS))
    op.create_table(
        "agent_state_log",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS),
    )
    op.create_index("ix_agent_state_log_user_started", "agent_state_log", ["username", "started_at"])
    op.create_index("ix_agent_state_log_started", "agent_state_log", ["started_at"])
    op.create_table(
        "queue_events",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("call_id", sa.String(128), nullable=False),
        sa.Column("queue", sa.String(200), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_queue_events_call_id", "queue_events", ["call_id"])
    op.create_table(
        "queue_calls",
        sa.Column("call_id", sa.String(128), primary_key=True),
        sa.Column("queue", sa.String(200), nullable=False),
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.BigInteger()),
        sa.Column("enqueued_at", TS, nullable=False),
        sa.Column("answered_at", TS),
        sa.Column("ended_at", TS),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("agent", sa.String(64)),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
    )
    op.create_index("ix_queue_calls_enqueued", "queue_calls", ["enqueued_at"])
    op.create_index("ix_queue_calls_queue_enqueued", "queue_calls", ["queue", "enqueued_at"])
    op.create_table(
        "alerts",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("since", TS, nullable=False),
        sa.Column("agent", sa.String(64)),
        sa.Column("queue", sa.String(200)),
        sa.Column("value", sa.Float()),
        sa.Column("detail", sa.String(200), nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("agent", sa.String(64)),
        sa.Column("call_id", sa.String(128)),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("command_id", sa.BigInteger(), unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("ack_at", TS),
        sa.Column("ack_detail", sa.String(200), nullable=False),
    )
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_index("ix_audit_actor", "audit", ["actor"])
    op.create_index("ix_audit_agent", "audit", ["agent"])
    op.create_table(
        "recordings",
        sa.Column("call_id", sa.String(128), primary_key=True),
        sa.Column("agent", sa.String(64)),
        sa.Column("queue", sa.String(200)),
        sa.Column("customer_id", sa.BigInteger()),
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("started_at", TS),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_recordings_started", "recordings", ["started_at"])
    op.create_index("ix_recordings_agent", "recordings", ["agent"])
    op.create_index("ix_recordings_customer_id", "recordings", ["customer_id"])
    op.create_table(
        "qa_scores",
        sa.Column("call_id", sa.String(128), primary_key=True),
        sa.Column("agent", sa.String(64)),
        sa.Column("scorer", sa.String(64), nullable=False),
        sa.Column("scored_at", TS, nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
    )
    op.create_index("ix_qa_scores_agent", "qa_scores", ["agent"])
    op.create_table(
        "callbacks",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.BigInteger()),
        sa.Column("queue", sa.String(200)),
        sa.Column("queued_at", TS, nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_at", TS),
        sa.Column("done_at", TS),
        sa.Column("call_id", sa.String(128), unique=True),
        sa.Column("voicemail", sa.String(128)),
        sa.Column("note", sa.String(200), nullable=False),
    )
    op.create_index("ix_callbacks_status_queued", "callbacks", ["status", "queued_at"])
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    # Queue figures now come from queue_calls: fold in the call records stored before.
    op.execute(
        "INSERT INTO queue_calls (call_id, queue, number, customer_id, enqueued_at, answered_at, ended_at,"
        " outcome, agent, training, source)"
        " SELECT call_id, queue, number, customer_id, offered_at, answered_at, ended_at,"
        " CASE WHEN answered_at IS NOT NULL THEN 'answered' WHEN ended_at IS NOT NULL THEN 'abandoned'"
        " ELSE 'waiting' END, agent, training, 'desk'"
        " FROM calls WHERE queue IS NOT NULL AND offered_at IS NOT NULL"
    )


def downgrade() -> None:
    """Drop what `upgrade` added."""
    for table in ("server_secrets", "callbacks", "qa_scores", "recordings", "audit", "alerts", "queue_calls",
                  "queue_events", "agent_state_log"):
        op.drop_table(table)
    with op.batch_alter_table("agent_states") as batch:
        for column in ("hand_raised_at", "hold_since", "call_started", "queue", "customer_id", "call_number",
                       "call_id"):
            batch.drop_column(column)
