from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from gedsi_bot.domain.suppression import Bounds, Line, Mark, deduce, primary_marks, protect

# A two-way table as published: interior cells (r, c), row totals ("r", r), column totals
# ("c", c) and the grand total "T".
Key = object


def two_way(table: list[list[int]]) -> tuple[dict[Key, int], list[Line[Key]]]:
    values: dict[Key, int] = {}
    lines: list[Line[Key]] = []
    rows, cols = len(table), len(table[0])
    for r in range(rows):
        for c in range(cols):
            values[(r, c)] = table[r][c]
    for r in range(rows):
        values[("r", r)] = sum(table[r])
        lines.append(Line(("r", r), tuple((r, c) for c in range(cols))))
    for c in range(cols):
        values[("c", c)] = sum(table[r][c] for r in range(rows))
        lines.append(Line(("c", c), tuple((r, c) for r in range(rows))))
    values["T"] = sum(map(sum, table))
    lines.append(Line("T", tuple(("r", r) for r in range(rows))))
    lines.append(Line("T", tuple(("c", c) for c in range(cols))))
    return values, lines


def readable_tables(
    table: list[list[int]], marks: Mapping[Key, Mark], values: Mapping[Key, int]
) -> list[dict[Key, int]]:
    """Every table a reader who knows the rules finds consistent with what is published.

    A hidden cell holds at least 5; its upper end is capped at the grand total (or, when that
    is hidden too, a little above it: a cap only leaves out tables, so it can only make the
    check stricter).
    """
    rows, cols = len(table), len(table[0])
    cap = values["T"] + (0 if marks["T"] is Mark.SHOWN else 5)

    def allowed(key: Key) -> range:
        mark = marks[key]
        if mark is Mark.SHOWN:
            return range(values[key], values[key] + 1)
        if mark is Mark.SMALL:
            return range(5)  # every count under 5, zero too, is written "<5"
        return range(5, cap + 1)

    def fits(key: Key, value: int) -> bool:
        return value in allowed(key)

    found: list[dict[Key, int]] = []

    def fill(row: int, col: int, guess: dict[Key, int]) -> None:
        if row == rows:
            totals = {("c", c): sum(guess[(r, c)] for r in range(rows)) for c in range(cols)}
            grand = sum(totals.values())
            if all(fits(k, v) for k, v in totals.items()) and fits("T", grand):
                found.append({**guess, **totals, "T": grand})
            return
        if col == cols:
            if fits(("r", row), sum(guess[(row, c)] for c in range(cols))):
                guess[("r", row)] = sum(guess[(row, c)] for c in range(cols))
                fill(row + 1, 0, guess)
            return
        column_so_far = sum(guess[(r, col)] for r in range(row))
        column_room = max(allowed(("c", col)))
        row_room = max(allowed(("r", row))) - sum(guess[(row, c)] for c in range(col))
        for value in allowed((row, col)):
            if value > row_room or column_so_far + value > column_room:
                break
            guess[(row, col)] = value
            fill(row, col + 1, guess)
        guess.pop((row, col), None)

    fill(0, 0, {})
    return found


def test_primary_marks_write_every_count_under_five_as_small() -> None:
    marks = primary_marks({"a": 0, "b": 1, "c": 4, "d": 5, "e": 0}, known={"e"})
    assert marks == {
        "a": Mark.SMALL,
        "b": Mark.SMALL,
        "c": Mark.SMALL,
        "d": Mark.SHOWN,
        "e": Mark.SHOWN,  # a row the table leaves out because it is empty
    }


def test_total_gives_away_a_lone_small_cell_so_a_second_is_hidden() -> None:
    values = {"T": 20, "L": 2, "P": 18, "U": 0}  # U: the "unknown" column, left out as empty
    marks = protect(values, [Line("T", ("L", "P", "U"))], known={"U"})
    assert marks == {"T": Mark.SHOWN, "L": Mark.SMALL, "P": Mark.HIDDEN, "U": Mark.SHOWN}


