"""The audit trail: who changed what, when, through the API, the command line or an import."""
