"""Small-cell suppression: counts under the threshold become "<5", and enough other cells are
hidden that no "<5" cell can be worked out exactly from the totals published with it.

The published tables are modelled as cells (each a count) and *lines*, the additive relations
a reader can see (a total and the cells that add up to it), plus *orderings* a reader knows
(``attended ≤ registered``). Every count under the threshold, zero included, is published as
"<5", so a reader who knows the rules knows that a "<5" cell holds 0–4 — were zeros shown as
0, four "<5" parts of a "<5" total would each have to be 1. A hidden cell ("x") holds at least
the threshold (only such cells are ever hidden). Cells known to be empty because the table
leaves them out (no one of unknown sex) count as published zeros. Cells
that are never published but take part in a relation (children aged 15–17, inside the 15–19
band) are unknown to the reader, anywhere from 0 up.

``protect`` marks the small cells, then repeatedly works out what a reader can deduce, and
while some "<5" cell is pinned to a single value it hides one more cell on the way the reader
got there (the finest and smallest one, never the grand total unless nothing else is left).
At the end, every hidden cell that turned out unnecessary is shown again.

The reader's deductions are modelled as bounds propagation over every line, every ordering and
every equation Gaussian elimination derives from the lines (so "rows 1 and 2 together make 3,
and so does column 3" is found too), repeated until nothing changes. That covers what totals
give away; it is not a complete linear-programming audit, and the tests check it against an
exhaustive search of every table consistent with what is published.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Generic, TypeVar

from ortools.sat.python import cp_model

K = TypeVar("K", bound=Hashable)

THRESHOLD = 5


class Mark(StrEnum):
    """How a count is published."""

    SHOWN = "shown"
    SMALL = "small"  # 1 … threshold-1, published as "<5"
    HIDDEN = "hidden"  # hidden so that a small cell cannot be derived, published as "x"


@dataclass(frozen=True, slots=True)
class Line(Generic[K]):
    """A relation readers can see: ``total`` is the sum of ``parts``."""

    total: K
    parts: tuple[K, ...]


@dataclass(frozen=True, slots=True)
class Bounds:
    low: float
    high: float

    @property
    def exact(self) -> bool:
        return self.low == self.high


def primary_marks(
    values: Mapping[K, int], *, threshold: int = THRESHOLD, known: Collection[K] = ()
) -> dict[K, Mark]:
    """Counts under ``threshold`` (zero too) are small, except ``known`` ones; the rest shown."""
    return {
        key: Mark.SMALL if value < threshold and key not in known else Mark.SHOWN
        for key, value in values.items()
    }


def protect(
    values: Mapping[K, int],
    lines: Sequence[Line[K]],
    *,
    at_most: Sequence[tuple[K, K]] = (),
    unpublished: Collection[K] = (),
    threshold: int = THRESHOLD,
    preference: Callable[[K], tuple[object, ...]] | None = None,
    hidden: Collection[K] = (),
    known: Collection[K] = (),
) -> dict[K, Mark]:
    """The mark of every published cell in ``values``, small cells protected from the totals.

    ``lines`` relate published cells (and ``unpublished`` ones, which are never marked);
    ``at_most`` holds pairs ``(a, b)`` with ``a ≤ b``. ``preference`` orders candidate cells
    to hide, lowest first; by default the smallest count. ``hidden`` cells are hidden from
    the start (the result of protecting part of the table on its own); ``known`` cells are
    shown whatever their count (empty rows a table leaves out).

    A small cell is protected when a reader cannot pin it to one value — unless that value is
    0: learning that a group is empty singles no one out.
    """
    rank = preference if preference is not None else (lambda key: (values[key],))
    marks = primary_marks(values, threshold=threshold, known=known)
    for key in hidden:
        if marks.get(key) is Mark.SHOWN and values[key] > 0:
            marks[key] = Mark.HIDDEN
    relations = Relations(lines, at_most)

    def exposed_cell(deduction: _Deduction[K]) -> K | None:
        # The one the caller would hide first: protecting the finest cells first hides
        # rectangles inside cross tables rather than their margins.
        exposed = [
            key
            for key, mark in marks.items()
            if mark is Mark.SMALL and values[key] > 0 and deduction.exact(key)
        ]
        return min(exposed, key=rank, default=None)

    def candidate(key: K) -> bool:
        return marks.get(key) is Mark.SHOWN and values[key] > 0

    added: list[K] = []
    free: set[K] = set()
    while True:
        deduction = _deduce(values, marks, relations, unpublished, threshold)
        exposed = exposed_cell(deduction)
        if exposed is not None:
            complement = _complement(
                exposed,
                values=values,
                marks=marks,
                relations=relations,
                deduction=deduction,
                rank=rank,
            )
        else:
            # Bounds propagation misses what a reader gets by combining inequalities; the
            # exact audit does not. Hiding more only widens what a reader must consider, so
            # cells found free stay free.
            exposed = min(
                _pinned(values, marks, relations, unpublished, threshold, free=free),
                key=rank,
                default=None,
            )
            if exposed is None:
                break
            complement = _nearest_shown(exposed, marks, relations, candidate, rank)
        if complement is None:  # everything it is related to is hidden already
            break
        marks[complement] = Mark.HIDDEN
        added.append(complement)
    # Cells hidden early may have become unnecessary once later ones were hidden: show again
    # every one whose absence keeps every small cell protected, the most useful first.
    for key in sorted(added, key=rank, reverse=True):
        marks[key] = Mark.SHOWN
        if exposed_cell(_deduce(values, marks, relations, unpublished, threshold)) is not None or (
            # Showing a cell narrows only the groups it was part of: re-audit those afresh.
            _pinned(values, marks, relations, unpublished, threshold, free=set(), near=key)
        ):
            marks[key] = Mark.HIDDEN
    return marks


def _pinned(
    values: Mapping[K, int],
    marks: Mapping[K, Mark],
    relations: Relations[K],
    unpublished: Collection[K],
    threshold: int,
    *,
    free: set[K],
    near: K | None = None,
) -> list[K]:
    """The non-zero small cells an exact reader can pin to one value.

    For each such cell CP-SAT looks for an integer table consistent with everything published
    (shown cells as they are, small ones 0 to threshold-1, hidden ones from threshold up,
    unpublished ones from 0 up, every line adding up, every ordering kept) in which the cell
    holds another value. The shown cells are constants, so the search is split into groups of
    unknown cells tied together by lines and orderings; a table found for one cell clears
    every other cell it also changes. Hidden and unpublished cells are capped far above any
    count: a cap only leaves tables out, so it can only make the audit stricter. Undecided
    searches count as pinned.

    ``free`` holds cells already known to take two values; the caller keeps it only while
    cells are hidden, never shown. With ``near``, only the groups ``near`` was part of are
    audited (the rest are as they were).
    """
    unknown = {key for key, mark in marks.items() if mark is not Mark.SHOWN} | set(unpublished)
    parent: dict[K, K] = {key: key for key in unknown}

    def find(key: K) -> K:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    constraints: list[tuple[K, ...]] = [
        relations.line_members(index) for index in range(len(relations.lines))
    ]
    constraints += list(relations.at_most)
    for members in constraints:
        inside = [key for key in members if key in unknown]
        for key in inside[1:]:
            parent[find(key)] = find(inside[0])
    groups: dict[K, list[int]] = {}
    for index, members in enumerate(constraints):
        inside = [key for key in members if key in unknown]
        if inside:
            groups.setdefault(find(inside[0]), []).append(index)
    wanted: set[K] | None = None
    if near is not None:
        wanted = {
            find(key)
            for members in constraints
            if near in members
            for key in members
            if key in unknown
        }
    targets = [
        key
        for key, mark in marks.items()
        if mark is Mark.SMALL
        and values[key] > 0
        and key not in free
        and (wanted is None or find(key) in wanted)
    ]
    cap = 2 * sum(max(value, 0) for value in values.values()) + threshold * (len(unknown) + 1)
    pinned: list[K] = []
    for target in targets:
        if target in free:
            continue
        found = _other_table(
            target,
            [
                (index < len(relations.lines), constraints[index])
                for index in groups.get(find(target), ())
            ],
            values=values,
            marks=marks,
            unknown=unknown,
            threshold=threshold,
            cap=cap,
        )
        if found is None:
            pinned.append(target)
        else:
            free.update(
                key for key, value in found.items() if key in values and value != values[key]
            )
    return pinned


def _other_table(
    target: K,
    constraints: Sequence[tuple[bool, tuple[K, ...]]],
    *,
    values: Mapping[K, int],
    marks: Mapping[K, Mark],
    unknown: Collection[K],
    threshold: int,
    cap: int,
) -> dict[K, int] | None:
    """The unknown cells of a consistent table in which ``target`` is not its true value.

    ``constraints`` are lines (flagged True, total first) and orderings (smaller first).
    """
    model = cp_model.CpModel()
    cells: dict[K, cp_model.IntVar] = {}

    def var(key: K) -> cp_model.IntVar | int:
        if key not in unknown:
            return values[key]
        if key not in cells:
            mark = marks.get(key)
            if mark is Mark.SMALL:
                low, high = 0, threshold - 1
            elif mark is Mark.HIDDEN:
                low, high = threshold, cap
            else:
                low, high = 0, cap
            cells[key] = model.new_int_var(low, high, "")
        return cells[key]

    for is_line, members in constraints:
        if is_line:  # total = sum of the parts
            model.add(var(members[0]) == sum(var(part) for part in members[1:]))
        else:  # smaller ≤ larger
            model.add(var(members[0]) <= var(members[1]))
    var(target)
    other = model.new_bool_var("")
    model.add(cells[target] != values[target]).only_enforce_if(other)
    model.add_assumptions([other])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    if solver.solve(model) not in (cp_model.FEASIBLE, cp_model.OPTIMAL):
        return None
    return {key: solver.value(x) for key, x in cells.items()}


class Relations(Generic[K]):
    """Lines and orderings, indexed by the cells they touch."""

    def __init__(self, lines: Sequence[Line[K]], at_most: Sequence[tuple[K, K]]) -> None:
        self.lines = tuple(lines)
        self.at_most = tuple(at_most)
        self.equations = [
            _Equation(
                ((line.total, 1), *((part, -1) for part in line.parts)), 0, frozenset({index})
            )
            for index, line in enumerate(self.lines)
        ]
        self.orders_of: dict[K, list[int]] = {}
        for index, (smaller, larger) in enumerate(self.at_most):
            self.orders_of.setdefault(smaller, []).append(index)
            self.orders_of.setdefault(larger, []).append(index)
        self.lines_of: dict[K, list[int]] = {}
        for index, line in enumerate(self.lines):
            for key in (line.total, *line.parts):
                self.lines_of.setdefault(key, []).append(index)

    def line_members(self, index: int) -> tuple[K, ...]:
        line = self.lines[index]
        return (line.total, *line.parts)


Number = int | Fraction
_Value = float | Fraction  # a bound: a whole number, a fraction on the way, or ±infinity


@dataclass(frozen=True, slots=True)
class _Equation(Generic[K]):
    """Σ coefficient × cell = constant, derived from the published lines ``sources``."""

    terms: tuple[tuple[K, Number], ...]
    constant: Number
    sources: frozenset[int]


# Why a bound is what it is: (_ORDER, ordering index) or (_EQUATION, equation index).
_ORDER, _EQUATION = 0, 1
_Reason = tuple[int, int]


@dataclass(slots=True)
class _Deduction(Generic[K]):
    low: dict[K, float]
    high: dict[K, float]
    low_reason: dict[K, _Reason]
    high_reason: dict[K, _Reason]
    equations: list[_Equation[K]]

    def exact(self, key: K) -> bool:
        return self.low[key] == self.high[key]

    def members(self, reason: _Reason, relations: Relations[K]) -> list[K]:
        """The cells of the published relations behind ``reason``."""
        kind, index = reason
        if kind == _ORDER:
            return list(relations.at_most[index])
        found: list[K] = []
        for source in sorted(self.equations[index].sources):
            found += relations.line_members(source)
        return found


def deduce(
    values: Mapping[K, int],
    marks: Mapping[K, Mark],
    relations: Relations[K] | Sequence[Line[K]],
    *,
    unpublished: Collection[K] = (),
    threshold: int = THRESHOLD,
) -> dict[K, Bounds]:
    """What a reader can work out about every cell from the published marks and values."""
    if not isinstance(relations, Relations):
        relations = Relations(relations, ())
    found = _deduce(values, marks, relations, unpublished, threshold)
    return {key: Bounds(found.low[key], found.high[key]) for key in found.low}


def _deduce(
    values: Mapping[K, int],
    marks: Mapping[K, Mark],
    relations: Relations[K],
    unpublished: Collection[K],
    threshold: int,
) -> _Deduction[K]:
    """Bounds propagation over lines, orderings and eliminated equations until nothing changes."""
    low: dict[K, float] = {}
    high: dict[K, float] = {}
    for key, mark in marks.items():
        if mark is Mark.SHOWN:
            low[key] = high[key] = values[key]
        elif mark is Mark.SMALL:
            low[key], high[key] = 0, threshold - 1
        else:
            low[key], high[key] = threshold, math.inf
    for key in unpublished:
        low[key], high[key] = 0, math.inf
    reader = _Reader(_Deduction(low, high, {}, {}, list(relations.equations)), relations)
    return reader.run()


class _Reader(Generic[K]):
    """A reader narrowing every cell's bounds, remembering why each bound is what it is."""

    def __init__(self, found: _Deduction[K], relations: Relations[K]) -> None:
        self.found = found
        self.relations = relations
        self.equations_of: dict[K, list[int]] = {}
        for index in range(len(found.equations)):
            self._index(index)
        self.equation_queue: deque[int] = deque()
        self.order_queue: deque[int] = deque()
        self.queued_equations: set[int] = set()
        self.queued_orders: set[int] = set()

    def _index(self, index: int) -> None:
        for key, _ in self.found.equations[index].terms:
            self.equations_of.setdefault(key, []).append(index)

    def _unknown(self) -> frozenset[K]:
        low, high = self.found.low, self.found.high
        return frozenset(key for key in low if low[key] != high[key])

    def _enqueue_equation(self, index: int) -> None:
        if index not in self.queued_equations:
            self.queued_equations.add(index)
            self.equation_queue.append(index)

    def _enqueue_order(self, index: int) -> None:
        if index not in self.queued_orders:
            self.queued_orders.add(index)
            self.order_queue.append(index)

    def run(self) -> _Deduction[K]:
        # Only relations with something unknown can teach a reader anything.
        unknown = self._unknown()
        for index, equation in enumerate(self.found.equations):
            if any(key in unknown for key, _ in equation.terms):
                self._enqueue_equation(index)
        for index, (smaller, larger) in enumerate(self.relations.at_most):
            if smaller in unknown or larger in unknown:
                self._enqueue_order(index)
        self._propagate()
        while True:
            before = self._unknown()
            for equation in _eliminate(self.relations.equations, self.found.low, before):
                self.found.equations.append(equation)
                self._index(len(self.found.equations) - 1)
                self._enqueue_equation(len(self.found.equations) - 1)
            self._propagate()
            if self._unknown() == before:
                return self.found

    def narrow(self, key: K, new_low: float, new_high: float, reason: _Reason) -> None:
        found = self.found
        changed = False
        if new_low > found.low[key]:
            found.low[key] = new_low
            found.low_reason[key] = reason
            changed = True
        if new_high < found.high[key]:
            found.high[key] = new_high
            found.high_reason[key] = reason
            changed = True
        if not changed:
            return
        if found.low[key] > found.high[key]:
            raise ValueError(f"published counts contradict each other at {key!r}")
        for index in self.equations_of.get(key, ()):
            self._enqueue_equation(index)
        for index in self.relations.orders_of.get(key, ()):
            self._enqueue_order(index)

    def _propagate(self) -> None:
        found = self.found
        while self.equation_queue or self.order_queue:
            while self.equation_queue:
                index = self.equation_queue.popleft()
                self.queued_equations.discard(index)
                equation = found.equations[index]
                _narrow_equation(equation, (_EQUATION, index), found.low, found.high, self.narrow)
            while self.order_queue:
                index = self.order_queue.popleft()
                self.queued_orders.discard(index)
                smaller, larger = self.relations.at_most[index]
                self.narrow(smaller, -math.inf, found.high[larger], (_ORDER, index))
                self.narrow(larger, found.low[smaller], math.inf, (_ORDER, index))


