"""Load the bundled list of the city's kecamatan and kelurahan."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from gedsi_bot.domain.areas import Areas, Kecamatan, Kelurahan

BUNDLED_AREAS = "kota-probolinggo-wilayah.yaml"


@cache
def load_areas(name: str = BUNDLED_AREAS) -> Areas:
    """The areas in the bundled data file ``name`` (Kemendagri codes)."""
    text = resources.files("gedsi_bot.data").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return Areas(
        city_code=str(data["kota"]["kode"]),
        city_name=str(data["kota"]["nama"]),
        kecamatan=tuple(
            Kecamatan(
                code=str(kec["kode"]),
                name=str(kec["nama"]),
                kelurahan=tuple(
                    Kelurahan(str(kel["kode"]), str(kel["nama"]), str(kec["kode"]))
                    for kel in kec["kelurahan"]
                ),
            )
            for kec in data["kecamatan"]
        ),
    )
