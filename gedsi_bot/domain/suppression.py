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

The reader is exact: a "<5" cell is safe when some whole-number table consistent with
everything published (every line adding up, every ordering kept, every mark respected) gives
it another value. Shown cells are constants, so the tables split into *groups*: unknown cells
tied together by lines and orderings, each read on its own. Bounds propagation over a group's
relations is sound and cheap, so what it pins needs no search; for the rest CP-SAT searches
for tables in which small cells take other values. Every table found is kept: it goes on
proving the cells it changes free for as long as none of its cells is shown. A group's
verdict is kept too, so hiding or showing one cell re-reads only the groups it touches.

``protect`` marks the small cells, then, while some "<5" cell is pinned to a single value,
hides one more cell on the way the reader got there (the finest and smallest one, never the
grand total unless nothing else is left). At the end, every hidden cell that turned out
unnecessary is shown again.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from ortools.sat.python import cp_model

K = TypeVar("K", bound=Hashable)

THRESHOLD = 5

# Up to this many small cells of a group are searched for one by one, more are pushed at once.
_FEW = 8


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
    audit = _Audit(values, lines, at_most, unpublished, threshold)
    added: list[K] = []
    while True:
        exposed = min(audit.pinned(marks), key=rank, default=None)
        if exposed is None:
            break
        complement = audit.complement(exposed, marks, rank)
        if not complement:  # everything it is related to is hidden already
            break
        for key in complement:
            audit.mark(marks, key, Mark.HIDDEN)
        added += complement
    # Cells hidden early may have become unnecessary once later ones were hidden: show again
    # every one whose absence keeps every small cell protected, the most useful first.
    # Showing a cell narrows only the groups it was part of.
    for key in sorted(added, key=rank, reverse=True):
        audit.mark(marks, key, Mark.SHOWN)
        if audit.pinned(marks, near=key):
            audit.mark(marks, key, Mark.HIDDEN)
    return marks


