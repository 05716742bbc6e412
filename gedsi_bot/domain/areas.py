"""Kecamatan and kelurahan of the city, for the registration question and reports by area."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

OUTSIDE_CITY = "luar_kota"


@dataclass(frozen=True, slots=True)
class Kelurahan:
    code: str
    name: str
    kecamatan_code: str


@dataclass(frozen=True, slots=True)
class Kecamatan:
    code: str
    name: str
    kelurahan: tuple[Kelurahan, ...]


@dataclass(frozen=True, slots=True)
class Areas:
    """The city's administrative areas (Kemendagri codes)."""

    city_code: str
    city_name: str
    kecamatan: tuple[Kecamatan, ...]
    _kelurahan_by_code: Mapping[str, Kelurahan] = field(init=False, repr=False, compare=False)
    _kecamatan_by_code: Mapping[str, Kecamatan] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kelurahan = {k.code: k for kec in self.kecamatan for k in kec.kelurahan}
        object.__setattr__(self, "_kelurahan_by_code", kelurahan)
        object.__setattr__(self, "_kecamatan_by_code", {k.code: k for k in self.kecamatan})

    def kelurahan(self, code: str) -> Kelurahan:
        """The kelurahan with ``code``; ``KeyError`` if it is not in the city."""
        return self._kelurahan_by_code[code]

    def kecamatan_of(self, area_code: str) -> Kecamatan | None:
        """The kecamatan of a kelurahan code (``None`` for ``luar_kota`` or unknown codes)."""
        kelurahan = self._kelurahan_by_code.get(area_code)
        return self._kecamatan_by_code[kelurahan.kecamatan_code] if kelurahan else None

    def is_valid_area(self, area_code: str) -> bool:
        """Whether ``area_code`` is a kelurahan of the city or ``luar_kota``."""
        return area_code == OUTSIDE_CITY or area_code in self._kelurahan_by_code
