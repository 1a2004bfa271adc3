"""Ghost agents: the phone engine and a backend client acting as an agent nobody sits at.

`agent-tui bot --backend URL --user NAME` runs one (`agent_tui.ghost.run`); `GhostAgent` drives the
desk's own model (`agent_tui.desk.model`) with the phone's events, the live stream and ticks, and
carries out its effects (state with call fields, call records, supervisor commands and their acks);
`commands` holds the call-command tracking the desk shares.
"""
