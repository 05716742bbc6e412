"""Local stand-ins for the services gedsi-bot talks to, for tests, demos and rehearsals.

``sandbox.telegram`` speaks the Telegram Bot API and ``sandbox.zoom`` Zoom's OAuth and meeting
API over HTTP on loopback; the bot, the delivery worker, the Zoom client and a trainer's
rehearsal run against them exactly as they would against Telegram and Zoom.
"""
