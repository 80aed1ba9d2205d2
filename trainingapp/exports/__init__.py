"""Exports: registrations as CSV and XLSX, the sign-in sheet (HTML, PDF, XLSX), attendance reports."""
