"""The one request path: every HTTP request, whatever its route, goes through the same steps.

app.py lists them in order; docs/architecture.md draws them. Knows HTTP, no domain.
"""
