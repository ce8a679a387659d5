"""Metric catalog and the KPI calculator: raw monthly metrics -> period values."""
