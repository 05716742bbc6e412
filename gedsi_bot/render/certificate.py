"""E-certificates: lay out a ``CertificateContent`` in the certificate template; PNG or PDF.

The PDF holds the same A4 landscape page at the template's resolution, with no creation date,
so the same certificate always gives the same bytes.
"""

from __future__ import annotations

import io
from enum import StrEnum

from PIL import Image

from gedsi_bot.locale import t
from gedsi_bot.render.content import CertificateContent, held_on_text
from gedsi_bot.render.draw import (
    Layout,
    Placed,
    PlacedShape,
    draw,
    place_logos,
    place_qr,
    place_text_element,
)
from gedsi_bot.render.png import encode_png
from gedsi_bot.render.template import Template

_PDF_QUALITY = 92  # JPEG inside the PDF: crisp text at 300 dpi, about 1 MB a page


class CertificateFormat(StrEnum):
    PNG = "png"
    PDF = "pdf"


def _text(template: Template, name: str, text: str) -> list[Placed]:
    element = template.text(name)
    if element is None or not text:
        return []
    return place_text_element(element, text)


def _texts(content: CertificateContent) -> dict[str, str]:
    language = content.language
    held_on = held_on_text(content)
    if content.jp > 0:
        held = t("render.cert.held_with_jp", language, date=held_on, jp=content.jp)
    else:
        held = t("render.cert.held", language, date=held_on)
    if content.verification_link:
        verify = t("render.cert.verify", language)
        code = t("render.cert.verify_code", language, code=content.verification_code)
    else:
        verify = t("render.cert.verify_pending", language, code=content.verification_code)
        code = ""
    signatory = content.signatory
    return {
        "organiser": content.organiser,
        "title": t("render.cert.title", language),
        "serial": t("render.cert.serial", language, serial=content.serial),
        "given_to": t("render.cert.given_to", language),
        "participant": content.participant_name,
        "role": t(
            "render.cert.role",
            language,
            series=content.series_name,
            tagline=content.tagline,
            number=content.episode,
        ),
        "theme": f"“{content.theme}”",
        "held": held,
        "signatory_title": signatory.title if signatory else "",
        "signatory_name": signatory.name if signatory else content.organiser,
        "verify": verify,
        "verify_code": code,
        "specimen": t("render.cert.specimen", language) if content.specimen else "",
    }


def layout_certificate(content: CertificateContent, template: Template) -> Layout:
    """Where everything on the certificate goes."""
    items: list[Placed] = [
        PlacedShape("shape", shape.box, shape.fill, shape.radius, shape.ellipse)
        for shape in template.shapes
    ]
    items += place_logos(template.images("logos"), content.logos)
    for name, text in _texts(content).items():
        items += _text(template, name, text)
    signatory = content.signatory
    if signatory is not None and signatory.signature is not None:
        items += place_logos(template.images("signature"), [signatory.signature])
    if content.verification_link:
        items += place_qr(template.qr(), content.verification_link, "")
    return Layout(template.width, template.height, (), tuple(items))


def certificate_image(content: CertificateContent, template: Template) -> Image.Image:
    canvas = Image.new("RGB", (template.width, template.height), template.background)
    draw(canvas, layout_certificate(content, template).items)
    return canvas


def render_certificate(
    content: CertificateContent,
    *,
    template: Template,
    fmt: CertificateFormat | str = CertificateFormat.PNG,
) -> bytes:
    """The certificate as PNG or single-page PDF bytes (the same bytes for the same input)."""
    image = certificate_image(content, template)
    if CertificateFormat(fmt) is CertificateFormat.PNG:
        return encode_png(image, dpi=template.dpi)
    buffer = io.BytesIO()
    image.save(
        buffer,
        "PDF",
        resolution=float(template.dpi),
        title=t("render.cert.title", content.language).title(),
        author=content.organiser,
        creationDate=None,
        modDate=None,
        quality=_PDF_QUALITY,
        subsampling=0,
    )
    return buffer.getvalue()
