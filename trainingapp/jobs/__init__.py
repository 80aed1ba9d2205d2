"""Background jobs: work too long for one request (a large import, a ZIP of certificates)."""
