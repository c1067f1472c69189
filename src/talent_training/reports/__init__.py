"""Reports over a year of realized trainings: hours and cost by month, department, category and provider, and
the share of the staff trained. Statements (repository.py) and the numbers (service.py), no HTTP: the
console draws them (console/reports.py) and writes them as CSV (exporting.py)."""
