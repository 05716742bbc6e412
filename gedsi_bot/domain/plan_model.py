"""The series plan as CP-SAT models, solved in two stages: first themes, then people.

A single model over (slot, theme) and (slot, person, role) is too large to prove optimal in
seconds: its LP bound is loose wherever themes and people meet, and CP-SAT stalls. The plan is
therefore made the way the planning team makes it:

1. **Themes** (``ThemeModel``): one theme per slot under the theme rules (repeat gap, runs of
   a group), maximising commemorations, demand, stability and each theme's *staffing
   potential* — the best expertise cover the available speakers can give it on that date.
   Its LP is nearly integral, so CP-SAT proves it optimal quickly.
2. **People** (``PeopleModel``): speakers and a moderator for those themes under the people
   rules (availability, gap, quarter limit), maximising expertise cover, fair load, gender
   balance, inclusion of speakers with disabilities and stability.

If no team fits the chosen themes, the slots that could not be staffed are cut from the
theme stage ("not these themes on these dates together") and both stages run again — a
logic-based Benders loop, so the result is the best plan theme-first, people-second.

Rules involving fixtures are settled in ``PlanFacts``: a choice they forbid gets no variable.
In the *elastic* form (``JointElasticModel``) every rule may bend at a price and a slot may stay
unfilled; the cheapest bending names the rules that block an impossible plan.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ortools.sat.python import cp_model

from gedsi_bot.domain.model import Sex, ThemeGroup
from gedsi_bot.domain.plan_facts import LEVEL_MONTH, LEVEL_NEAR, PlanFacts, too_soon_for_theme

KEEP_THEME = 3  # a draft's theme kept on its date, per stability weight point
KEEP_PERSON = 1  # a draft's speaker or moderator kept, per stability weight point
KEEP_SESSION = 2  # the whole draft kept, on top of its parts
GENDER_FLOOR = (2, 5)  # each sex should make up at least 2/5 of speaker appearances
GROUP_UNIT = 3  # price of one session off a group's fair share, per weight point
DISABILITY_UNIT = 3  # value of a session with a speaker with a disability, per weight point
WOMEN_UNIT = 3  # value of women-only speakers on a theme of a day about women, per weight point
MISSING_PRICE = 1000  # in the elastic form: an unfilled slot, speaker or moderator
RULE_PRICE = 1  # in the elastic form: one breach of a counting rule
# Theme windows beyond this many use running counts, not at-most-ones. Measured on the year
# benchmark (4 windows) without presolve: at-most-ones build and solve in half the time.
# Merged theme sets always use one sum per window: on three years their LP takes a fifth
# less CPU than with running counts.
AMO_WINDOW_LIMIT = 10

Choice = tuple[int, cp_model.IntVar]
SlackMaker = Callable[["Breach", int], cp_model.IntVar]


class Rule(StrEnum):
    """Groups of rules the elastic form may bend."""

    NO_THEME = "no_theme"
    FEW_SPEAKERS = "few_speakers"
    NO_MODERATOR = "no_moderator"
    GAP = "gap"
    QUARTER = "quarter"
    THEME_REPEAT = "theme_repeat"
    GROUP_RUN = "group_run"


MISSING_RULES = frozenset({Rule.NO_THEME, Rule.FEW_SPEAKERS, Rule.NO_MODERATOR})


@dataclass(frozen=True, slots=True)
class Breach:
    """One rule the elastic form had to bend: which, where, and for whom."""

    rule: Rule
    slots: tuple[int, ...]
    person: int | None = None
    theme: int | None = None
    group: ThemeGroup | None = None
    amount: int = 1


@dataclass(frozen=True, slots=True)
class Assignment:
    theme: int
    speakers: tuple[int, ...]
    moderator: int | None


@dataclass(frozen=True, slots=True)
class SolverOptions:
    """How hard to search. One worker and a fixed seed make the search repeatable.

    ``max_work`` bounds each solve in CP-SAT's deterministic time, so the same input gives the
    same plan on a fast or a slow machine; ``max_seconds`` is a wall-clock safety net.
    """

    max_work: float = 30.0
    max_seconds: float = 60.0
    workers: int = 1
    seed: int = 20_261_126
    relative_gap: float = 0.0


def make_solver(
    options: SolverOptions, *, work: float | None = None, seconds: float | None = None
) -> cp_model.CpSolver:
    """A solver tuned for these models: full LP up front, no probing, no symmetry search.

    Measured on the benchmark: the theme stage goes from seconds to a fraction of a second
    with the LP rows added eagerly and probing off (its LP is nearly integral, so branching
    on it is cheap and probing only adds hundreds of thousands of implied clauses).
    """
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = options.workers
    params.random_seed = options.seed
    params.max_deterministic_time = options.max_work if work is None else work
    params.max_time_in_seconds = options.max_seconds if seconds is None else seconds
    params.relative_gap_limit = options.relative_gap
    params.linearization_level = 2
    params.add_lp_constraints_lazily = False
    params.cp_model_probing_level = 0
    params.symmetry_level = 0
    return solver


@dataclass
class _Rules:
    """The rules shared by the people stage and the elastic joint model."""

    facts: PlanFacts
    elastic: bool = False
    only: frozenset[int] | None = None  # restrict to these slots (to test a subset)
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    speaker_vars: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    moderator_vars: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    _speakers_at: list[list[Choice]] = field(default_factory=list)
    _moderators_at: list[list[Choice]] = field(default_factory=list)
    _by_person: list[list[tuple[int, cp_model.IntVar]]] = field(default_factory=list)
    _by_person_slot: list[dict[int, list[cp_model.IntVar]]] = field(default_factory=list)
    _breaches: list[tuple[cp_model.IntVar, Breach]] = field(default_factory=list)

    def speakers_at(self, s: int) -> list[Choice]:
        return self._speakers_at[s]

    def moderators_at(self, s: int) -> list[Choice]:
        return self._moderators_at[s]

    def _people_choices(self, speakers_allowed: Sequence[frozenset[int]]) -> None:
        """Variables for each person allowed to speak or moderate in each slot."""
        facts = self.facts
        self._by_person = [[] for _ in facts.people]
        for s in range(len(facts.slots)):
            speakers: list[Choice] = []
            moderators: list[Choice] = []
            if not self.active(s):
                self._speakers_at.append(speakers)
                self._moderators_at.append(moderators)
                continue
            for p in sorted(speakers_allowed[s]):
                var = self.model.new_bool_var(f"sp_{s}_{p}")
                self.speaker_vars[s, p] = var
                speakers.append((p, var))
                self._by_person[p].append((s, var))
            for p in range(len(facts.people)):
                if facts.moderator_ok[s][p]:
                    var = self.model.new_bool_var(f"mo_{s}_{p}")
                    self.moderator_vars[s, p] = var
                    moderators.append((p, var))
                    self._by_person[p].append((s, var))
            self._speakers_at.append(speakers)
            self._moderators_at.append(moderators)
        self._by_person_slot = [defaultdict(list) for _ in facts.people]
        for p, chosen in enumerate(self._by_person):
            for s, var in chosen:
                self._by_person_slot[p][s].append(var)

    def active(self, s: int) -> bool:
        return self.only is None or s in self.only

    def person_vars(self, p: int, slots: Iterable[int]) -> list[cp_model.IntVar]:
        at = self._by_person_slot[p]
        return [var for s in slots for var in at.get(s, ())]

    def _slack(self, breach: Breach, upper: int = 1) -> cp_model.IntVar:
        var = self.model.new_int_var(0, upper, f"slack_{len(self._breaches)}")
        self._breaches.append((var, breach))
        return var

    def _team_per_slot(self) -> None:
        rules = self.facts.rules
        for s in range(len(self.facts.slots)):
            if not self.active(s):
                continue
            speakers = [var for _, var in self.speakers_at(s)]
            moderators = [var for _, var in self.moderators_at(s)]
            if self.elastic:
                short = self._slack(Breach(Rule.FEW_SPEAKERS, (s,)), rules.min_speakers)
                self.model.add(sum(speakers) + short >= rules.min_speakers)
                missing = self._slack(Breach(Rule.NO_MODERATOR, (s,)))
                self.model.add(sum(moderators) + missing == 1)
            else:
                self.model.add(sum(speakers) >= rules.min_speakers)
                self.model.add_exactly_one(moderators)
            self.model.add(sum(speakers) <= rules.max_speakers)
            for p, var in self.speakers_at(s):
                moderator = self.moderator_vars.get((s, p))
                if moderator is not None:
                    self.model.add_at_most_one(var, moderator)

    def _person_gap(self) -> None:
        for window in self.facts.gap_windows():
            for p in range(len(self.facts.people)):
                chosen = self.person_vars(p, window)
                if len(chosen) < 2:
                    continue
                if self.elastic:
                    slack = self._slack(Breach(Rule.GAP, tuple(window), person=p), len(chosen))
                    self.model.add(sum(chosen) <= 1 + slack)
                else:
                    self.model.add_at_most_one(chosen)

    def _person_quarter(self) -> None:
        facts = self.facts
        for quarter, slots in sorted(facts.quarters().items()):
            for p, person in enumerate(facts.people):
                chosen = self.person_vars(p, slots)
                room = facts.quarter_room.get((p, quarter), facts.person_limit(person))
                if len(chosen) <= room:
                    continue
                if self.elastic:
                    slack = self._slack(Breach(Rule.QUARTER, tuple(slots), person=p), len(chosen))
                    self.model.add(sum(chosen) <= room + slack)
                else:
                    self.model.add(sum(chosen) <= room)

    def breaches(self, solver: cp_model.CpSolver) -> list[Breach]:
        found = []
        for var, breach in self._breaches:
            amount = solver.value(var)
            if amount > 0:
                found.append(
                    Breach(
                        breach.rule,
                        breach.slots,
                        person=breach.person,
                        theme=breach.theme,
                        group=breach.group,
                        amount=amount,
                    )
                )
        return found

    def elastic_objective(self) -> None:
        self.model.minimize(
            sum(
                var * (MISSING_PRICE if breach.rule in MISSING_RULES else RULE_PRICE)
                for var, breach in self._breaches
            )
        )


@dataclass
class Auxiliaries:
    """Helper variables of the theme rules, kept so a hint can fill them in."""

    groups: dict[tuple[int, ThemeGroup], cp_model.IntVar] = field(default_factory=dict)
    running: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    marks: dict[cp_model.IntVar, list[tuple[int, int]]] = field(default_factory=dict)
    balance: dict[cp_model.IntVar, ThemeGroup] = field(default_factory=dict)


# --- stage 1: themes ----------------------------------------------------------------------------


@dataclass
class ThemeModel:
    """One theme per slot under the theme rules, valued by what the theme brings on that date."""

    facts: PlanFacts
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    theme_vars: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    _themes_at: list[list[Choice]] = field(default_factory=list)
    _aux: Auxiliaries = field(default_factory=Auxiliaries)
    _reach: tuple[cp_model.IntVar, list[tuple[int, int]], int] | None = None
    _members: dict[int, tuple[int, ...]] = field(default_factory=dict)  # merged: first -> all
    _merged_as: dict[int, int] = field(default_factory=dict)  # merged: theme -> its first

    def build(
        self,
        cuts: Sequence[Sequence[tuple[int, int]]] = (),
        *,
        merge: bool = False,
    ) -> ThemeModel:
        """The model; ``cuts`` forbid sets of (slot, theme) choices together.

        ``merge`` (without cuts) gives each set of interchangeable themes one variable per
        slot, named by its first theme, and lets the set be used up to its size in every
        repeat window (see ``interchangeable_themes``). Same optimum, same LP bound, but a
        third of the variables and none of the symmetry that stalls the LP on long plans.
        """
        facts = self.facts
        candidates: Sequence[int] = range(len(facts.themes))
        capacity: dict[int, int] = {}
        if merge and not cuts:
            for members in interchangeable_themes(facts):
                self._members[members[0]] = members
                self._merged_as.update(dict.fromkeys(members, members[0]))
                capacity[members[0]] = len(members)
            candidates = sorted(self._members)
        for s in range(len(facts.slots)):
            themes: list[Choice] = []
            for t in candidates:
                if facts.theme_ok[s][t]:
                    var = self.model.new_bool_var(f"x_{s}_{t}")
                    self.theme_vars[s, t] = var
                    themes.append((t, var))
            self._themes_at.append(themes)
            self.model.add_exactly_one(var for _, var in themes)
        add_theme_repeat(self.model, facts, self.theme_vars, aux=self._aux, capacity=capacity)
        add_group_runs(self.model, facts, self._themes_at, aux=self._aux)
        for cut in cuts:
            present = [self.theme_vars[pair] for pair in cut if pair in self.theme_vars]
            if len(present) == len(cut):
                self.model.add_bool_or([var.Not() for var in present])
        self._objective()
        return self

    def _objective(self) -> None:
        facts = self.facts
        weights = facts.rules.weights
        drafted = facts.draft_themes()
        keys = list(self.theme_vars)
        values = [self.value(*key, drafted) for key in keys]
        # Each slot takes exactly one theme, so measuring every value against the slot's best
        # changes the objective by a constant only; but then no choice is worth more than
        # nothing, and the dual simplex starts close to the optimum instead of far from it.
        best: dict[int, int] = {}
        for (s, _), value in zip(keys, values, strict=True):
            best[s] = max(best.get(s, value), value)
        terms: list[cp_model.LinearExprT] = [
            cp_model.LinearExpr.weighted_sum(
                [self.theme_vars[key] for key in keys],
                [value - best.get(key[0], 0) for key, value in zip(keys, values, strict=True)],
            )
            + sum(best.values())
        ]
        target = facts.disability_target()
        if weights.disability_inclusion and target > 0:
            featured = [key for key in self.theme_vars if facts.disabled_speaker_possible(*key)]
            if featured:
                reached = self.model.new_int_var(0, min(target, len(featured)), "dis_reach")
                self.model.add(reached <= sum(self.theme_vars[key] for key in featured))
                terms.append(weights.disability_inclusion * DISABILITY_UNIT * reached)
                self._reach = (reached, featured, target)
        if weights.commemoration:
            terms.extend(self._commemorations(weights.commemoration))
        if weights.group_balance:
            terms.extend(self._group_balance(weights.group_balance))
        self.model.maximize(sum(terms))

    def _group_balance(self, weight: int) -> list[cp_model.LinearExprT]:
        """Each session a group has above or below its fair share (a third) costs a price.

        Sessions already fixed in the period count too; the shares are whole numbers, so a
        plan of 12 aims at 4 + 4 + 4 and one of 13 at 5 + 4 + 4 in any order.
        """
        facts = self.facts
        sessions = len(facts.slots) + facts.period_fixtures
        low, high = sessions // len(ThemeGroup), -(-sessions // len(ThemeGroup))
        terms: list[cp_model.LinearExprT] = []
        for group in ThemeGroup:
            members = [
                var
                for (_, t), var in sorted(self.theme_vars.items())
                if facts.themes[t].group is group
            ]
            count = sum(members) + facts.period_group_counts.get(group, 0)
            off = self.model.new_int_var(0, sessions, f"group_off_{group.value}")
            self.model.add(off >= count - high)
            self.model.add(off >= low - count)
            self._aux.balance[off] = group
            terms.append(-weight * GROUP_UNIT * off)
        return terms

    def _commemorations(self, weight: int) -> list[cp_model.LinearExprT]:
        """Each year's occurrence of a commemoration counts once, at the best level reached:
        two sessions on one commemoration are worth no more than one, so the plan spreads
        over as many commemorations as it can (a theme may mark several at once)."""
        terms: list[cp_model.LinearExprT] = []
        for occurrence, (near, month) in sorted(self._occurrences().items()):
            done = self.facts.fixture_marks.get(occurrence, 0)
            for level, carriers in ((LEVEL_MONTH, month), (LEVEL_NEAR, near)):
                if not carriers or done >= level:
                    continue
                marked = self.model.new_bool_var(f"mark_{occurrence[0]}_{occurrence[1]}_{level}")
                self.model.add(marked <= sum(self.theme_vars[key] for key in carriers))
                gain = level - max(done, LEVEL_MONTH if level == LEVEL_NEAR else 0)
                terms.append(weight * gain * marked)
                self._aux.marks[marked] = carriers
        return terms

    def _occurrences(
        self,
    ) -> dict[tuple[str, int], tuple[list[tuple[int, int]], list[tuple[int, int]]]]:
        """Per occurrence: the (slot, theme) choices marking it closely, and in its month(s)."""
        found: dict[tuple[str, int], tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
        for key in self.theme_vars:
            for mark in self.facts.marks(*key):
                near, month = found.setdefault(mark.occurrence, ([], []))
                month.append(key)
                if mark.level >= LEVEL_NEAR:
                    near.append(key)
        return found

    def value(self, s: int, t: int, drafted: dict[int, int]) -> int:
        return theme_choice_value(self.facts, s, t, drafted)

    def _group_off(self, themes: Sequence[int | None], group: ThemeGroup) -> int:
        return group_off(self.facts, themes, group)

    def evaluate(self, themes: Sequence[int]) -> int:
        """The objective of a complete theme plan, as this model counts it."""
        return theme_plan_value(self.facts, themes)

    def hint(self, themes: Sequence[int | None]) -> None:
        """Start from these themes; a complete plan also fills in every helper variable, so
        CP-SAT takes it as its first solution at once."""
        themes = [None if t is None else self._merged_as.get(t, t) for t in themes]
        for s, theme in enumerate(themes):
            if theme is None:
                continue
            for t, var in self._themes_at[s]:
                self.model.add_hint(var, t == theme)
        if any(theme is None for theme in themes) or len(themes) != len(self.facts.slots):
            return
        self._hint_helpers([theme for theme in themes if theme is not None])

    def _hint_helpers(self, themes: Sequence[int]) -> None:
        """The helper variables' values for a complete plan (merged themes as merged)."""
        chosen = set(enumerate(themes))
        hinted = {var.index for var in self.theme_vars.values()}
        for (s, group), var in self._aux.groups.items():
            if var.index not in hinted:  # a group with one theme here is that theme's variable
                self.model.add_hint(var, self.facts.themes[themes[s]].group is group)
        counts: dict[int, int] = defaultdict(int)
        running_at: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for (t, s), var in self._aux.running.items():
            running_at[s].append((t, var))
        for s, theme in enumerate(themes):
            counts[theme] += 1
            for t, var in running_at.get(s, ()):
                self.model.add_hint(var, counts[t])
        for marked, carriers in self._aux.marks.items():
            self.model.add_hint(marked, any(key in chosen for key in carriers))
        for off, group in self._aux.balance.items():
            self.model.add_hint(off, self._group_off(themes, group))
        if self._reach is not None:
            reached, featured, target = self._reach
            self.model.add_hint(reached, min(target, sum(1 for key in featured if key in chosen)))

    def themes(self, solver: cp_model.CpSolver) -> list[int]:
        chosen = [
            next(t for t, var in self._themes_at[s] if solver.boolean_value(var))
            for s in range(len(self.facts.slots))
        ]
        return spread_merged(self.facts, chosen, self._members) if self._members else chosen


