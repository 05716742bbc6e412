"""The people of the demo: admins, subscribers and registrants, the same in every run."""

from __future__ import annotations

import random
from dataclasses import dataclass

from gedsi_bot.domain.areas import OUTSIDE_CITY, Areas
from gedsi_bot.domain.model import Category, Disability, Sex

SEED = 2026
REFERENCE_YEAR = 2026

# fmt: off
_WOMEN = ("Siti", "Dewi", "Sri", "Nur", "Rina", "Wulan", "Fitri", "Ayu", "Indah", "Lestari",
          "Yuliana", "Ratna", "Anisa", "Maya", "Kartika", "Endang", "Rahma", "Lilis")
_MEN = ("Agus", "Budi", "Dedi", "Eko", "Hendra", "Joko", "Rudi", "Slamet", "Taufik", "Yusuf",
        "Bayu", "Fajar", "Arif", "Imam")
_FAMILY = ("Rahayu", "Wahyuni", "Susanti", "Hidayat", "Prasetyo", "Santoso", "Kurniawan",
           "Lestari", "Maharani", "Setiawan", "Handayani", "Saputra", "Anggraini", "Firmansyah")
_GUARDIANS = ("Sri Wahyuni", "Slamet Riyadi", "Endang Susilowati", "Bambang Sutrisno")
# fmt: on
_INSTITUTIONS: dict[Category, tuple[str, ...]] = {
    Category.KADER: ("Posyandu Melati", "Posyandu Mawar", "Kader PKK Kelurahan", "TP PKK"),
    Category.ORGANISASI_PEREMPUAN: ("Fatayat NU", "Aisyiyah", "Muslimat NU", "KPPI"),
    Category.PELAJAR_FORUM_ANAK: ("Forum Anak Kota Probolinggo", "SMPN 2 Probolinggo"),
    Category.KEPALA_SEKOLAH: ("SDN Sukabumi 1", "SMPN 5 Probolinggo", "TK Dharma Wanita"),
    Category.ASN: ("Dinas Pendidikan", "Kecamatan Mayangan", "Puskesmas Kanigaran"),
    Category.MASYARAKAT_UMUM: ("Warga", "Karang Taruna"),
    Category.LAINNYA: ("Universitas Panca Marga", "LSM Perempuan"),
}
# How often each category turns up among the people who register for the series.
_CATEGORY_WEIGHTS = {
    Category.KADER: 6,
    Category.ORGANISASI_PEREMPUAN: 3,
    Category.PELAJAR_FORUM_ANAK: 1,
    Category.KEPALA_SEKOLAH: 2,
    Category.ASN: 4,
    Category.MASYARAKAT_UMUM: 2,
    Category.LAINNYA: 1,
}


@dataclass(frozen=True, slots=True)
class Answers:
    """How one simulated person fills the registration form."""

    first_name: str
    full_name: str
    sex: Sex
    birth_year: int
    category: Category
    institution: str
    kecamatan: str | None  # None for someone from outside the city
    kelurahan: str
    disability_consent: bool
    disability: Disability | None
    guardian: str | None

    @property
    def is_minor(self) -> bool:
        return REFERENCE_YEAR - self.birth_year < 18


def cast(count: int, areas: Areas, *, minors: int = 3, seed: int = SEED) -> list[Answers]:
    """``count`` people with Indonesian names; the first ``minors`` of them are children."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable cast, not a secret
    categories = list(_CATEGORY_WEIGHTS)
    weights = list(_CATEGORY_WEIGHTS.values())
    kelurahan = [(kec.code, kel.code) for kec in areas.kecamatan for kel in kec.kelurahan]
    people: list[Answers] = []
    names: set[str] = set()  # Zoom's report is matched by name: no two people share one
    for number in range(count):
        woman = rng.random() < 0.7
        first = rng.choice(_WOMEN if woman else _MEN)
        full_name = f"{first} {rng.choice(_FAMILY)}"
        while full_name in names:
            full_name = f"{first} {rng.choice(_FAMILY)} {rng.choice(_FAMILY)}"
        names.add(full_name)
        minor = number < minors
        category = Category.PELAJAR_FORUM_ANAK if minor else rng.choices(categories, weights)[0]
        if rng.random() < 0.1:
            kec, kel = None, OUTSIDE_CITY
        else:
            kec, kel = rng.choice(kelurahan)
        consent = rng.random() < 0.8
        disability = None
        if consent:
            disability = Disability.TIDAK
            if rng.random() < 0.15:
                disability = rng.choice([Disability.FISIK, Disability.SENSORIK_NETRA])
        people.append(
            Answers(
                first_name=first,
                full_name=full_name,
                sex=Sex.FEMALE if woman else Sex.MALE,
                birth_year=rng.randint(2009, 2012) if minor else rng.randint(1966, 2004),
                category=category,
                institution=rng.choice(_INSTITUTIONS[category]),
                kecamatan=kec,
                kelurahan=kel,
                disability_consent=consent,
                disability=disability,
                guardian=rng.choice(_GUARDIANS) if minor else None,
            )
        )
    return people
