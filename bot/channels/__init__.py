"""Chat channels other than Telegram, bridged into the one aiogram dispatcher (see zalo/)."""