def interchangeable_themes(facts: PlanFacts) -> list[tuple[int, ...]]:
    """Themes the theme stage cannot tell apart, in sets, each in catalog order.

    Two themes are interchangeable when they belong to the same group and, on every slot, are
    allowed or not alike and bring the same value, commemorations and chance of a speaker with
    a disability. Any plan can then swap them freely, so a set of ``k`` such themes may serve
    up to ``k`` slots of one repeat window: slots too close for one theme are the cliques of
    an interval graph, and ``spread_merged`` colours them with ``k`` themes in slot order.
    (Which theme of a set goes where is left to the people stage's luck, as it was before.)
    """
    drafted = facts.draft_themes()
    found: dict[tuple[object, ...], list[int]] = {}
    for t, theme in enumerate(facts.themes):
        profile = tuple(
            (
                theme_choice_value(facts, s, t, drafted),
                tuple((mark.occurrence, mark.level) for mark in facts.marks(s, t)),
                facts.disabled_speaker_possible(s, t),
            )
            if facts.theme_ok[s][t]
            else None
            for s in range(len(facts.slots))
        )
        found.setdefault((theme.group, profile), []).append(t)
    return [tuple(members) for members in found.values()]


def spread_merged(
    facts: PlanFacts, chosen: Sequence[int], members: Mapping[int, Sequence[int]]
) -> list[int]:
    """Each slot's merged theme set replaced by one of its themes, in slot order.

    The slot gets the set's theme used longest ago (never used first, then catalog order) that
    is not too close to its last use. Greedy colouring of an interval graph in order of start
    needs no more colours than its largest clique, so the merged model's window limits make
    sure one is always free.
    """
    months = facts.rules.theme_repeat_months
    last: dict[int, dt.date] = {}
    themes = []
    for s, first in enumerate(chosen):
        day = facts.days[s]
        free = [
            t
            for t in members.get(first, (first,))
            if t not in last or (last[t] < day and not too_soon_for_theme(last[t], day, months))
        ]
        if not free:
            raise RuntimeError("a merged theme set is used more often than it has themes")
        theme = min(free, key=lambda t: (t in last, last.get(t, day), t))
        last[theme] = day
        themes.append(theme)
    return themes


