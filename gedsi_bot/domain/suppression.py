"""Small-cell suppression: counts under the threshold become "<5", and enough other cells are
hidden that no "<5" cell can be worked out exactly from the totals published with it.

The published tables are modelled as cells (each a count) and *lines*, the additive relations
a reader can see (a total and the cells that add up to it), plus *orderings* a reader knows
(``attended ≤ registered``). A reader who knows the rules knows that a "<5" cell holds 1–4 and
that a hidden cell ("x") holds at least the threshold (only such cells are ever hidden). Cells
that are never published but take part in a relation (children aged 15–17, inside the 15–19
band) are unknown to the reader, anywhere from 0 up.

``protect`` marks the small cells, then repeatedly works out what a reader can deduce — bounds
propagation over every line and ordering until nothing changes — and while some "<5" cell is
pinned to a single value it hides one more cell next to it (the finest and smallest one, never
the grand total unless nothing else is left). Bounds propagation finds every deduction that runs
along lines one at a time, which covers the ways a total gives a cell away; the tests check the
result against an exhaustive search of every table consistent with what is published.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

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


def primary_marks(values: Mapping[K, int], *, threshold: int = THRESHOLD) -> dict[K, Mark]:
    """Counts of 1 … ``threshold``-1 are small; everything else (zero too) is shown."""
    return {
        key: Mark.SMALL if 0 < value < threshold else Mark.SHOWN for key, value in values.items()
    }


def protect(
    values: Mapping[K, int],
    lines: Sequence[Line[K]],
    *,
    at_most: Sequence[tuple[K, K]] = (),
    unpublished: Collection[K] = (),
    threshold: int = THRESHOLD,
    preference: Callable[[K], tuple[object, ...]] | None = None,
) -> dict[K, Mark]:
    """The mark of every published cell in ``values``, small cells protected from the totals.

    ``lines`` relate published cells (and ``unpublished`` ones, which are never marked);
    ``at_most`` holds pairs ``(a, b)`` with ``a ≤ b``. ``preference`` orders candidate cells
    to hide, lowest first; by default the smallest count.
    """
    rank = preference if preference is not None else (lambda key: (values[key],))
    marks = primary_marks(values, threshold=threshold)
    relations = Relations(lines, at_most)

    def exposed_cell(deduction: _Deduction[K]) -> K | None:
        # The one the caller would hide first: protecting the finest cells first hides
        # rectangles inside cross tables rather than their margins.
        exposed = [
            key for key, mark in marks.items() if mark is Mark.SMALL and deduction.exact(key)
        ]
        return min(exposed, key=rank, default=None)

    added: list[K] = []
    while True:
        deduction = _deduce(values, marks, relations, unpublished, threshold)
        exposed = exposed_cell(deduction)
        if exposed is None:
            break
        complement = _complement(
            exposed,
            values=values,
            marks=marks,
            relations=relations,
            deduction=deduction,
            rank=rank,
        )
        if complement is None:  # everything it is related to is hidden already
            break
        marks[complement] = Mark.HIDDEN
        added.append(complement)
    # Cells hidden early may have become unnecessary once later ones were hidden: show again
    # every one whose absence keeps every small cell protected, the most useful first.
    for key in sorted(added, key=rank, reverse=True):
        marks[key] = Mark.SHOWN
        if exposed_cell(_deduce(values, marks, relations, unpublished, threshold)) is not None:
            marks[key] = Mark.HIDDEN
    return marks


class Relations(Generic[K]):
    """Lines and orderings, indexed by the cells they touch."""

    def __init__(self, lines: Sequence[Line[K]], at_most: Sequence[tuple[K, K]]) -> None:
        self.lines = tuple(lines)
        self.at_most = tuple(at_most)
        self.lines_of: dict[K, list[int]] = {}
        for index, line in enumerate(self.lines):
            for key in (line.total, *line.parts):
                self.lines_of.setdefault(key, []).append(index)
        self.orders_of: dict[K, list[int]] = {}
        for index, (smaller, larger) in enumerate(self.at_most):
            self.orders_of.setdefault(smaller, []).append(index)
            self.orders_of.setdefault(larger, []).append(index)

    def members(self, reason: tuple[bool, int]) -> tuple[K, ...]:
        is_line, index = reason
        if is_line:
            line = self.lines[index]
            return (line.total, *line.parts)
        return self.at_most[index]


# Why a bound is what it is: (True, line index) or (False, ordering index).
_Reason = tuple[bool, int]


@dataclass(slots=True)
class _Deduction(Generic[K]):
    low: dict[K, float]
    high: dict[K, float]
    low_reason: dict[K, _Reason]
    high_reason: dict[K, _Reason]

    def exact(self, key: K) -> bool:
        return self.low[key] == self.high[key]


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
    """Bounds propagation over every line and ordering until nothing changes."""
    low: dict[K, float] = {}
    high: dict[K, float] = {}
    for key, mark in marks.items():
        if mark is Mark.SHOWN:
            low[key] = high[key] = values[key]
        elif mark is Mark.SMALL:
            low[key], high[key] = 1, threshold - 1
        else:
            low[key], high[key] = threshold, math.inf
    for key in unpublished:
        low[key], high[key] = 0, math.inf
    found = _Deduction(low, high, {}, {})

    # Only relations with something unknown can teach a reader anything.
    unknown = {key for key in low if low[key] != high[key]}
    lively_lines = [
        index
        for index, line in enumerate(relations.lines)
        if line.total in unknown or any(part in unknown for part in line.parts)
    ]
    lively_orders = [
        index
        for index, (smaller, larger) in enumerate(relations.at_most)
        if smaller in unknown or larger in unknown
    ]
    line_queue: deque[int] = deque(lively_lines)
    order_queue: deque[int] = deque(lively_orders)
    queued_lines = set(line_queue)
    queued_orders = set(order_queue)

    def narrow(key: K, new_low: float, new_high: float, reason: _Reason) -> None:
        changed = False
        if new_low > low[key]:
            low[key] = new_low
            found.low_reason[key] = reason
            changed = True
        if new_high < high[key]:
            high[key] = new_high
            found.high_reason[key] = reason
            changed = True
        if not changed:
            return
        if low[key] > high[key]:
            raise ValueError(f"published counts contradict each other at {key!r}")
        for index in relations.lines_of.get(key, ()):
            if index not in queued_lines:
                queued_lines.add(index)
                line_queue.append(index)
        for index in relations.orders_of.get(key, ()):
            if index not in queued_orders:
                queued_orders.add(index)
                order_queue.append(index)

    while line_queue or order_queue:
        while line_queue:
            index = line_queue.popleft()
            queued_lines.discard(index)
            _narrow_line(relations.lines[index], (True, index), low, high, narrow)
        while order_queue:
            index = order_queue.popleft()
            queued_orders.discard(index)
            smaller, larger = relations.at_most[index]
            narrow(smaller, -math.inf, high[larger], (False, index))
            narrow(larger, low[smaller], math.inf, (False, index))
    return found


def _narrow_line(
    line: Line[K],
    reason: _Reason,
    low: Mapping[K, float],
    high: Mapping[K, float],
    narrow: Callable[[K, float, float, _Reason], None],
) -> None:
    parts_low = sum(low[part] for part in line.parts)
    finite_high = sum(high[part] for part in line.parts if high[part] != math.inf)
    infinite = sum(1 for part in line.parts if high[part] == math.inf)
    narrow(line.total, parts_low, finite_high if infinite == 0 else math.inf, reason)
    total_low, total_high = low[line.total], high[line.total]
    for part in line.parts:
        if high[part] == math.inf:
            others_high = finite_high if infinite == 1 else math.inf
        else:
            others_high = finite_high - high[part] if infinite == 0 else math.inf
        others_low = parts_low - low[part]
        narrow(part, total_low - others_high, total_high - others_low, reason)


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

    The deduction is walked back from the exposed cell's bounds to the lines that made them
    (through orderings and unpublished cells too); the nearest lines holding a shown,
    non-zero cell give the candidates. Failing that, any line near the cell does.
    """

    def candidate(key: K) -> bool:
        return marks.get(key) is Mark.SHOWN and values[key] > 0

    seen_cells = {exposed}
    seen_reasons: set[_Reason] = set()
    frontier = [exposed]
    while frontier:
        candidates: list[K] = []
        next_frontier: list[K] = []
        for cell in frontier:
            for reason in (deduction.low_reason.get(cell), deduction.high_reason.get(cell)):
                if reason is None or reason in seen_reasons:
                    continue
                seen_reasons.add(reason)
                for key in relations.members(reason):
                    if key != cell and candidate(key):
                        candidates.append(key)
                    if key not in seen_cells:
                        seen_cells.add(key)
                        next_frontier.append(key)
        if candidates:
            return min(candidates, key=rank)
        frontier = next_frontier
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
                for key in relations.members((True, index)):
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
