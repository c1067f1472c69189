"""Training plans and the sessions they hold."""
