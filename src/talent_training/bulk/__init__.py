"""Bulk work on the command line and over HTTP: imports (`import_cli`, `routes`, `jobs`) and exports
(`export_cli`); the rules of each resource's rows live in `<resource>/importing.py` and `exporting.py`."""
