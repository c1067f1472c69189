"""talent-training: a self-hostable service speaking the Lucca Training REST API."""

__version__ = "0.1.0"
