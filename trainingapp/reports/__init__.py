"""Reports: read-only figures over every domain (dashboard counts, quota use, attendance)."""
