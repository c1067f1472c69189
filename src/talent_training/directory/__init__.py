"""The directory: departments, establishments and employees, synced from an HR system by `PUT`."""