def theme_choice_value(facts: PlanFacts, s: int, t: int, drafted: dict[int, int]) -> int:
    """Theme ``t`` on slot ``s`` on its own: its value, plus stability if a draft held it."""
    value = facts.theme_value(s, t)
    if drafted.get(s) == t:
        value += facts.rules.weights.stability * KEEP_THEME
    return value


def group_off(facts: PlanFacts, themes: Sequence[int | None], group: ThemeGroup) -> int:
    """How many sessions ``group`` has above or below its fair share (fixtures included)."""
    sessions = len(facts.slots) + facts.period_fixtures
    low, high = sessions // len(ThemeGroup), -(-sessions // len(ThemeGroup))
    count = sum(1 for t in themes if t is not None and facts.themes[t].group is group)
    count += facts.period_group_counts.get(group, 0)
    return max(0, count - high, low - count)


def theme_plan_value(facts: PlanFacts, themes: Sequence[int]) -> int:
    """The theme stage's objective for a complete theme plan, without building the model."""
    weights = facts.rules.weights
    drafted = facts.draft_themes()
    total = sum(theme_choice_value(facts, s, t, drafted) for s, t in enumerate(themes))
    target = facts.disability_target()
    if weights.disability_inclusion and target > 0:
        featured = sum(facts.disabled_speaker_possible(s, t) for s, t in enumerate(themes))
        total += weights.disability_inclusion * DISABILITY_UNIT * min(target, featured)
    best: dict[tuple[str, int], int] = {}
    for s, t in enumerate(themes):
        for mark in facts.marks(s, t):
            best[mark.occurrence] = max(best.get(mark.occurrence, 0), mark.level)
    for occurrence, level in best.items():
        total += weights.commemoration * max(0, level - facts.fixture_marks.get(occurrence, 0))
    if weights.group_balance:
        total -= sum(
            weights.group_balance * GROUP_UNIT * group_off(facts, themes, group)
            for group in ThemeGroup
        )
    return total


