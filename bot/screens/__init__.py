"""What the bot shows, shared by the chat handlers, the web pages, the workers and the channels: texts,
cards, check-in code links, and the callback data every button carries. Knows services, never a handler."""
