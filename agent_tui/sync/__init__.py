"""The client side of the backend: typed REST calls, the live event stream and the offline outbox.

- `agent_tui.sync.client.BackendClient`: typed async REST calls with timeouts and read retries.
- `agent_tui.sync.events.EventStream`: Server-Sent Events with reconnect and Last-Event-ID.
- `agent_tui.sync.outbox.Outbox`: a durable FIFO journal of writes, delivered exactly once.
"""