def add_theme_repeat(
    model: cp_model.CpModel,
    facts: PlanFacts,
    theme_vars: dict[tuple[int, int], cp_model.IntVar],
    *,
    slack: SlackMaker | None = None,
    aux: Auxiliaries | None = None,
    capacity: Mapping[int, int] | None = None,
) -> None:
    """A theme at most once in every window of slots closer than ``theme_repeat_months``
    (a merged set of themes: at most ``capacity`` times).

    Few windows (a plan up to about a year): one at-most-one per theme and window. Many windows
    overlap heavily, so a running count per theme keeps each window to two terms.
    """
    windows = facts.theme_windows()
    by_theme: dict[int, dict[int, cp_model.IntVar]] = defaultdict(dict)
    for (s, t), var in sorted(theme_vars.items()):
        by_theme[t][s] = var
    for t, used in sorted(by_theme.items()):
        most = (capacity or {}).get(t, 1)
        if len(used) <= most:
            continue
        places = sorted(used)
        busy = [
            window
            for window in windows
            if bisect_right(places, window[-1]) - bisect_left(places, window[0]) > most
        ]
        if not busy:
            continue
        if len(windows) <= AMO_WINDOW_LIMIT or slack is not None or capacity:
            _repeat_windows_directly(model, t, used, busy, slack, most=most)
        else:
            _repeat_windows_by_count(model, t, used, busy, aux, most=most)


