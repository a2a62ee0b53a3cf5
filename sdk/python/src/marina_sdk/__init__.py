"""Marina Python SDK."""
