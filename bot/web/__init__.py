"""The bot's web pages and files, served by the same aiohttp app as the webhooks: bot/app.py mounts them
(reception.setup) beside the Zalo channel's routes, so the pages and the channel never import each other."""
