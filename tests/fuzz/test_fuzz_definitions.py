"""Fuzzing the YAML loaders: measure sets, ranking definitions, Kommunkompassen evaluations (YAML and
XLSX), survey definitions and similar-municipality profiles.

Each starts from a real bundled file, mutated in structure (nodes replaced by arbitrary YAML values)
and in text (lines dropped, duplicated or re-indented, cut short, junk inserted, other encodings).
The property: the loader returns or raises one of our errors naming the file, within the time limit.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from hypothesis import given
from hypothesis import strategies as st

from jamfor.compass.files import read_evaluation, read_yaml
from jamfor.measuresets import load_measure_set, parse_measure_set
from jamfor.rankings import find_definition, parse_definition
from jamfor.reports.similar import find_profile, parse_profile
from jamfor.sources.survey_definitions import load_definition
from jamfor.sources.survey_definitions import parse_definition as parse_survey

from ._support import NASTY_VALUES, fuzz_settings, only_ours


def _bundled(*parts: str) -> str:
    return (resources.files("jamfor") / "data").joinpath(*parts).read_text(encoding="utf-8")


def _survey_text(text: str, name: str) -> object:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        return None  # the text loader is load_definition; parse_definition takes parsed YAML
    return parse_survey(raw, name)


# name, a real document, the text entry point, the file entry point
LOADERS: dict[str, tuple[str, Callable[[str, str], object], Callable[[Path], object]]] = {
    "measure-set": (
        _bundled("measure_sets", "kkik-2020.yaml"),
        lambda text, name: parse_measure_set(text, name),
        lambda path: load_measure_set(path),
    ),
    "ranking": (
        _bundled("rankings", "kvalitet-kkik.yaml"),
        lambda text, name: parse_definition(text, name),
        lambda path: find_definition(str(path)),
    ),
    "compass": (
        _bundled("compass", "evaluations", "huddinge-2017.yaml"),
        lambda text, name: read_yaml(text, name),
        lambda path: read_evaluation(path),
    ),
    "survey-definition": (
        _bundled("surveys", "scb-medborgarundersokning-2021.yaml"),
        _survey_text,
        lambda path: load_definition(path),
    ),
    "similar-profile": (
        _bundled("similar", "lss.yaml"),
        lambda text, name: parse_profile(text, name),
        lambda path: find_profile(path),
    ),
}

YAML_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(NASTY_VALUES[:-1]),
    st.dates(),
)
YAML_ANY = st.recursive(
    YAML_LEAF,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.one_of(st.text(max_size=8), st.integers(), st.none()), inner, max_size=3)
    ),
    max_leaves=10,
)


@st.composite
def structural(draw: st.DrawFn, text: str) -> str:
    """The document with a few nodes (keys' values or list items) replaced by arbitrary values."""
    doc: Any = yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 4))):
        node = doc
        path: list[Any] = []
        while isinstance(node, dict | list) and node and (not path or draw(st.booleans())):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            key = draw(st.sampled_from(keys))
            path.append(key)
            node = node[key]
        if not path:
            doc = draw(YAML_ANY)
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.integers(0, 4)) == 0:
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(YAML_ANY)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


@st.composite
def textual(draw: st.DrawFn, text: str) -> str:
    """The text with lines dropped, duplicated, re-indented or cut, and junk inserted."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["drop", "duplicate", "indent", "dedent", "junk", "tab", "anchor"]))
        if kind == "drop":
            lines.pop(i)
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "indent":
            lines[i] = "   " + lines[i]
        elif kind == "dedent":
            lines[i] = lines[i].lstrip()
        elif kind == "junk":
            lines[i] += draw(
                st.sampled_from(
                    [
                        ": x",
                        " &a",
                        " *a",
                        " !!python/object:os.system",
                        "\x00",
                        "\x85",
                        "{",
                        "- [",
                        " # ok",
                        "'",
                    ]
                )
            )
        elif kind == "tab":
            lines[i] = "\t" + lines[i]
        else:
            lines.insert(i, "x: &a [1, 2]\ny: *a")
    out = "\n".join(lines)
    if draw(st.booleans()):
        out = out[: draw(st.integers(0, len(out)))]
    return out


@st.composite
def documents(draw: st.DrawFn, text: str) -> str:
    kind = draw(st.sampled_from(["structural", "textual", "random"]))
    if kind == "structural":
        return draw(structural(text))
    if kind == "textual":
        return draw(textual(text))
    return yaml.safe_dump(draw(YAML_ANY), allow_unicode=True)


@fuzz_settings(3)
@given(data=st.data(), loader=st.sampled_from(sorted(LOADERS)))
def test_yaml_text_loaders(data: st.DataObject, loader: str) -> None:
    real, from_text, _ = LOADERS[loader]
    text = data.draw(documents(real))
    only_ours(lambda: from_text(text, "fuzz.yaml"), names="fuzz.yaml")


@fuzz_settings(2)
@given(
    data=st.data(),
    loader=st.sampled_from(sorted(LOADERS)),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cut"]),
)
def test_yaml_file_loaders(tmp_path: Path, data: st.DataObject, loader: str, encoding: str) -> None:
    real, _, from_file = LOADERS[loader]
    text = data.draw(st.one_of(st.just(real), documents(real)))
    path = tmp_path / "fuzz.yaml"
    if encoding == "cut":
        raw = text.encode("utf-8")
        raw = raw[: data.draw(st.integers(0, len(raw)))] + "å".encode()[:1]
    else:
        raw = (text + "\n# Götene ändrad\n").encode(encoding, errors="replace")
    path.write_bytes(raw)
    only_ours(lambda: from_file(path), names="fuzz.yaml")


# -- Kommunkompassen XLSX: the exported workbook, mutated cell by cell ------------------------------


def _evaluation_workbook(tmp: Path) -> bytes:
    from jamfor.compass.files import read_evaluation as read
    from jamfor.compass.xlsx import write_xlsx

    resource = resources.files("jamfor") / "data" / "compass" / "evaluations" / "huddinge-2017.yaml"
    source = tmp / "huddinge-2017.yaml"
    source.write_text(resource.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp / "huddinge.xlsx"
    write_xlsx(read(source), out)
    return out.read_bytes()


CELL = st.one_of(
    st.none(),
    st.sampled_from([n for n in NASTY_VALUES[:-1] if all(ch >= " " or ch == "\n" for ch in n)]),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.text(alphabet=st.characters(min_codepoint=32), max_size=20),
)


@fuzz_settings(1)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 2), st.integers(1, 60), st.integers(1, 6), CELL), min_size=1, max_size=6
    ),
    cut=st.one_of(st.none(), st.integers(0, 4000)),
)
def test_compass_xlsx(tmp_path: Path, edits: list[tuple[int, int, int, Any]], cut: int | None) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_WORKBOOK(tmp_path)))
    for sheet_no, row, column, value in edits:
        sheets = book.worksheets
        sheets[sheet_no % len(sheets)].cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    raw = buffer.getvalue()
    if cut is not None:
        raw = raw[:cut]
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(raw)
    only_ours(lambda: read_evaluation(path), names="fuzz.xlsx")


_CACHE: dict[str, bytes] = {}


def _WORKBOOK(tmp: Path) -> bytes:
    if "book" not in _CACHE:
        _CACHE["book"] = _evaluation_workbook(tmp)
    return _CACHE["book"]
