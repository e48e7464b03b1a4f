"""Bearer-token authentication and role checks."""
