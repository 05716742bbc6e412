import pytest

from gedsi_bot.domain.names import initials


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Siti Aminah", "SA"),
        ("Dr. Hj. Siti Nur Aminah, M.Psi., Psikolog", "SA"),
        ("Prof. Dr. Ir. Bambang Sutrisno", "BS"),
        ("Sukarni", "S"),
        ("Psikolog PUSPAGA Kota Probolinggo", "PP"),
        ("ni made ayu", "NA"),
        ("Dr.", "D"),
        ("— —", ""),
        ("Élise Ñoño", "ÉÑ"),
    ],
)
def test_initials_skip_honorifics_and_degrees(name: str, expected: str) -> None:
    assert initials(name) == expected
