"""gedsi-bot: runs a recurring GEDSI webinar series for Indonesian local government offices."""

__version__ = "0.1.0"
