"""Data sets the server can load into an empty database (`--seed demo`)."""
