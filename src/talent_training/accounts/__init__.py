"""Accounts and their API keys: every record belongs to an account, every key to one account."""
