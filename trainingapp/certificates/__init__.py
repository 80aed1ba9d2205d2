"""Certificates (giấy chứng nhận): the course's rule for who qualifies, numbers without gaps,
PDFs from an adjustable template, revocation, and the public verification page."""
