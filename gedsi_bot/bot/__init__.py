"""The Telegram bot: the application, its handlers by audience, keyboards and texts."""
