"""Administration: accounts, the audit log and the self-service password page."""
