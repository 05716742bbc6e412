"""A broken themes.yaml, however broken, gets ``PATH:LINE:COLUMN: message`` lines, never a
traceback: hypothesis mutates the bundled catalog's structure and its text."""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gedsi_bot.catalog import load_catalog, parse_catalog
from gedsi_bot.cli import main
from gedsi_bot.errors import CatalogError
from tests.conftest import BUNDLED_CATALOG

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
SOURCE = BUNDLED_CATALOG.read_text(encoding="utf-8")
DATA = yaml.safe_load(SOURCE)
DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
FUZZ = settings(
    max_examples=int(os.environ.get("CATALOG_FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

Path_ = tuple[str | int, ...]


def paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every place in the document, the root excepted."""
    found: list[Path_] = []
    children: list[tuple[str | int, Any]] = []
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    for key, child in children:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


PLACES = paths(DATA)

junk_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.just(10**40),
    st.just(-(10**40)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", " ", "\u202e", "👩🏽‍💻", "<b>", "' OR 1=1 --", "x" * 5000, "00:00"]),
    st.binary(max_size=16).map(lambda raw: raw.decode("latin-1")),
    st.dates(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)
mutations = st.tuples(
    st.sampled_from(["delete", "replace", "duplicate"]), st.sampled_from(PLACES), junk_values
)

TEXT_JUNK = [
    ":",
    ": :",
    "- ",
    "\t",
    "'",
    '"',
    "{",
    "]",
    "&a ",
    "*a",
    "*nowhere",
    "!!python/object/apply:os.system ['true']",
    "!!binary zz",
    "\x00",
    "\ufeff",
    "\x85",
    "%YAML 9.9\n",
    "---\n",
    "...\n",
    "? ",
    "|\n",
    ">-\n",
    "<<: *x\n",
    "\u202e",
    "🎉",
    "\n  \n",
    "9" * 400,
    "0x" + "f" * 40,
]
text_junk = st.one_of(st.sampled_from(TEXT_JUNK), st.text(max_size=20))


def located(path: Path_, data: Any) -> tuple[Any, str | int]:
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    return parent, path[-1]


def mutate(data: Any, kind: str, path: Path_, value: Any) -> None:
    try:
        parent, key = located(path, data)
        present = parent[key]
    except (KeyError, IndexError, TypeError):
        return  # an earlier mutation removed or replaced this place
    if kind == "delete":
        del parent[key]
    elif kind == "replace":
        parent[key] = value
    elif isinstance(parent, list):
        parent.append(copy.deepcopy(present))  # e.g. a theme or person id twice
    else:
        parent[key] = [present, present]


def assert_rejected_cleanly(text: str, source: Path = BUNDLED_CATALOG) -> None:
    """Valid, or a ``CatalogError`` whose every line is ``PATH:LINE:COLUMN: message``."""
    try:
        parse_catalog(text, source=source, now=NOW)
    except CatalogError as error:
        assert_issues(error, source, lines=text.count("\n") + 2)


def assert_issues(error: CatalogError, source: Path, *, lines: int) -> None:
    assert error.issues
    shape = re.compile(rf"{re.escape(str(source))}:(\d+):(\d+): \S.*", re.DOTALL)
    for issue in error.issues:
        match = shape.fullmatch(str(issue))
        assert match is not None, str(issue)
        assert 1 <= int(match.group(1)) <= lines
        assert int(match.group(2)) >= 1


@FUZZ
@given(st.lists(mutations, min_size=1, max_size=4))
def test_structural_mutations_are_reported_by_place(
    changes: list[tuple[str, Path_, Any]],
) -> None:
    data = copy.deepcopy(DATA)
    for kind, path, value in changes:
        mutate(data, kind, path, value)
    text = yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False)
    assert_rejected_cleanly(text)


@FUZZ
@given(st.data())
def test_text_mutations_are_reported_by_place(data: st.DataObject) -> None:
    text = SOURCE
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        kind = data.draw(st.sampled_from(["insert", "delete", "duplicate_line"]), label="edit")
        at = data.draw(st.integers(0, len(text)), label="at")
        if kind == "insert":
            text = text[:at] + data.draw(text_junk, label="junk") + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 200), label="length") :]
        else:
            lines = text.splitlines(keepends=True)
            line = min(text[:at].count("\n"), len(lines) - 1)
            text = "".join([*lines[: line + 1], lines[line], *lines[line + 1 :]])
    assert_rejected_cleanly(text)


@FUZZ
@given(st.binary(min_size=1, max_size=200), st.integers(0, len(SOURCE.encode())))
def test_binary_junk_in_the_file_is_reported(tmp_path: Path, junk: bytes, at: int) -> None:
    raw = SOURCE.encode()
    path = tmp_path / "themes.yaml"
    path.write_bytes(raw[:at] + junk + raw[at:])
    try:
        load_catalog(path, now=NOW)
    except CatalogError as error:
        assert_issues(error, path, lines=raw.count(b"\n") + junk.count(b"\n") + 2)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "---\n...\n",
        "[]\n",
        "just text\n",
        # a billion laughs: nested aliases that expand to far more than the file holds
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n"
            for n in range(8)
        ),
        SOURCE.replace("themes:", "themes: &t", 1) + "extra: *t\n",
        SOURCE + SOURCE,
    ],
)
def test_odd_documents_are_reported_by_place(text: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text, source=BUNDLED_CATALOG, now=NOW)
    assert_issues(caught.value, BUNDLED_CATALOG, lines=text.count("\n") + 2)


def test_check_exits_2_with_place_and_message_never_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "themes.yaml"
    broken.write_bytes(
        SOURCE.replace("  timezone: Asia/Jakarta", "  timezone: [", 1).encode() + b"\xff\xfe"
    )
    second = tmp_path / "kedua.yaml"
    data = copy.deepcopy(DATA)
    data["themes"].append(copy.deepcopy(data["themes"][0]))
    del data["series"]["name"]
    second.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in [key for key in os.environ if key.startswith("GEDSI_")]:
        monkeypatch.delenv(name)

    outcomes = []
    for path in (broken, second):
        monkeypatch.setattr(sys, "argv", ["gedsi-bot", "check", str(path)])
        with pytest.raises(SystemExit) as exited:
            main()
        outcomes.append((exited.value.code, capsys.readouterr().err))

    for (code, err), path in zip(outcomes, (broken, second), strict=True):
        assert code == 2
        assert "Traceback" not in err
        issues = [line for line in err.splitlines() if line.startswith(f"{path}:")]
        assert issues
        assert all(re.match(rf"{re.escape(str(path))}:\d+:\d+: \S", line) for line in issues)
    assert "masalah" in outcomes[1][1]