class _Audit(Generic[K]):
    """An exact reader of the published tables, group by group.

    Every table it finds is kept as a *move*: the cells it gives other values than the true
    ones. A move stays a consistent table for as long as none of its cells is shown, so it
    keeps proving the small cells it moves free without another search. A group's verdict
    depends only on which of its cells are unknown (small and unpublished cells never change,
    so every other unknown cell is hidden): verdicts are kept by that set of cells.
    """

    def __init__(
        self,
        values: Mapping[K, int],
        lines: Sequence[Line[K]],
        at_most: Sequence[tuple[K, K]],
        unpublished: Collection[K],
        threshold: int,
    ) -> None:
        self.values = values
        self.threshold = threshold
        self.unpublished = frozenset(unpublished)
        # Lines (flagged True, total first) and orderings (smaller first).
        self.relations: list[tuple[bool, tuple[K, ...]]] = [
            (True, (line.total, *line.parts)) for line in lines
        ]
        self.relations += [(False, pair) for pair in at_most]
        self.relations_of: dict[K, list[int]] = {}
        for index, (_, members) in enumerate(self.relations):
            for key in dict.fromkeys(members):
                self.relations_of.setdefault(key, []).append(index)
        # Hidden and unpublished cells are capped far above any count: a cap only leaves
        # tables out, so it can only make the audit stricter.
        self.cap = 2 * sum(max(value, 0) for value in values.values())
        self.cap += threshold * (len(values) + len(self.unpublished) + 1)
        self.verdicts: dict[frozenset[K], frozenset[K]] = {}
        # Kept tables: the cells each changes, and how many of those are shown by now.
        self.moves_of: dict[K, list[int]] = {}
        self.shown_in_move: list[int] = []

    def unknown(self, key: K, marks: Mapping[K, Mark]) -> bool:
        return key in self.unpublished or marks[key] is not Mark.SHOWN

    def target(self, key: K, marks: Mapping[K, Mark]) -> bool:
        """A cell that must not be pinned: small and not empty."""
        return key not in self.unpublished and marks[key] is Mark.SMALL and self.values[key] > 0

    def moved(self, key: K) -> bool:
        """Whether a kept table still gives ``key`` another value."""
        return any(self.shown_in_move[index] == 0 for index in self.moves_of.get(key, ()))

    def mark(self, marks: dict[K, Mark], key: K, mark: Mark) -> None:
        """Hide a shown cell or show a hidden one, keeping track of the tables it breaks."""
        if mark is marks[key]:
            return
        step = 1 if mark is Mark.SHOWN else -1
        for index in self.moves_of.get(key, ()):
            self.shown_in_move[index] += step
        marks[key] = mark

    def pinned(self, marks: Mapping[K, Mark], *, near: K | None = None) -> list[K]:
        """Non-zero small cells an exact reader can pin to one value; empty when there are
        none. When bounds propagation pins some, those are enough.

        With ``near``, only the groups ``near`` touches are audited (the rest are as they
        were).
        """
        if near is None:
            seeds: Iterable[K] = (key for key in marks if self.target(key, marks))
        else:
            seeds = [
                key
                for index in self.relations_of.get(near, ())
                for key in self.relations[index][1]
                if self.unknown(key, marks)
            ]
        seen: set[K] = set()
        found: list[K] = []
        for seed in seeds:
            if seed in seen or (near is None and self.moved(seed)):
                continue
            group = self.group(seed, marks)
            seen.update(group)
            signature = frozenset(group)
            verdict = self.verdicts.get(signature)
            if verdict is None:
                verdict = self._read(group, marks)
                self.verdicts[signature] = verdict
            found += verdict
        return found

    def group(self, start: K, marks: Mapping[K, Mark]) -> list[K]:
        """The unknown cells tied to unknown ``start`` by lines and orderings."""
        group = [start]
        seen = {start}
        walked: set[int] = set()
        for cell in group:  # grows while it is walked
            for index in self.relations_of.get(cell, ()):
                if index in walked:
                    continue
                walked.add(index)
                for key in self.relations[index][1]:
                    if key not in seen and self.unknown(key, marks):
                        seen.add(key)
                        group.append(key)
        return group

    def _read(self, group: list[K], marks: Mapping[K, Mark]) -> frozenset[K]:
        """Targets of ``group`` that every consistent table gives their true value: those
        bounds propagation already pins, if any (the caller protects them first and asks
        again), otherwise all of them.

        A model asks for a table in which at least one target not yet moved by a kept table
        differs from its true value; every target such a table changes is free; again, until
        no such table exists (or none is found in time: the rest count as pinned).
        """
        open_ = [key for key in group if self.target(key, marks) and not self.moved(key)]
        if not open_:
            return frozenset()
        # Bounds propagation is sound and cheap: what it pins is pinned, no search needed.
        low, high, _ = self._propagate(group, marks)
        stuck = frozenset(key for key in open_ if low[key] == high[key])
        if stuck:
            return stuck
        model, cells = self._model(group, marks)
        solver = _solver()
        if len(open_) > _FEW:
            open_ = self._push(open_, model, cells, solver)
        other = {key: model.new_bool_var("") for key in open_}
        for key, flag in other.items():
            model.add(cells[key] != self.values[key]).only_enforce_if(flag)
        model.add_bool_or(list(other.values()))
        while open_:
            model.clear_assumptions()
            model.add_assumptions([~flag for key, flag in other.items() if key not in open_])
            if solver.solve(model) not in (cp_model.FEASIBLE, cp_model.OPTIMAL):
                break
            open_ = self._keep(open_, cells, solver)
        return frozenset(open_)

    def _push(
        self,
        open_: list[K],
        model: cp_model.CpModel,
        cells: Mapping[K, cp_model.IntVar],
        solver: cp_model.CpSolver,
    ) -> list[K]:
        """The targets left after pushing them all away from their true values at once.

        One search per target can take as long as the whole: a table pushing every open
        target towards the far end of its range (then the other way) frees most in a few
        searches. What is left is pinned or needs a table of its own.
        """
        direction = 1
        stalled = 0
        while open_ and stalled < 2:
            model.maximize(
                sum(
                    direction * (1 if 2 * self.values[key] < self.threshold else -1) * cells[key]
                    for key in open_
                )
            )
            if solver.solve(model) not in (cp_model.FEASIBLE, cp_model.OPTIMAL):
                break
            left = self._keep(open_, cells, solver)
            if len(left) == len(open_):
                stalled += 1
                direction = -direction
            else:
                stalled = 0
            open_ = left
        model.proto.clear_objective()
        return open_

    def _keep(
        self, open_: list[K], cells: Mapping[K, cp_model.IntVar], solver: cp_model.CpSolver
    ) -> list[K]:
        """Keep the table ``solver`` found; the targets in ``open_`` it leaves as they are."""
        index = len(self.shown_in_move)
        self.shown_in_move.append(0)
        for key, cell in cells.items():
            if solver.value(cell) != self.values.get(key):
                self.moves_of.setdefault(key, []).append(index)
        return [key for key in open_ if solver.value(cells[key]) == self.values[key]]

    def complement(
        self, exposed: K, marks: Mapping[K, Mark], rank: Callable[[K], tuple[object, ...]]
    ) -> list[K]:
        """The cell to hide next so that ``exposed`` is no longer pinned down.

        When bounds propagation over the group's relations pins ``exposed`` too, its
        reasons are walked back to the published relations that made them, through unknown
        cells whose bounds were deduced in turn: the shown, non-zero cells met are the
        candidates. Otherwise (a reader combining relations) the candidates are those on the
        relations nearest to ``exposed``. A candidate a reader could work out again from a
        line of shown cells comes last; then the most expendable one wins, the nearest among
        equals. The caller audits again and hides more while needed.
        """
        candidates = self._on_reasons(exposed, marks) or self._nearest(exposed, marks)
        if not candidates:
            return []
        return [
            min(
                candidates,
                key=lambda key: (self.derivable(key, marks), rank(key), candidates[key]),
            )
        ]

    def _on_reasons(self, exposed: K, marks: Mapping[K, Mark]) -> dict[K, int]:
        """The shown, non-zero cells behind the bounds that pin ``exposed``, with their depth."""
        low, high, reasons = self._propagate(self.group(exposed, marks), marks)
        if low[exposed] != high[exposed]:
            return {}
        depth_of: dict[K, int] = {}
        seen_cells = {exposed}
        seen_reasons: set[int] = set()
        frontier = [exposed]
        depth = 0
        while frontier:
            next_frontier: list[K] = []
            for cell in frontier:
                for reason in reasons.get(cell, ()):
                    if reason in seen_reasons:
                        continue
                    seen_reasons.add(reason)
                    for key in self.relations[reason][1]:
                        if key in seen_cells:
                            continue
                        seen_cells.add(key)
                        if self.unknown(key, marks):
                            next_frontier.append(key)
                        elif self.values[key] > 0:
                            depth_of[key] = depth
            frontier = next_frontier
            depth += 1
        return depth_of

    def _nearest(self, exposed: K, marks: Mapping[K, Mark]) -> dict[K, int]:
        """The shown, non-zero cells on the relations nearest to ``exposed``."""
        seen = {exposed}
        frontier = [exposed]
        while frontier:
            candidates: dict[K, int] = {}
            next_frontier: list[K] = []
            for cell in frontier:
                for index in self.relations_of.get(cell, ()):
                    for key in self.relations[index][1]:
                        if key in seen:
                            continue
                        seen.add(key)
                        if self.unknown(key, marks):
                            next_frontier.append(key)
                        elif self.values[key] > 0:
                            candidates[key] = 0
            if candidates:
                return candidates
            frontier = next_frontier
        return {}

    def _propagate(
        self, group: list[K], marks: Mapping[K, Mark]
    ) -> tuple[dict[K, float], dict[K, float], dict[K, list[int]]]:
        """Bounds of ``group``'s cells from its relations, and the relations that set them.

        The relations are taken in the order of ``group``, nearest to its first cell first:
        the reasons found are those nearest to it.
        """
        low: dict[K, float] = {}
        high: dict[K, float] = {}
        for key in group:
            if key in self.unpublished:
                low[key], high[key] = 0, math.inf
            elif marks[key] is Mark.SMALL:
                low[key], high[key] = 0, self.threshold - 1
            else:
                low[key], high[key] = self.threshold, math.inf
        reasons: dict[K, list[int]] = {}
        queue = deque(dict.fromkeys(i for key in group for i in self.relations_of.get(key, ())))
        queued = set(queue)
        budget = 50 * (len(queue) + 1)  # bounds creeping up a cycle stop somewhere

        def narrow(key: K, new_low: float, new_high: float, index: int) -> None:
            if new_low <= low[key] and new_high >= high[key]:
                return
            low[key], high[key] = max(low[key], new_low), min(high[key], new_high)
            reasons.setdefault(key, []).append(index)
            for other in self.relations_of.get(key, ()):
                if other not in queued:
                    queued.add(other)
                    queue.append(other)

        while queue and budget:
            budget -= 1
            index = queue.popleft()
            queued.discard(index)
            is_line, members = self.relations[index]
            if is_line:
                _narrow_line(members, index, low=low, high=high, values=self.values, narrow=narrow)
                continue
            smaller, larger = members
            larger_high = high[larger] if larger in high else self.values[larger]
            smaller_low = low[smaller] if smaller in low else self.values[smaller]
            if smaller in low:
                narrow(smaller, -math.inf, larger_high, index)
            if larger in low:
                narrow(larger, smaller_low, math.inf, index)
        return low, high, reasons

    def derivable(self, key: K, marks: Mapping[K, Mark]) -> bool:
        """Whether hidden alone, ``key`` could be worked out from a line of shown cells."""
        return any(
            is_line and all(not self.unknown(other, marks) for other in members if other != key)
            for is_line, members in (self.relations[i] for i in self.relations_of.get(key, ()))
        )

    def extreme(self, group: list[K], marks: Mapping[K, Mark], key: K, *, lowest: bool) -> int:
        """The lowest (or highest, up to the cap) value of ``key`` in a consistent table."""
        model, cells = self._model(group, marks)
        if lowest:
            model.minimize(cells[key])
        else:
            model.maximize(cells[key])
        solver = _solver()
        if solver.solve(model) != cp_model.OPTIMAL:
            raise ValueError(f"published counts cannot be read at {key!r}")
        return int(solver.value(cells[key]))

    def _model(
        self, group: list[K], marks: Mapping[K, Mark]
    ) -> tuple[cp_model.CpModel, dict[K, cp_model.IntVar]]:
        """Every consistent table of ``group``: shown cells as they are, small ones 0 to
        threshold-1, hidden ones from the threshold up, unpublished ones from 0 up, every
        line adding up and every ordering kept."""
        model = cp_model.CpModel()
        cells: dict[K, cp_model.IntVar] = {}
        for key in group:
            if key in self.unpublished:
                low, high = 0, self.cap
            elif marks[key] is Mark.SMALL:
                low, high = 0, self.threshold - 1
            else:
                low, high = self.threshold, self.cap
            cells[key] = model.new_int_var(low, high, "")
        for index in dict.fromkeys(i for key in group for i in self.relations_of.get(key, ())):
            is_line, members = self.relations[index]
            terms = [cells[key] if key in cells else self.values[key] for key in members]
            if is_line:  # total = sum of the parts
                model.add(terms[0] == sum(terms[1:]))
            else:  # smaller ≤ larger
                model.add(terms[0] <= terms[1])
        return model, cells


