"""Signal lives in the product (bot/practice/sync.py): the practice server uses it too."""
from bot.practice.sync import Signal

__all__ = ["Signal"]
