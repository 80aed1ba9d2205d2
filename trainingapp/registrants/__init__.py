"""registrants"""
