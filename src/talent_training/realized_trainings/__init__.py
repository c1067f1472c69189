"""Realized trainings: the trainings each employee has completed (Lucca v2)."""
