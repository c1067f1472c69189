"""Engines, sessions, migrations and the SQL pieces every resource shares. Knows nothing about HTTP."""
