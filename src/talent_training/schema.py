"""Every table, imported once so that the metadata is complete: migrations/ compares against it."""

from talent_training.accounts.tables import Account, ApiKey
from talent_training.audit.tables import AuditEvent
from talent_training.bulk.tables import ImportJob, ImportJobPart
from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.base import metadata
from talent_training.db.secrets import ServiceSecret
from talent_training.directory.tables import Department, Employee, Establishment
from talent_training.planning.tables import Plan, TrainingSession
from talent_training.realized_trainings.tables import RealizedTraining
from talent_training.training_demands.tables import TrainingDemand
from talent_training.users.tables import PasswordReset, User, UserSession
from talent_training.web.idempotency import IdempotencyRecord
from talent_training.web.limits import RateLimitCounter

__all__ = [
    "Account",
    "ApiKey",
    "AuditEvent",
    "Category",
    "Department",
    "Employee",
    "Establishment",
    "IdempotencyRecord",
    "ImportJob",
    "ImportJobPart",
    "PasswordReset",
    "Plan",
    "Provider",
    "RateLimitCounter",
    "RealizedTraining",
    "ServiceSecret",
    "Training",
    "TrainingDemand",
    "TrainingSession",
    "User",
    "UserSession",
    "metadata",
]
