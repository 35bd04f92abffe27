"""The Zalo Official Account channel (the host's OA): events by signed webhook (web.py, updates.py) into the one
dispatcher; an aiogram session (session.py) sends through the OA's API (client.py) with buttons, uploaded
pictures and the phone request, within the messaging window (window.py), else by ZNS; the access token is
renewed and kept in the database (tokens.py)."""
from bot.channels.zalo_oa.channel import OaChannel

__all__ = ["OaChannel"]
