"""What operators and tools call outside the API: probes, metrics, the OpenAPI document and its docs page."""
