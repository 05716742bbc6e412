"""People's names as Indonesian documents write them: honorifics, degrees and initials."""

from __future__ import annotations

# Honorifics and academic or religious titles written before a name ("Dr. Hj. Siti Aminah").
_PREFIXES = frozenset(
    {
        "bapak",
        "bpk",
        "ibu",
        "sdr",
        "sdri",
        "dr",
        "drs",
        "dra",
        "ir",
        "prof",
        "h",
        "hj",
        "kh",
        "ust",
        "ustadz",
        "ustadzah",
        "ns",
        "apt",
        "drg",
        "kak",
    }
)


def _core_name(name: str) -> list[str]:
    """The words of ``name`` without leading honorifics and trailing degrees (after a comma)."""
    before_degrees = name.split(",", 1)[0]
    words = [word for word in before_degrees.split() if any(ch.isalnum() for ch in word)]
    while len(words) > 1 and words[0].rstrip(".").lower() in _PREFIXES:
        words = words[1:]
    return words


def initials(name: str, *, letters: int = 2) -> str:
    """Up to ``letters`` capital initials for an avatar: "Dr. Siti Aminah, M.Psi." → "SA".

    A one-word name gives its first letter; a name without letters gives "".
    """
    found: list[str] = []
    for word in _core_name(name):
        first = next((ch for ch in word if ch.isalpha()), None)
        if first is not None:
            found.append(first.upper())
    if len(found) > letters:
        found = [*found[: letters - 1], found[-1]]
    return "".join(found[:letters])
