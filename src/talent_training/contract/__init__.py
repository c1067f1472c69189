"""The contract: Lucca's seed OpenAPI (a copy of shared/spec) and our extensions, served as /openapi.json."""
