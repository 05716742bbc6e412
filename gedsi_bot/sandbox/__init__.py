"""Local stand-ins for the services gedsi-bot talks to, for tests, demos and rehearsals.

``sandbox.telegram`` speaks the Telegram Bot API over HTTP on loopback; the bot, the delivery
worker and a trainer's rehearsal run against it exactly as they would against Telegram.
"""
