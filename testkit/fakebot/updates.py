"""The update queue lives in the product (bot/practice/updates.py): the practice server uses it too."""
from bot.practice.updates import DEFAULT_EXCLUDED, UpdateQueue, kind_of

__all__ = ["DEFAULT_EXCLUDED", "UpdateQueue", "kind_of"]
