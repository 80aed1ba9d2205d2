"""lecturers"""