def _narrow_equation(
    equation: _Equation[K],
    reason: _Reason,
    low: Mapping[K, float],
    high: Mapping[K, float],
    narrow: Callable[[K, float, float, _Reason], None],
) -> None:
    """Each cell's range from the others': coefficient × cell = constant - the rest."""
    spans: list[tuple[K, Number, _Value, _Value]] = []
    finite_low: _Value = 0
    finite_high: _Value = 0
    low_infinite = high_infinite = 0
    for key, coefficient in equation.terms:
        at_low: _Value = coefficient * low[key]
        at_high: _Value = coefficient * high[key]
        term_low, term_high = min(at_low, at_high), max(at_low, at_high)
        spans.append((key, coefficient, term_low, term_high))
        if term_low == -math.inf:
            low_infinite += 1
        else:
            finite_low += term_low
        if term_high == math.inf:
            high_infinite += 1
        else:
            finite_high += term_high
    for key, coefficient, term_low, term_high in spans:
        rest_low: _Value
        rest_high: _Value
        if term_low == -math.inf:
            rest_low = -math.inf if low_infinite > 1 else finite_low
        else:
            rest_low = -math.inf if low_infinite else finite_low - term_low
        if term_high == math.inf:
            rest_high = math.inf if high_infinite > 1 else finite_high
        else:
            rest_high = math.inf if high_infinite else finite_high - term_high
        one: _Value = (equation.constant - rest_high) / coefficient
        other: _Value = (equation.constant - rest_low) / coefficient
        new_low, new_high = min(one, other), max(one, other)
        narrow(
            key,
            math.ceil(new_low) if new_low != -math.inf else -math.inf,
            math.floor(new_high) if new_high != math.inf else math.inf,
            reason,
        )


