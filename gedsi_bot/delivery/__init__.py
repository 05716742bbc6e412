"""Outbox delivery: the worker that sends due rows within Telegram's limits, and its alarm.

Everything sent later is an outbox row (``gedsi_bot.store.outbox``). A worker claims due rows,
builds each message (directly, through a composer, or by expanding a fan-out row), sends it
through python-telegram-bot's ``Bot`` at a pace Telegram accepts, and marks the row. The alarm
(a PTB JobQueue ``run_once``) wakes the worker at the next due time and whenever new rows are
queued; jobs are derived from the database at start-up, never stored.
"""