def _repeat_windows_directly(
    model: cp_model.CpModel,
    t: int,
    used: dict[int, cp_model.IntVar],
    windows: Sequence[Sequence[int]],
    slack: SlackMaker | None,
    *,
    most: int = 1,
) -> None:
    for window in windows:
        chosen = [used[s] for s in window if s in used]
        if slack is None and most > 1:
            model.add(sum(chosen) <= most)
        elif slack is None:
            model.add_at_most_one(chosen)
        else:
            extra = slack(Breach(Rule.THEME_REPEAT, tuple(window), theme=t), len(chosen))
            model.add(sum(chosen) <= 1 + extra)


def _repeat_windows_by_count(
    model: cp_model.CpModel,
    t: int,
    used: dict[int, cp_model.IntVar],
    windows: Sequence[Sequence[int]],
    aux: Auxiliaries | None,
    *,
    most: int = 1,
) -> None:
    """Running counts of the theme's uses; a window's uses are a difference of two counts."""
    places = sorted(used)
    running: dict[int, cp_model.IntVar] = {}
    previous: cp_model.IntVar | None = None
    for s in places:
        step = model.new_int_var(0, len(used), f"uses_{t}_{s}")
        model.add(step == (used[s] if previous is None else previous + used[s]))
        previous = running[s] = step
        if aux is not None:
            aux.running[t, s] = step
    for window in windows:
        last = places[bisect_right(places, window[-1]) - 1]
        before = bisect_left(places, window[0])
        if before > 0:
            model.add(running[last] - running[places[before - 1]] <= most)
        else:
            model.add(running[last] <= most)