def _eliminate(
    equations: Sequence[_Equation[K]],
    low: Mapping[K, float],
    unknown: frozenset[K],
) -> list[_Equation[K]]:
    """The reduced row echelon form of the lines over the cells still unknown.

    Known cells become constants; each resulting equation remembers the published lines it
    was combined from.
    """
    pivots: dict[K, tuple[dict[K, Fraction], Fraction, frozenset[int]]] = {}
    for equation in equations:
        terms: dict[K, Fraction] = {}
        constant = Fraction(equation.constant)
        for key, coefficient in equation.terms:
            if key in unknown:
                terms[key] = terms.get(key, Fraction(0)) + coefficient
            else:
                constant -= coefficient * Fraction(int(low[key]))
        sources = equation.sources
        for key in [key for key in terms if key in pivots]:
            factor = terms.get(key, Fraction(0))
            if factor == 0:
                continue
            pivot_terms, pivot_constant, pivot_sources = pivots[key]
            for other, value in pivot_terms.items():
                terms[other] = terms.get(other, Fraction(0)) - factor * value
            constant -= factor * pivot_constant
            sources |= pivot_sources
        terms = {key: value for key, value in terms.items() if value != 0}
        if not terms:
            continue
        pivot = next(iter(terms))
        scale = terms[pivot]
        terms = {key: value / scale for key, value in terms.items()}
        constant /= scale
        for key, (other_terms, other_constant, other_sources) in list(pivots.items()):
            factor = other_terms.get(pivot, Fraction(0))
            if factor == 0:
                continue
            for term, value in terms.items():
                other_terms[term] = other_terms.get(term, Fraction(0)) - factor * value
            pivots[key] = (
                {k: v for k, v in other_terms.items() if v != 0},
                other_constant - factor * constant,
                other_sources | sources,
            )
        pivots[pivot] = (terms, constant, sources)
    return [
        _Equation(tuple(terms.items()), constant, sources)
        for terms, constant, sources in pivots.values()
    ]


