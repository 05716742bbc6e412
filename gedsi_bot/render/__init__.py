"""Flyers and e-certificates drawn with Pillow from the templates in ``flyers/``."""