def add_group_runs(
    model: cp_model.CpModel,
    facts: PlanFacts,
    themes_at: Sequence[Sequence[Choice]],
    slack: SlackMaker | None = None,
    aux: Auxiliaries | None = None,
) -> None:
    """At most ``max_consecutive_group`` sessions in a row of one group (fixtures included)."""
    limit = facts.rules.max_consecutive_group
    indicators: dict[tuple[int, ThemeGroup], cp_model.LinearExprT] = {}
    for run in facts.group_windows():
        slots = tuple(item.slot for item in run if item.slot is not None)
        for group in ThemeGroup:
            fixed = sum(1 for item in run if item.slot is None and item.group is group)
            room = max(0, limit - fixed)
            if len(slots) <= room:
                continue
            chosen = []
            for s in slots:
                if (s, group) not in indicators:
                    indicator = _group_indicator(model, facts, themes_at[s], s, group)
                    indicators[s, group] = indicator
                    if aux is not None and isinstance(indicator, cp_model.IntVar):
                        aux.groups[s, group] = indicator
                chosen.append(indicators[s, group])
            if slack is None:
                model.add(sum(chosen) <= room)
            else:
                extra = slack(Breach(Rule.GROUP_RUN, slots, group=group), len(chosen))
                model.add(sum(chosen) <= room + extra)


def _group_indicator(
    model: cp_model.CpModel,
    facts: PlanFacts,
    themes: Sequence[Choice],
    s: int,
    group: ThemeGroup,
) -> cp_model.LinearExprT:
    members = [var for t, var in themes if facts.themes[t].group is group]
    if len(members) <= 1:
        return members[0] if members else 0
    indicator = model.new_bool_var(f"group_{s}_{group.value}")
    model.add(indicator == sum(members))
    return indicator


# --- stage 2: people ----------------------------------------------------------------------------


