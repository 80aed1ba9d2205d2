"""The participant's rights over their personal data (Law 91/2025/QH15, Decree 356/2025/ND-CP)."""
