"""Ghost agents: the phone engine and a backend client acting as an agent nobody sits at.

`agent-tui bot --backend URL --user NAME` runs one (`agent_tui.ghost.run`); `GhostAgent` is the
logic (state with call fields, call records, supervisor commands and their acks); `commands` holds
the parsing and call-command tracking the desk shares.
"""