@dataclass
class PeopleModel(_Rules):
    """Speakers and a moderator for every slot, its theme already chosen."""

    themes: Sequence[int] = ()

    def build(self) -> PeopleModel:
        facts = self.facts
        allowed = [
            frozenset(p for p in facts.compatible[t] if facts.speaker_ok[s][p])
            for s, t in enumerate(self.themes)
        ]
        self._people_choices(allowed)
        self._team_per_slot()
        self._person_gap()
        self._person_quarter()
        if self.elastic:
            self.elastic_objective()
        else:
            self._goals()
        return self

    def _goals(self) -> None:
        weights = self.facts.rules.weights
        terms: list[cp_model.LinearExprT] = []
        if weights.expertise:
            terms.extend(self._expertise(weights.expertise))
        if weights.disability_inclusion:
            terms.extend(self._disability(weights.disability_inclusion))
        if weights.fair_load:
            terms.extend(self._fair_load(weights.fair_load))
        if weights.gender_balance:
            terms.extend(self._gender_balance(weights.gender_balance))
        if weights.women_speakers:
            terms.extend(self._women_speakers(weights.women_speakers))
        if weights.stability:
            terms.extend(self._stability(weights.stability))
        self.model.maximize(sum(terms))

    def _expertise(self, weight: int) -> list[cp_model.LinearExprT]:
        """One point per theme tag at least one of the slot's speakers knows."""
        facts = self.facts
        terms: list[cp_model.LinearExprT] = []
        for s, t in enumerate(self.themes):
            for tag in sorted(facts.themes[t].tags):
                knowers = [
                    var for p, var in self.speakers_at(s) if tag in facts.people[p].expertise
                ]
                if not knowers:
                    continue
                covered = self.model.new_bool_var(f"cov_{s}_{tag}")
                self.model.add(covered <= sum(knowers))
                terms.append(weight * covered)
        return terms

    def _disability(self, weight: int) -> list[cp_model.LinearExprT]:
        facts = self.facts
        target = facts.disability_target()
        if target <= 0:
            return []
        featured = []
        for s in range(len(facts.slots)):
            with_disability = [
                var for p, var in self.speakers_at(s) if facts.people[p].has_disability
            ]
            if not with_disability:
                continue
            var = self.model.new_bool_var(f"dis_{s}")
            self.model.add(var <= sum(with_disability))
            featured.append(var)
        if not featured:
            return []
        reached = self.model.new_int_var(0, min(target, len(featured)), "dis_reached")
        self.model.add(reached <= sum(featured))
        return [weight * DISABILITY_UNIT * reached]

    def _fair_load(self, weight: int) -> list[cp_model.LinearExprT]:
        """Price every repeat appearance: a person's k-th appearance costs k − 1.

        The penalty is L(L−1)/2 for a load L (fixtures of the last year included): one
        appearance each is free and each extra one costs more than the one before. Its chords
        keep the LP relaxation exact at whole numbers.
        """
        facts = self.facts
        quarters = facts.quarters()
        terms: list[cp_model.LinearExprT] = []
        for p, person in enumerate(facts.people):
            chosen = [var for _, var in self._by_person[p]]
            if not chosen:
                continue
            most = min(
                len(chosen),
                sum(
                    min(
                        len(self.person_vars(p, slots)),
                        max(0, facts.quarter_room.get((p, q), facts.person_limit(person))),
                    )
                    for q, slots in quarters.items()
                ),
            )
            base = facts.fixture_load[p]
            if most <= 0 or base + most <= 1:
                continue
            load = sum(chosen)
            penalty = self.model.new_int_var(0, pairs(base + most) - pairs(base), f"load_{p}")
            for k in range(max(1, base), base + most):
                # The chord of L(L−1)/2 between k and k+1 is k·L − k(k+1)/2.
                self.model.add(penalty >= k * (load + base) - pairs(k + 1) - pairs(base))
            terms.append(-weight * penalty)
        return terms

    def _gender_balance(self, weight: int) -> list[cp_model.LinearExprT]:
        """Women and men should each make up at least 40% of speaker appearances.

        The shortfall below that floor is priced (in fifths of an appearance); above it the
        balance is free, so a theme that calls for women speakers can have them. Fixtures of
        the last year count too.
        """
        facts = self.facts
        share, parts = GENDER_FLOOR
        women = [
            var
            for (_, p), var in sorted(self.speaker_vars.items())
            if facts.people[p].gender is Sex.FEMALE
        ]
        men = [
            var
            for (_, p), var in sorted(self.speaker_vars.items())
            if facts.people[p].gender is Sex.MALE
        ]
        if not women or not men:
            return []
        fixed_women = facts.fixture_speakers_by_sex.get(Sex.FEMALE.value, 0)
        fixed_men = facts.fixture_speakers_by_sex.get(Sex.MALE.value, 0)
        count_women = sum(women) + fixed_women
        count_men = sum(men) + fixed_men
        total = count_women + count_men
        most = share * (len(women) + len(men) + fixed_women + fixed_men)
        shortfall = self.model.new_int_var(0, most, "gender_shortfall")
        self.model.add(shortfall >= share * total - parts * count_women)
        self.model.add(shortfall >= share * total - parts * count_men)
        return [-weight * shortfall]

    def _women_speakers(self, weight: int) -> list[cp_model.LinearExprT]:
        """A theme of a day about women (Hari Kartini, Hari Ibu, …) given by women only."""
        facts = self.facts
        terms: list[cp_model.LinearExprT] = []
        for s, t in enumerate(self.themes):
            if not facts.women_days(t):
                continue
            speakers = self.speakers_at(s)
            if not any(facts.people[p].gender is Sex.FEMALE for p, _ in speakers):
                continue
            women_only = self.model.new_bool_var(f"women_{s}")
            for p, var in speakers:
                if facts.people[p].gender is not Sex.FEMALE:
                    self.model.add_implication(women_only, var.Not())
            terms.append(weight * WOMEN_UNIT * women_only)
        return terms

    def _stability(self, weight: int) -> list[cp_model.LinearExprT]:
        facts = self.facts
        terms: list[cp_model.LinearExprT] = []
        slot_at = {starts: s for s, starts in enumerate(facts.slots)}
        for draft in facts.drafts:
            s = slot_at.get(draft.starts_at)
            if s is None:
                continue
            items = self._draft_people(s, draft.speaker_ids, draft.moderator_id)
            present = [item for item in items if item is not None]
            terms.extend(weight * KEEP_PERSON * item for item in present)
            same_theme = facts.theme_index(draft.theme_id) == self.themes[s]
            if not same_theme or len(present) < len(items):
                continue
            keep = self.model.new_bool_var(f"keep_{s}")
            for item in present:
                self.model.add_implication(keep, item)
            speakers = [var for _, var in self.speakers_at(s)]
            self.model.add(sum(speakers) == len(draft.speaker_ids)).only_enforce_if(keep)
            terms.append(weight * KEEP_SESSION * keep)
        return terms

    def _draft_people(
        self, s: int, speaker_ids: Sequence[str], moderator_id: str | None
    ) -> list[cp_model.IntVar | None]:
        facts = self.facts
        items: list[cp_model.IntVar | None] = []
        for person_id in speaker_ids:
            p = facts.person_index(person_id)
            items.append(self.speaker_vars.get((s, p)) if p is not None else None)
        p = facts.person_index(moderator_id) if moderator_id else None
        items.append(self.moderator_vars.get((s, p)) if p is not None else None)
        return items

    def hint(self, assignments: Sequence[Assignment | None]) -> None:
        for s, assignment in enumerate(assignments):
            if assignment is None or assignment.theme != self.themes[s]:
                continue
            for p, var in self.speakers_at(s):
                self.model.add_hint(var, p in assignment.speakers)
            for p, var in self.moderators_at(s):
                self.model.add_hint(var, p == assignment.moderator)

    def assignments(self, solver: cp_model.CpSolver) -> list[Assignment]:
        return [
            Assignment(
                theme=t,
                speakers=tuple(p for p, var in self.speakers_at(s) if solver.boolean_value(var)),
                moderator=next(
                    (p for p, var in self.moderators_at(s) if solver.boolean_value(var)), None
                ),
            )
            for s, t in enumerate(self.themes)
        ]


