"""Business rules, free of any chat framework."""
