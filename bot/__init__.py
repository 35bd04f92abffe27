"""The delegate bot: registration, check-in, reminders, broadcasts and venue questions."""