def pairs(count: int) -> int:
    """count·(count−1)/2: the repeat pairs among ``count`` appearances."""
    return count * (count - 1) // 2


# --- the elastic joint model, for explanations --------------------------------------------------


@dataclass
class JointElasticModel(_Rules):
    """Themes and people together, every rule bendable at a price: finds what blocks a plan."""

    theme_vars: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    _themes_at: list[list[Choice]] = field(default_factory=list)

    def build(self) -> JointElasticModel:
        self.elastic = True
        facts = self.facts
        for s in range(len(facts.slots)):
            themes: list[Choice] = []
            for t in range(len(facts.themes)):
                if facts.theme_ok[s][t]:
                    var = self.model.new_bool_var(f"x_{s}_{t}")
                    self.theme_vars[s, t] = var
                    themes.append((t, var))
            self._themes_at.append(themes)
            missing = self._slack(Breach(Rule.NO_THEME, (s,)))
            self.model.add(sum(var for _, var in themes) + missing == 1)
        allowed = [
            frozenset(
                p
                for t, _ in self._themes_at[s]
                for p in facts.compatible[t]
                if facts.speaker_ok[s][p]
            )
            for s in range(len(facts.slots))
        ]
        self._people_choices(allowed)
        self._speakers_know_the_theme()
        self._team_per_slot()
        self._person_gap()
        self._person_quarter()
        add_theme_repeat(self.model, facts, self.theme_vars, slack=self._slack)
        add_group_runs(self.model, facts, self._themes_at, slack=self._slack)
        self.elastic_objective()
        return self

    def _speakers_know_the_theme(self) -> None:
        facts = self.facts
        for s in range(len(facts.slots)):
            for p, var in self.speakers_at(s):
                known = [x for t, x in self._themes_at[s] if p in facts.compatible[t]]
                self.model.add(var <= sum(known))

    def chosen_theme(self, solver: cp_model.CpSolver, s: int) -> int | None:
        return next((t for t, var in self._themes_at[s] if solver.boolean_value(var)), None)
