"""The demo's simulated people: repeatable, distinct names, the children it promises."""

from __future__ import annotations

from gedsi_bot.areas import load_areas
from gedsi_bot.demo.cast import cast
from gedsi_bot.domain.model import Category


def test_cast_is_the_same_in_every_run() -> None:
    assert cast(30, load_areas()) == cast(30, load_areas())


def test_cast_names_are_distinct_so_zoom_records_match_one_person() -> None:
    people = cast(200, load_areas())

    assert len({person.full_name for person in people}) == 200


def test_cast_children_come_first_with_a_guardian() -> None:
    people = cast(30, load_areas(), minors=3)

    assert [person.is_minor for person in people[:4]] == [True, True, True, False]
    assert all(person.guardian for person in people[:3])
    assert all(person.category is Category.PELAJAR_FORUM_ANAK for person in people[:3])
    assert not any(person.is_minor for person in people[3:])
