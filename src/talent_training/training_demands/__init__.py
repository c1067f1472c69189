"""Training demands, from an employee's request to the realized training attendance records."""
