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
    while True:
        bounds = deduce(values, marks, relations, unpublished=unpublished, threshold=threshold)
        exposed = next(
            (key for key, mark in marks.items() if mark is Mark.SMALL and bounds[key].exact),
            None,
        )
        if exposed is None:
            return marks
        complement = _complement(exposed, values, marks, relations, rank)
        if complement is None:  # everything it is related to is hidden already
            return marks
        marks[complement] = Mark.HIDDEN


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

    line_queue: deque[int] = deque(range(len(relations.lines)))
    order_queue: deque[int] = deque(range(len(relations.at_most)))
    queued_lines = set(line_queue)
    queued_orders = set(order_queue)

    def narrow(key: K, new_low: float, new_high: float) -> None:
        if new_low <= low[key] and new_high >= high[key]:
            return
        low[key] = max(low[key], new_low)
        high[key] = min(high[key], new_high)
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
            _narrow_line(relations.lines[index], low, high, narrow)
        while order_queue:
            index = order_queue.popleft()
            queued_orders.discard(index)
            smaller, larger = relations.at_most[index]
            narrow(smaller, -math.inf, high[larger])
            narrow(larger, low[smaller], math.inf)
    return {key: Bounds(low[key], high[key]) for key in low}


def _narrow_line(
    line: Line[K],
    low: Mapping[K, float],
    high: Mapping[K, float],
    narrow: Callable[[K, float, float], None],
) -> None:
    parts_low = sum(low[part] for part in line.parts)
    finite_high = sum(high[part] for part in line.parts if high[part] != math.inf)
    infinite = sum(1 for part in line.parts if high[part] == math.inf)
    narrow(line.total, parts_low, finite_high if infinite == 0 else math.inf)
    total_low, total_high = low[line.total], high[line.total]
    for part in line.parts:
        if high[part] == math.inf:
            others_high = finite_high if infinite == 1 else math.inf
        else:
            others_high = finite_high - high[part] if infinite == 0 else math.inf
        others_low = parts_low - low[part]
        narrow(part, total_low - others_high, total_high - others_low)


def _complement(
    exposed: K,
    values: Mapping[K, int],
    marks: Mapping[K, Mark],
    relations: Relations[K],
    rank: Callable[[K], tuple[object, ...]],
) -> K | None:
    """The cell to hide so that ``exposed`` is no longer pinned down.

    Candidates are shown, non-zero cells on the lines through ``exposed``; when there are
    none, the search widens to the lines through the hidden cells met so far.
    """
    seen_cells = {exposed}
    frontier = [exposed]
    seen_lines: set[int] = set()
    while frontier:
        candidates: list[K] = []
        next_frontier: list[K] = []
        for cell in frontier:
            for index in relations.lines_of.get(cell, ()):
                if index in seen_lines:
                    continue
                seen_lines.add(index)
                line = relations.lines[index]
                for key in (line.total, *line.parts):
                    if key in seen_cells:
                        continue
                    seen_cells.add(key)
                    mark = marks.get(key)
                    if mark is Mark.SHOWN and values[key] > 0:
                        candidates.append(key)
                    else:
                        next_frontier.append(key)
        if candidates:
            return min(candidates, key=rank)
        frontier = next_frontier
    return None
