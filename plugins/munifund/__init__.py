"""munifund."""
