"""What the tests and the benchmarks share: the fake Telegram (`testkit.fakebot`) and fake Zalo
(`testkit.fakezalo`) servers, the bot run against them (`harness`, `feeding`, `cluster`, `proxy`), the people
and conversations they simulate (`flows`, `zalo_flows`, `crowd`, `records`, `big_lists`, `photos`), the desk
site, and the repository's paths and database reset. Not part of the product: found from the repository root
(pytest's rootdir, `python -m bench.x`, PYTHONPATH of the bot processes they start), never installed."""
