"""The REST contract: pydantic models shared by the client and the reference backend.

Nothing here imports from the rest of the package; client and server both depend on it.
"""
