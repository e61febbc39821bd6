"""Sources an outside reader can follow: every key cited resolves in docs/bibliography.yaml, and no citation
or text names a file outside the repository (docs/bibliography.md explains the citation grammar)."""

import re
from pathlib import Path

import pytest
import yaml

from model.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
BIBLIOGRAPHY = ROOT / "docs" / "bibliography.yaml"

#: markers say that a value is not read from a source; each may be followed by a remark
MARKERS = re.compile(r"^(model assumption|coded judgement|what-if|counterfactual rule|see docs/\S+|identical to \S+)"
                     r"($|[ :(])")
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
PROSE_KEY = re.compile(r"\[@(?!key\])([^\]\s]+)\]")  # [@key] itself is the grammar's placeholder
SEED = re.compile(r"\bS00\d\b")  # the seeds S000-S004 (not a linter code such as S506)
#: what points outside the repository: the shared folder, the machine's paths, the seeds' file names, the casebook
OUTSIDE = {
    "../shared": re.compile(r"\.\./shared"),
    "/work/": re.compile(r"/work/"),
    "a seed's file name": re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b"),
    "casebook": re.compile(r"\bcasebook", re.I),
}


def keys() -> set[str]:
    entries = yaml.safe_load(BIBLIOGRAPHY.read_text(encoding="utf-8"))["entries"]
    return {e["key"] for e in entries}


def cited_in_source(source: str) -> list[str]:
    """The keys a `source:` field cites (items separated by '; ': a key, a key and a locator, or a marker);
    an item that is neither a marker nor starts with something shaped like a key is returned whole."""
    cited = []
    for item in source.split(";"):
        item = item.strip()
        if not item or MARKERS.match(item):
            continue
        first = item.split(" ", 1)[0]
        cited.append(first if KEY.match(first) else item)
    return cited


def cited_in_prose(text: str) -> list[str]:
    return PROSE_KEY.findall(text) + SEED.findall(text)


def outside(text: str) -> list[str]:
    return [name for name, pattern in OUTSIDE.items() if pattern.search(text)]


def source_fields(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            here = f"{path}.{k}" if path else str(k)
            if k == "source" and isinstance(v, str):
                yield here, v
            else:
                yield from source_fields(v, here)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from source_fields(v, f"{path}[{i}]")


SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))
PROSE = (sorted((ROOT / "model").rglob("*.py")) + sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
         + SCENARIOS)
NAME = {p: str(p.relative_to(ROOT)) for p in PROSE}


def test_the_bibliography_has_unique_keys_of_the_documented_shape():
    entries = yaml.safe_load(BIBLIOGRAPHY.read_text(encoding="utf-8"))["entries"]
    names = [e["key"] for e in entries]
    assert len(names) == len(set(names))
    assert all(KEY.match(k) for k in names)
    assert {f"S00{i}" for i in range(5)} <= set(names)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_source_field_cites_keys_of_the_bibliography(path):
    known = keys()
    fields = list(source_fields(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert fields
    bad = [(where, key) for where, source in fields for key in cited_in_source(source) if key not in known]
    assert not bad, f"not in docs/bibliography.yaml: {bad}"
    bad = [(where, source) for where, source in fields if outside(source)]
    assert not bad, f"a source outside the repository: {bad}"


def test_every_decision_rule_cites_keys_of_the_bibliography():
    known = keys()
    bad = [(name, key) for name, rule in RULES.items() for key in cited_in_source(rule.source) if key not in known]
    assert not bad


@pytest.mark.parametrize("path", PROSE, ids=lambda p: NAME[p])
def test_every_key_in_prose_resolves(path):
    known = keys()
    bad = sorted(set(cited_in_prose(path.read_text(encoding="utf-8"))) - known)
    assert not bad, f"{NAME[path]} cites keys not in docs/bibliography.yaml: {bad}"


@pytest.mark.parametrize("path", PROSE, ids=lambda p: NAME[p])
def test_nothing_names_a_file_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    if path.name == "bibliography.md":  # it explains what the casebook was and why it is not a source
        text = re.sub(r"(?i)\bcasebook", "", text)
    lines = [f"{NAME[path]}:{i}: {line.strip()}" for i, line in enumerate(text.splitlines(), 1) if outside(line)]
    assert not lines, "cite docs/bibliography.yaml keys instead:\n" + "\n".join(lines)


def test_the_checks_catch_a_planted_bad_citation():
    known = keys()
    assert cited_in_source("S002; csto-treaty-1992 Art. 4; model assumption; what-if: no threat") == [
        "S002", "csto-treaty-1992"]
    planted = cited_in_source("S002; no-such-key-2099 Art. 4; coded judgement")
    assert [k for k in planted if k not in known] == ["no-such-key-2099"]
    assert [k for k in cited_in_source("casebook; S001") if k not in known] == ["casebook"]
    assert [k for k in cited_in_source("en.wikipedia.org/wiki/Armenia") if k not in known] == [
        "en.wikipedia.org/wiki/Armenia"]
    assert set(cited_in_prose("as S002 and [@no-such-key-2099] say; S009 too")) - known == {
        "no-such-key-2099", "S009"}
    assert outside("see ../shared/seeds") == ["../shared"]
    assert outside("run /work/venv/bin/csto-sim") == ["/work/"]
    assert outside('source: "002_2595c29e2c72a739.txt"') == ["a seed's file name"]
    assert outside('source: "casebook"') == ["casebook"]
    assert outside("S002; [@udf-30670]; csto-charter-2002 Art. 12") == []


def test_the_bibliography_names_seed_files_only_in_their_seed_file_field():
    lines = BIBLIOGRAPHY.read_text(encoding="utf-8").splitlines()
    bad = [line for line in lines if outside(line.replace("casebook", "")) and not re.match(
        r"^\s*seed_file: \d{3}_[0-9a-f]{16}\.txt$", line)]
    assert not bad
