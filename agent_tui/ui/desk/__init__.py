"""The agent desk's Textual UI: it renders the desk model and sends the agent's intents to it."""
