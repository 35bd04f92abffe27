"""Practice mode: with no bot token, the bot runs against a Bot API server inside the process
(server.py) and a chat page in the browser (page.py, static/) plays the people who talk to it:
delegates, reception staff and the practice organizer (people.py). run.py puts it together; its data
lives in its own SQLite file (data/practice.sqlite3), never in the real event's database."""
