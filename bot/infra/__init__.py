"""What the bot stands on: the paced sender and long texts, where conversations live, the webhook and its
checkpoint, logs, health checks, and the worker processes beside the bot."""
