"""QR codes: the faster mask choice gives exactly the symbol segno makes."""

import random
import string

import segno

from gedsi_bot.render.qr import qr_matrix

LINK_CHARACTERS = string.ascii_letters + string.digits + "_-"


def sample_texts() -> list[str]:
    rng = random.Random(11)
    links = [
        "https://t.me/CaringGedsiBot?start="
        + "".join(rng.choice(LINK_CHARACTERS) for _ in range(rng.randint(1, 64)))
        for _ in range(160)
    ]
    # Longer and mixed texts reach larger versions (with version information) and byte mode.
    others = [
        "".join(rng.choice(LINK_CHARACTERS + " .:/é") for _ in range(length))
        for length in range(1, 400, 9)
    ]
    return links + others


def test_qr_matrix_is_the_symbol_segno_makes() -> None:
    texts = sample_texts()
    assert [qr_matrix(text) for text in texts] == [
        tuple(bytes(row) for row in segno.make_qr(text, error="m").matrix) for text in texts
    ]


def test_sample_covers_every_mask_and_versions_with_version_information() -> None:
    codes = [segno.make_qr(text, error="m") for text in sample_texts()]
    assert {code.mask for code in codes} == set(range(8))
    assert max(code.version for code in codes) >= 7
