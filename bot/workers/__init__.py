"""What runs once for the whole bot, in the process holding the lease (bot/workers/lease.py): the outbox
sender (broadcasts and agenda change notices) and the reminders. Both read a send's answer the same way
(bot/workers/outcome.py)."""
