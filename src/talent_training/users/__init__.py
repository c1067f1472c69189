"""People who sign in to the HR console: users, their passwords and their sessions (docs/console.md)."""
