from gedsi_bot.areas import load_areas
from gedsi_bot.domain.areas import OUTSIDE_CITY


def test_city_has_five_kecamatan_and_twenty_nine_kelurahan() -> None:
    areas = load_areas()
    assert areas.city_code == "35.74"
    assert len(areas.kecamatan) == 5
    assert sum(len(kec.kelurahan) for kec in areas.kecamatan) == 29


def test_kelurahan_maps_to_its_kecamatan() -> None:
    areas = load_areas()
    assert areas.kelurahan("35.74.03.1004").name == "Jati"
    kecamatan = areas.kecamatan_of("35.74.03.1004")
    assert kecamatan is not None
    assert kecamatan.name == "Mayangan"
    assert areas.kecamatan_of(OUTSIDE_CITY) is None


def test_area_codes_are_checked() -> None:
    areas = load_areas()
    assert areas.is_valid_area(OUTSIDE_CITY)
    assert areas.is_valid_area("35.74.05.1005")
    assert not areas.is_valid_area("35.74.09.9999")
