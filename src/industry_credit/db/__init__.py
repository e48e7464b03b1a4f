"""Database access: one engine factory for the embedded and the external server."""
