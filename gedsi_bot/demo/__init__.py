"""``gedsi-bot demo``: one whole episode of the series, played against the sandboxes.

The real bot runs in its own process (``gedsi-bot run``) against the Telegram and Zoom
sandboxes; simulated people talk to it through the sandbox's simulation API, and a rehearsal
clock moves the bot from publishing to the day after the session in a minute or two.
"""