def _complement(
    exposed: K,
    *,
    values: Mapping[K, int],
    marks: Mapping[K, Mark],
    relations: Relations[K],
    deduction: _Deduction[K],
    rank: Callable[[K], tuple[object, ...]],
) -> K | None:
    """The cell to hide so that ``exposed`` is no longer pinned down.

    The deduction is walked back from the exposed cell's bounds to the published relations
    that made them, through hidden and unpublished cells whose own bounds were deduced in
    turn. Every shown, non-zero cell met is a candidate; the preferred one wins, the nearest
    among equals (a cell the caller wants kept is hidden only when nothing else is on the
    path). Failing that, any line near the cell gives the candidates.
    """

    def candidate(key: K) -> bool:
        return marks.get(key) is Mark.SHOWN and values[key] > 0

    depth_of: dict[K, int] = {}
    seen_cells = {exposed}
    seen_reasons: set[_Reason] = set()
    frontier = [exposed]
    depth = 0
    while frontier:
        next_frontier: list[K] = []
        for cell in frontier:
            for reason in (deduction.low_reason.get(cell), deduction.high_reason.get(cell)):
                if reason is None or reason in seen_reasons:
                    continue
                seen_reasons.add(reason)
                for key in deduction.members(reason, relations):
                    if key == cell:
                        continue
                    if candidate(key):
                        depth_of.setdefault(key, depth)
                    elif key not in seen_cells:
                        seen_cells.add(key)
                        next_frontier.append(key)
        frontier = next_frontier
        depth += 1
    if depth_of:
        return min(depth_of, key=lambda key: (rank(key), depth_of[key]))
    return _nearest_shown(exposed, marks, relations, candidate, rank)


def _nearest_shown(
    exposed: K,
    marks: Mapping[K, Mark],
    relations: Relations[K],
    candidate: Callable[[K], bool],
    rank: Callable[[K], tuple[object, ...]],
) -> K | None:
    """The preferred shown cell on the lines nearest to ``exposed``."""
    seen_cells = {exposed}
    seen_lines: set[int] = set()
    frontier = [exposed]
    while frontier:
        candidates: list[K] = []
        next_frontier: list[K] = []
        for cell in frontier:
            for index in relations.lines_of.get(cell, ()):
                if index in seen_lines:
                    continue
                seen_lines.add(index)
                for key in relations.line_members(index):
                    if key in seen_cells:
                        continue
                    seen_cells.add(key)
                    if candidate(key):
                        candidates.append(key)
                    elif marks.get(key) is not Mark.SHOWN:
                        next_frontier.append(key)
        if candidates:
            return min(candidates, key=rank)
        frontier = next_frontier
    return None