def _narrow_line(
    members: tuple[K, ...],
    index: int,
    *,
    low: Mapping[K, float],
    high: Mapping[K, float],
    values: Mapping[K, int],
    narrow: Callable[[K, float, float, int], None],
) -> None:
    """Each unknown member's range from the others': total = sum of the parts.

    ``low`` and ``high`` hold the unknown cells' bounds; the others are ``values``.
    """
    total, parts = members[0], members[1:]
    spans = [(low[key], high[key]) if key in low else (values[key], values[key]) for key in parts]
    parts_low: float = 0
    bounded_high: float = 0
    unbounded = 0
    for span_low, span_high in spans:
        parts_low += span_low
        if span_high == math.inf:
            unbounded += 1
        else:
            bounded_high += span_high
    if total in low:
        total_low, total_high = low[total], high[total]
        narrow(total, parts_low, math.inf if unbounded else bounded_high, index)
    else:
        total_low = total_high = values[total]
    for key, (key_low, key_high) in zip(parts, spans, strict=True):
        if key not in low:
            continue
        if key_high == math.inf:  # the others' highest sum, without this one
            rest_high = math.inf if unbounded > 1 else bounded_high
        else:
            rest_high = math.inf if unbounded else bounded_high - key_high
        new_low = total_low - rest_high
        new_high = total_high - (parts_low - key_low)
        if new_low > key_low or new_high < key_high:
            narrow(key, new_low, new_high, index)


def _solver() -> cp_model.CpSolver:
    # One worker and a limit in deterministic time, so the same tables are found every time,
    # however busy the machine (an undecided search counts as pinned: more is hidden, never
    # less). The wall-clock limit is only a backstop.
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 10.0
    solver.parameters.max_time_in_seconds = 60.0
    solver.parameters.cp_model_presolve = False
    return solver


def deduce(
    values: Mapping[K, int],
    marks: Mapping[K, Mark],
    lines: Sequence[Line[K]],
    *,
    at_most: Sequence[tuple[K, K]] = (),
    unpublished: Collection[K] = (),
    threshold: int = THRESHOLD,
) -> dict[K, Bounds]:
    """What an exact reader can work out about every published cell: its lowest and highest
    value over every table consistent with what is published (high is infinite when it has
    no end)."""
    audit = _Audit(values, lines, at_most, unpublished, threshold)
    found: dict[K, Bounds] = {}
    for key in marks:
        if not audit.unknown(key, marks):
            found[key] = Bounds(values[key], values[key])
            continue
        group = audit.group(key, marks)
        low, high = (audit.extreme(group, marks, key, lowest=side) for side in (True, False))
        found[key] = Bounds(low, float("inf") if high >= audit.cap else high)
    return found
