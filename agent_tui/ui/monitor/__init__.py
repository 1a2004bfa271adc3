"""The supervisor's monitoring mode (`agent-tui monitor`): wallboard, interventions, recordings, QA,
reports."""