def test_a_small_cell_beside_another_small_cell_needs_nothing_more() -> None:
    # 20 = "<5" + 18 + "<5": the two could be 2 + 0, 1 + 1 or 0 + 2.
    values = {"T": 20, "L": 2, "P": 18, "U": 0}
    marks = protect(values, [Line("T", ("L", "P", "U"))])
    assert marks == {"T": Mark.SHOWN, "L": Mark.SMALL, "P": Mark.SHOWN, "U": Mark.SMALL}


def test_a_small_cell_pinned_at_zero_is_left_alone() -> None:
    # 20 = 20 + "<5": the reader learns the group is empty, which singles no one out.
    values = {"T": 20, "L": 0, "P": 20}
    assert protect(values, [Line("T", ("L", "P"))]) == {
        "T": Mark.SHOWN,
        "L": Mark.SMALL,
        "P": Mark.SHOWN,
    }


def test_four_small_parts_of_a_small_total_do_not_give_each_other_away() -> None:
    # Four people from four kelurahan of one kecamatan: with zeros written as 0 a reader would
    # know each "<5" is 1; written as "<5" they could be anything from 0 to 4.
    values = {"kec": 4, "a": 1, "b": 1, "c": 1, "d": 1, "e": 0}
    lines = [Line("kec", ("a", "b", "c", "d", "e"))]
    marks = protect(values, lines)
    bounds = deduce(values, marks, lines)
    assert set(marks.values()) == {Mark.SMALL}
    assert not any(bounds[key].exact for key in "abcd")


def test_a_hidden_complement_of_exactly_five_still_protects() -> None:
    # 6 = "<5" + x: x is at least 5, so the small cell is 0 or 1 — not known which.
    values = {"T": 6, "L": 1, "P": 5, "U": 0}
    lines = [Line("T", ("L", "P", "U"))]
    marks = protect(values, lines, known={"U"})
    assert marks == {"T": Mark.SHOWN, "L": Mark.SMALL, "P": Mark.HIDDEN, "U": Mark.SHOWN}
    assert deduce(values, marks, lines)["L"] == Bounds(0, 1)


def test_two_small_cells_at_the_edge_of_their_range_are_protected() -> None:
    # 8 = 4 + 4 with nothing else: "<5" and "<5" adding to 8 means both are 4.
    values = {"T": 8, "a": 4, "b": 4}
    marks = protect(values, [Line("T", ("a", "b"))])
    bounds = deduce(values, marks, [Line("T", ("a", "b"))])
    assert not bounds["a"].exact
    assert marks["T"] is Mark.HIDDEN


def test_orderings_between_measures_are_used() -> None:
    # attended ≤ registered: registered "<5" bounded above by 2 and attended ≥ 2 pins both.
    values = {"R": 2, "A": 2, "RT": 7, "AT": 2, "Ro": 5, "Ao": 0}
    lines = [Line("RT", ("R", "Ro")), Line("AT", ("A", "Ao"))]
    marks = protect(values, lines, at_most=[("A", "R"), ("Ao", "Ro"), ("AT", "RT")])
    bounds = deduce(
        values,
        marks,
        lines,
    )
    assert marks["R"] is Mark.SMALL
    assert not bounds["R"].exact


def test_unpublished_cells_are_unknown_to_the_reader() -> None:
    # children = under-15s + children aged 15-17 (never published): the small under-15 count
    # is safe because the unpublished part could be anything.
    values = {"children": 9, "under15": 3}
    marks = protect(
        values, [Line("children", ("under15", "hidden1517"))], unpublished=["hidden1517"]
    )
    assert marks == {"children": Mark.SHOWN, "under15": Mark.SMALL}


def test_nothing_is_hidden_when_every_cell_is_large_or_zero() -> None:
    values, lines = two_way([[10, 0, 7], [5, 12, 0]])
    marks = protect(values, lines)
    assert Mark.HIDDEN not in marks.values()
    assert [key for key, mark in marks.items() if mark is Mark.SMALL] == [(0, 1), (1, 2)]


