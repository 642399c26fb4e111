"""Prospective methods on exercise tables (no corpus, no coding): MICMAC, MACTOR, CIB, participation."""
