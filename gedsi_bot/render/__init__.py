"""Flyers and e-certificates drawn with Pillow from the templates in ``flyers/``.

The publish and certificate workflows use these entry points:

    templates = load_flyer_templates(settings.resolved_flyers_dir, catalog)
    content = flyer_content(session, catalog, bot_username=username)
    png = render_flyer(content, FlyerFormat.POST, templates=templates)
    caption = flyer_caption(content)                      # Telegram HTML, ≤ 1024 characters

    template = load_certificate_template(settings.resolved_flyers_dir, catalog)
    content = certificate_content(session, catalog, participant_name=..., serial=...,
                                  verification_code=..., bot_username=username)
    pdf = render_certificate(content, template=template, fmt=CertificateFormat.PDF)
"""

from gedsi_bot.render.certificate import CertificateFormat, render_certificate
from gedsi_bot.render.content import (
    CertificateContent,
    FlyerContent,
    PersonCard,
    certificate_content,
    flyer_caption,
    flyer_content,
)
from gedsi_bot.render.flyer import render_flyer
from gedsi_bot.render.template import (
    FlyerFormat,
    FlyerTemplates,
    Template,
    load_certificate_template,
    load_flyer_templates,
)

__all__ = [
    "CertificateContent",
    "CertificateFormat",
    "FlyerContent",
    "FlyerFormat",
    "FlyerTemplates",
    "PersonCard",
    "Template",
    "certificate_content",
    "flyer_caption",
    "flyer_content",
    "load_certificate_template",
    "load_flyer_templates",
    "render_certificate",
    "render_flyer",
]
