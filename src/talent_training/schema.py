"""Every table, imported once so that the metadata is complete: migrations/ compares against it."""

from talent_training.accounts.tables import Account, ApiKey
from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.base import metadata
from talent_training.db.secrets import ServiceSecret
from talent_training.realized_trainings.tables import RealizedTraining

__all__ = [
    "Account",
    "ApiKey",
    "Category",
    "Provider",
    "RealizedTraining",
    "ServiceSecret",
    "Training",
    "metadata",
]
