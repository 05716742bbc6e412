"""Use cases: each function opens its transaction, calls the pure domain and the store, and
returns plain values. Telegram handlers and CLI commands call exactly one of these."""
