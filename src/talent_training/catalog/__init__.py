"""The training catalog: providers, categories and trainings."""
