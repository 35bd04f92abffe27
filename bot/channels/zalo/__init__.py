"""The Zalo bridge: Zalo events become aiogram updates for the one dispatcher (updates.py), and the Zalo
bot's aiogram session turns outgoing calls into Zalo calls (session.py, text.py, qr.py), with Zalo's
string ids kept as stable integers (ids.py). channel.py runs it; web.py serves its webhook and QR pictures."""
from bot.channels.zalo.channel import ZaloChannel

__all__ = ["ZaloChannel"]
