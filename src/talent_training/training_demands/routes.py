"""HTTP for the training_demands: parse, call the service, serialise."""

from __future__ import annotations

from talent_training.web.routing import Routes

routes = Routes("")