def test_a_small_cell_pinned_only_by_combined_inequalities_is_protected() -> None:
    # Row 2 (5), column 0 (6) and the grand total (7) shown: rows 0 and 1 hold 2, so the two
    # "<5" cells above (2, 0) add up to at most 2 and (2, 0) is at least 4, its largest value.
    # Bounds propagation misses this; the exact audit hides column 0.
    table = [[0, 0, 0], [2, 0, 0], [4, 1, 0]]
    values, lines = two_way(table)
    interior = {key: isinstance(key, tuple) and key[0] not in ("r", "c") for key in values}
    marks = protect(
        values,
        lines,
        preference=lambda key: (key == "T", not interior[key], values[key], repr(key)),
    )
    hidden = [key for key, mark in marks.items() if mark is Mark.HIDDEN]
    shown = [key for key, mark in marks.items() if mark is Mark.SHOWN]
    assert hidden == [("c", 0)]
    assert shown == [("r", 2), "T"]
    tables = readable_tables(table, marks, values)
    assert sorted({guess[(2, 0)] for guess in tables}) == [3, 4]
    assert sorted({guess[(1, 0)] for guess in tables}) == [0, 1, 2]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 3).flatmap(
        lambda cols: st.lists(
            st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 8]), min_size=cols, max_size=cols),
            min_size=2,
            max_size=3,
        )
    )
)
def test_no_small_cell_of_a_two_way_table_can_be_worked_out(table: list[list[int]]) -> None:
    """No "<5" cell holding 1-4 can be pinned down by any table consistent with what is shown."""
    values, lines = two_way(table)
    interior_first = {key: (isinstance(key, tuple) and key[0] not in ("r", "c")) for key in values}
    marks = protect(
        values,
        lines,
        preference=lambda key: (key == "T", not interior_first[key], values[key], repr(key)),
    )
    tables = readable_tables(table, marks, values)
    assert tables, "the true table must be among those a reader finds"
    for key, mark in marks.items():
        if mark is Mark.SMALL and values[key] > 0:
            assert len({guess[key] for guess in tables}) >= 2, (table, key, marks)


def other_values(
    values: Mapping[Key, int],
    marks: Mapping[Key, Mark],
    lines: list[Line[Key]],
    at_most: list[tuple[Key, Key]],
    key: Key,
) -> bool:
    """Whether one CP-SAT model of the whole table, read exactly, lets ``key`` take another
    value — independent of how ``protect`` splits and remembers its reading."""
    model = cp_model.CpModel()
    cap = 2 * sum(values.values()) + 5
    cells = {
        cell: model.new_int_var(
            *{
                Mark.SHOWN: (value, value),
                Mark.SMALL: (0, 4),
                Mark.HIDDEN: (5, cap),
            }[marks[cell]],
            repr(cell),
        )
        for cell, value in values.items()
    }
    for line in lines:
        model.add(cells[line.total] == sum(cells[part] for part in line.parts))
    for smaller, larger in at_most:
        model.add(cells[smaller] <= cells[larger])
    model.add(cells[key] != values[key])
    return cp_model.CpSolver().solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 3).flatmap(
        lambda cols: st.lists(
            st.lists(
                st.tuples(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9]), st.integers(0, 3)),
                min_size=cols,
                max_size=cols,
            ),
            min_size=2,
            max_size=3,
        )
    )
)
def test_no_small_cell_of_two_ordered_tables_can_be_worked_out(
    table: list[list[tuple[int, int]]],
) -> None:
    """Registered and attended (at most registered, cell by cell): no "<5" cell holding 1-4
    can be pinned down by an exact reader of both tables and the orderings together."""
    registered, registered_lines = two_way([[count for count, _ in row] for row in table])
    attended, attended_lines = two_way(
        [[max(count - absent, 0) for count, absent in row] for row in table]
    )
    values = {("R", key): value for key, value in registered.items()}
    values |= {("A", key): value for key, value in attended.items()}
    lines = [
        Line((measure, line.total), tuple((measure, part) for part in line.parts))
        for measure, measure_lines in (("R", registered_lines), ("A", attended_lines))
        for line in measure_lines
    ]
    at_most: list[tuple[Key, Key]] = [(("A", key), ("R", key)) for key in registered]
    marks = protect(values, lines, at_most=at_most)
    for key, mark in marks.items():
        if mark is Mark.SMALL and values[key] > 0:
            assert other_values(values, marks, lines, at_most, key), (table, key, marks)
