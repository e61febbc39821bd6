"""Bad input ends in ONE line ``error: FILE: field.path: what is wrong (allowed: ...)``, exit status 2,
no traceback, and nothing written.

Each case starts from a valid file (``kazakhstan-2022.yaml``, ``hypothetical-request.yaml``,
``organisations/csto.yaml``), breaks one thing and checks both layers: the library
(:func:`load_scenario` raises :class:`InputError` naming the file, the field and what is allowed) and
the command line (:func:`model.cli.main` in-process, and a few runs of the installed ``csto-sim``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from model.cli import main
from model.errors import InputError
from model.ladder import LEVELS, MEASURES
from model.scenario import MAX_FILE_BYTES, load_scenario

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = REPO_ROOT / "scenarios"
CASE_FILE = SCENARIOS / "historical" / "kazakhstan-2022.yaml"

DELETE = object()  # a mutation's value: remove the key


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------

def _steps(path: str) -> list[str | int]:
    """``"capabilities[0].from"`` -> ``["capabilities", 0, "from"]``."""
    return [int(tok[1:-1]) if tok.startswith("[") else tok for tok in re.findall(r"[^.\[\]]+|\[\d+\]", path)]


def mutate(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply ``{"dotted.path": new value or DELETE}`` to ``data`` (in place) and return it."""
    for path, value in changes.items():
        *parents, last = _steps(path)
        node: Any = data
        for step in parents:
            node = node[step]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return data


def assert_message(text: str, where: str, field: str, fragment: str, allowed: str | None) -> None:
    """``text`` is ``WHERE: field: ... fragment ... (allowed: ... allowed ...)`` on one line."""
    assert "\n" not in text and "\r" not in text, text
    assert "Traceback" not in text, text
    assert text.startswith(f"{where}: "), f"does not name {where!r}: {text}"
    rest = text[len(where) + 2:]
    if field:
        assert rest.startswith(f"{field}: "), f"does not name the field {field!r}: {text}"
    assert fragment in rest, f"{fragment!r} not in: {text}"
    m = re.search(r" \(allowed: (.+)\)$", text)
    assert m, f"no '(allowed: ...)': {text}"
    if allowed is not None:
        assert allowed in m.group(1), f"{allowed!r} not among the allowed values: {text}"


def assert_load_fails(path: Path, field: str, fragment: str, allowed: str | None = None,
                      where: Path | str | None = None) -> InputError:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert_message(str(info.value), str(where or path), field, fragment, allowed)
    return info.value


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str | os.PathLike[str]) -> str:
    """Run ``csto-sim ARGV`` in-process; check exit status 2, one stderr line, no stdout; return the line."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2, f"exit status {code}; stderr: {err}"
    assert out == "", f"wrote to stdout: {out}"
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), f"expected one line on stderr, got {lines}"
    assert lines[0].startswith("error: "), lines[0]
    return lines[0].removeprefix("error: ")


def assert_cli_fails(capsys: pytest.CaptureFixture[str], argv: list[Any], where: Path | str, field: str,
                     fragment: str, allowed: str | None = None) -> None:
    assert_message(run_cli(capsys, *argv), str(where), field, fragment, allowed)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its content (None for folders): to prove nothing was written."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*")) if not p.is_symlink()}


# --------------------------------------------------------------------------------------------------
# Controls: the unmodified copies are valid, so each failure below comes from its one mutation
# --------------------------------------------------------------------------------------------------

def test_unmodified_copies_load(write_case, write_organisation, case_data, whatif_data, organisation_data):
    assert load_scenario(write_case(case_data)).id == "kazakhstan-2022"
    assert load_scenario(write_case(whatif_data, folder="whatif")).kind == "what-if"
    write_organisation(organisation_data)
    case = load_scenario(write_case(case_data, name="with-own-organisation.yaml"))
    assert Path(case.organisation.path).parent.parent == Path(case.path).parent.parent


def test_valid_run_writes_out(write_case, case_data, tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", str(write_case(case_data)), "-n", "20", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "replications.parquet", "summary.json", "trace.json"]
    # an earlier results folder may be replaced
    assert main(["run", str(write_case(case_data)), "-n", "20", "--out", str(out)]) == 0
    capsys.readouterr()


# --------------------------------------------------------------------------------------------------
# A historical case file: one mutation per row
# --------------------------------------------------------------------------------------------------

DEATHS = "facts.threat.deaths"
HISTORICAL = [
    # -- unknown keys
    pytest.param({"colour": "red"}, "colour", "unknown key", "format, id, title", id="unknown-top-key"),
    pytest.param({"facts.threat.colour": {"value": "red", "source": "S002"}}, "facts.threat.colour",
                 "unknown key", "origin", id="unknown-fact"),
    pytest.param({"facts.threat.origin.certainty": "high"}, "facts.threat.origin.certainty", "unknown key",
                 "source, value, range, note", id="unknown-key-in-fact"),
    pytest.param({"facts.military": {}}, "facts.military", "unknown key", "request, threat", id="unknown-fact-group"),
    pytest.param({"observed.winner": "nobody"}, "observed.winner", "unknown key", "outcome", id="unknown-key-observed"),
    pytest.param({"disagreements[0].verdict": "S003"}, "disagreements[0].verdict", "unknown key", "field, note, source",
                 id="unknown-key-disagreement"),
    # -- missing keys and sources
    pytest.param({"title": DELETE}, "title", "missing", None, id="missing-title"),
    pytest.param({"facts.threat.origin": DELETE}, "facts.threat.origin", "missing", None, id="missing-fact"),
    pytest.param({"facts.threat.origin.source": DELETE}, "facts.threat.origin.source",
                 "every fact needs a source", "keys of docs/bibliography.yaml", id="fact-without-source"),
    pytest.param({"facts.threat.origin.source": ""}, "facts.threat.origin.source", "expected a non-empty string",
                 "keys of docs/bibliography.yaml", id="fact-with-empty-source"),
    pytest.param({"observed.contributions.Russia.source": DELETE}, "observed.contributions.Russia.source",
                 "every fact needs a source", None, id="contribution-without-source"),
    pytest.param({"disagreements[0].source": DELETE}, "disagreements[0].source", "missing", None,
                 id="disagreement-without-source"),
    pytest.param({"facts.threat.origin.value": DELETE}, "facts.threat.origin", "needs exactly one of value and range",
                 "value: X or range", id="fact-without-value"),
    pytest.param({f"{DEATHS}.value": 50}, DEATHS, "needs exactly one of value and range", None,
                 id="fact-with-value-and-range"),
    pytest.param({"observed": DELETE}, "observed", "missing", "outcome", id="historical-without-observed"),
    # -- wrong types
    pytest.param({"format": "csto-sim/case-2"}, "format", "is not supported", "csto-sim/case-1", id="wrong-format"),
    pytest.param({"id": "Kazakhstan 2022"}, "id", "is not allowed", "lowercase letters", id="bad-id"),
    pytest.param({"title": 42}, "title", "expected a non-empty string, got int 42", "text", id="title-number"),
    pytest.param({"kind": "fiction"}, "kind", "'fiction' is not allowed", "historical, what-if", id="bad-kind"),
    pytest.param({"date": "5 January 2022"}, "date", "is not a date", "YYYY, YYYY-MM or YYYY-MM-DD", id="bad-date"),
    pytest.param({"date": "2022-02-30"}, "date", "is not a date", "YYYY-MM-DD", id="impossible-date"),
    pytest.param({"date": 2022.5}, "date", "expected a date", "YYYY", id="date-float"),
    pytest.param({"facts": ["request", "threat"]}, "facts", "expected a mapping, got a list", "a mapping",
                 id="facts-list"),
    pytest.param({"facts.request": None}, "facts.request", "expected a mapping, got nothing", None,
                 id="fact-group-null"),
    pytest.param({"facts.threat.origin": "internal"}, "facts.threat.origin", "expected a mapping", None,
                 id="fact-bare-value"),
    pytest.param({f"{DEATHS}.range": DELETE, f"{DEATHS}.value": "dozens"}, f"{DEATHS}.value",
                 "expected a number, got the text 'dozens'", "a number from 0", id="deaths-text"),
    pytest.param({f"{DEATHS}.range": DELETE, f"{DEATHS}.value": True}, f"{DEATHS}.value",
                 "expected a number, got the boolean True", None, id="deaths-boolean"),
    pytest.param({f"{DEATHS}.range": [float("nan"), 230]}, f"{DEATHS}.range[0]", "expected a number", None,
                 id="deaths-nan"),
    pytest.param({f"{DEATHS}.range": [20, float("inf")]}, f"{DEATHS}.range[1]", "expected a number", None,
                 id="deaths-infinite"),
    pytest.param({f"{DEATHS}.range": [20, 100, 230]}, f"{DEATHS}.range", "expected [low, high]", "[low, high]",
                 id="range-of-three"),
    pytest.param({f"{DEATHS}.range": "20-230"}, f"{DEATHS}.range", "expected [low, high]", None, id="range-text"),
    pytest.param({"facts.threat.spillover_to.value": "Russia"}, "facts.threat.spillover_to.value",
                 "expected a list of state names", "[name, ...]", id="spillover-not-list"),
    pytest.param({"facts.adversary.name.value": 7}, "facts.adversary.name.value", "expected a non-empty string",
                 "or null", id="adversary-number"),
    pytest.param({"summary": ["a", "b"]}, "summary", "expected text", "text", id="summary-list"),
    pytest.param({"disagreements": {"field": "x"}}, "disagreements", "expected a list", None,
                 id="disagreements-mapping"),
    pytest.param({"observed.days_to_decision.range": DELETE, "observed.days_to_decision.value": None},
                 "observed.days_to_decision.value", "expected a number, got nothing (null)", "0 to 10000",
                 id="days-null"),
    pytest.param({"observed.contributions.Tajikistan.value": None}, "observed.contributions.Tajikistan.value",
                 "expected a number, got nothing (null)", None, id="contribution-null"),
    # -- out of range
    pytest.param({f"{DEATHS}.range": DELETE, f"{DEATHS}.value": -1}, f"{DEATHS}.value", "-1 is out of range",
                 "0 to 1e+07", id="deaths-negative"),
    pytest.param({f"{DEATHS}.range": [20, 50_000_000]}, f"{DEATHS}.range[1]", "out of range", "0 to 1e+07",
                 id="deaths-range-too-high"),
    pytest.param({f"{DEATHS}.range": DELETE, f"{DEATHS}.value": 10**30}, f"{DEATHS}.value", "out of range",
                 "0 to 1e+07", id="deaths-huge-integer"),
    pytest.param({f"{DEATHS}.range": DELETE, f"{DEATHS}.value": -(10**400)}, f"{DEATHS}.value",
                 "a negative number of over 300 digits is out of range", None, id="deaths-400-digits"),
    pytest.param({"observed.days_to_decision.range": [-1, 0.5]}, "observed.days_to_decision.range[0]",
                 "out of range", "0 to 10000", id="days-negative"),
    pytest.param({"observed.contributions.Tajikistan.value": -200}, "observed.contributions.Tajikistan.value",
                 "out of range", None, id="contribution-negative"),
    # -- unknown names
    pytest.param({"facts.threat.origin.value": "aliens"}, "facts.threat.origin.value", "'aliens' is not allowed",
                 "internal, external_state, external_nonstate, member_state", id="unknown-origin"),
    pytest.param({"facts.request.measure.value": "airstrikes"}, "facts.request.measure.value", "is not allowed",
                 ", ".join(MEASURES), id="unknown-measure"),
    pytest.param({"facts.request.by.value": "Uzbekistan"}, "facts.request.by.value", "'Uzbekistan' is not allowed",
                 "Armenia, Belarus, Kazakhstan, Kyrgyzstan, Russia, Tajikistan or null", id="requester-not-member"),
    pytest.param({"facts.request.by.value": "null"}, "facts.request.by.value", "'null' is not allowed", "or null",
                 id="requester-text-null"),
    pytest.param({"facts.request.by.value": ["Kazakhstan"]}, "facts.request.by.value", "is not allowed", None,
                 id="requester-list"),
    pytest.param({"facts.threat.parties.value": ["Narnia"]}, "facts.threat.parties.value", "'Narnia' is not allowed",
                 "Armenia, Belarus", id="party-unknown-member"),
    pytest.param({"facts.threat.parties.value": ["Uzbekistan"]}, "facts.threat.parties.value", "is not allowed",
                 "Tajikistan", id="party-not-member-that-year"),
    pytest.param({"observed.contributions.Uzbekistan": {"value": 10, "source": "S002"}},
                 "observed.contributions.Uzbekistan", "unknown key", "Kazakhstan", id="contribution-non-member"),
    pytest.param({"observed.outcome.value": "victory"}, "observed.outcome.value", "is not allowed",
                 ", ".join(LEVELS), id="unknown-outcome"),
    pytest.param({"facts.request.channel.value": "none"}, "facts.request.channel.value", "a requester without a channel",
                 "organisation, bilateral", id="requester-without-channel"),
    pytest.param({"organisation": "nato"}, "organisation", "no organisation file nato.yaml", "scenarios/organisations",
                 id="unknown-organisation"),
    pytest.param({"organisation": "../../etc/passwd"}, "organisation", "is not allowed", None,
                 id="organisation-path"),
    # -- a year with no roster
    pytest.param({"date": "1985"}, "date", "1985-01-01: no roster of csto in that year", "dates from 1992-05-01 on",
                 id="date-1985-no-roster"),
    # -- what a historical file may not hold
    pytest.param({"overrides": {"perceptions": {"Russia": {"stake_shift": 1, "source": "what if"}}}}, "overrides",
                 "overrides are not allowed", "what-if files", id="historical-with-overrides"),
    pytest.param({"facts.lead_state.strategic_value": {"value": 0.8, "source": "S002"}},
                 "facts.lead_state.strategic_value", "a what-if lever", "what-if files only",
                 id="historical-with-whatif-fact"),
    # -- ranges
    pytest.param({f"{DEATHS}.range": [230, 20]}, f"{DEATHS}.range", "low 230 is above high 20", "low <= high",
                 id="range-low-above-high"),
    pytest.param({"facts.threat.origin": {"range": [0, 1], "source": "S002"}}, "facts.threat.origin.range",
                 "only numeric facts take a range", "threat.deaths", id="range-on-categorical"),
    pytest.param({"facts.request.by": {"range": [0, 1], "source": "S002"}}, "facts.request.by.range",
                 "only numeric facts take a range", None, id="range-on-requester"),
]


@pytest.mark.parametrize(("changes", "field", "fragment", "allowed"), HISTORICAL)
def test_historical_case_library(write_case, case_data, changes, field, fragment, allowed):
    path = write_case(mutate(case_data, changes))
    assert_load_fails(path, field, fragment, allowed)


@pytest.mark.parametrize(("changes", "field", "fragment", "allowed"), HISTORICAL)
def test_historical_case_cli(write_case, case_data, tmp_path, capsys, changes, field, fragment, allowed):
    path = write_case(mutate(case_data, changes))
    out = tmp_path / "out"
    assert_cli_fails(capsys, ["run", path, "-n", "10", "--out", out], path, field, fragment, allowed)
    assert not out.exists()


# --------------------------------------------------------------------------------------------------
# A what-if case file
# --------------------------------------------------------------------------------------------------

PERCEPTIONS = "overrides.perceptions"
WHATIF = [
    pytest.param({"observed": {"outcome": {"value": "deployment", "source": "S002"}}}, "observed",
                 "only historical cases record an observed outcome", "no observed", id="whatif-with-observed"),
    pytest.param({"facts.lead_state.strategic_value.value": 1.5}, "facts.lead_state.strategic_value.value",
                 "1.5 is out of range", "0 to 1", id="strategic-value-above-1"),
    pytest.param({"facts.lead_state.strategic_value": {"range": [0.9, 0.2], "source": "what-if"}},
                 "facts.lead_state.strategic_value.range", "above high", None, id="strategic-value-range-reversed"),
    pytest.param({"overrides": {"perceptions": {"Narnia": {"stake_shift": 1, "source": "what if"}}}},
                 f"{PERCEPTIONS}.Narnia", "unknown key", "Russia", id="override-unknown-member"),
    pytest.param({"overrides": {"perceptions": {"Russia": {"stake_shift": 1}}}}, f"{PERCEPTIONS}.Russia.source",
                 "missing", None, id="override-without-source"),
    pytest.param({"overrides": {"perceptions": {"Russia": {"stake_shift": 99, "source": "x"}}}},
                 f"{PERCEPTIONS}.Russia.stake_shift", "99 is out of range", "-5 to 5", id="override-out-of-range"),
    pytest.param({"overrides": {"perceptions": {"Russia": {"stake_shift": "a lot", "source": "x"}}}},
                 f"{PERCEPTIONS}.Russia.stake_shift", "expected a number", None, id="override-not-number"),
    pytest.param({"overrides": {"opinions": {}}}, "overrides.opinions", "unknown key", "perceptions",
                 id="override-unknown-key"),
    pytest.param({"overrides": ["Russia"]}, "overrides", "expected a mapping", None, id="overrides-list"),
]


@pytest.mark.parametrize(("changes", "field", "fragment", "allowed"), WHATIF)
def test_whatif_case_library(write_case, whatif_data, changes, field, fragment, allowed):
    path = write_case(mutate(whatif_data, changes), folder="whatif")
    assert_load_fails(path, field, fragment, allowed)


@pytest.mark.parametrize(("changes", "field", "fragment", "allowed"), WHATIF)
def test_whatif_case_cli(write_case, whatif_data, capsys, changes, field, fragment, allowed):
    path = write_case(mutate(whatif_data, changes), folder="whatif")
    assert_cli_fails(capsys, ["run", path, "-n", "10"], path, field, fragment, allowed)


# --------------------------------------------------------------------------------------------------
# The organisation file (tmp/organisations/csto.yaml next to tmp/historical/case.yaml)
# --------------------------------------------------------------------------------------------------

KZ = "members.Kazakhstan"
ORGANISATION = [
    pytest.param({f"{KZ}.region.value": "Atlantis"}, f"{KZ}.region.value", "'Atlantis' is not allowed",
                 "Central Asia, Eastern Europe, South Caucasus", id="unknown-region"),
    pytest.param({"members.Belarus.dependence.value": 1.5}, "members.Belarus.dependence.value",
                 "1.5 is out of range", "0 to 1", id="dependence-1.5"),
    pytest.param({"members.Armenia.regime.source": DELETE}, "members.Armenia.regime.source",
                 "every fact needs a source", None, id="member-attribute-without-source"),
    pytest.param({f"{KZ}.dependence": 0.5}, f"{KZ}.dependence", "expected a mapping", None,
                 id="member-attribute-bare"),
    pytest.param({f"{KZ}.budget_share": DELETE}, f"{KZ}.budget_share", "missing", None, id="member-attribute-missing"),
    pytest.param({f"{KZ}.regime.value": "monarchy"}, f"{KZ}.regime.value", "is not allowed",
                 "consolidated_autocracy", id="unknown-regime"),
    pytest.param({f"{KZ}.ties.value": {"Turkey": 2}}, f"{KZ}.ties.value.Turkey", "2 is out of range", "0 to 1",
                 id="tie-above-1"),
    pytest.param({f"{KZ}.membership.value": [["2000", "1990"]]}, f"{KZ}.membership.value[0]",
                 "ends before it starts", "from < to", id="membership-reversed"),
    pytest.param({f"{KZ}.membership.value": "always"}, f"{KZ}.membership.value", "expected a list", None,
                 id="membership-text"),
    pytest.param({"members.Armenia.regime.by_year[1][0]": "someday"}, "members.Armenia.regime.by_year[1][0]",
                 "is not a date", None, id="by-year-bad-date"),
    pytest.param({"lead_state.value": "China"}, "lead_state.value", "'China' is not a member", "Russia",
                 id="lead-state-not-member"),
    pytest.param({"lead_state.value": ["Russia"]}, "lead_state.value", "is not a member", None,
                 id="lead-state-list"),
    pytest.param({"default_rule.value": "dice"}, "default_rule.value", "'dice' is not allowed", "consensus",
                 id="unknown-default-rule"),
    pytest.param({"agenda.levels.value": ["airstrikes"]}, "agenda.levels.value", "is not allowed", "deployment",
                 id="unknown-agenda-level"),
    pytest.param({"measures.deployment.benefit": 2}, "measures.deployment.benefit", "out of range", "0 to 1",
                 id="measure-out-of-range"),
    pytest.param({"mandate.internal.value": -0.1}, "mandate.internal.value", "out of range", "0 to 1",
                 id="mandate-negative"),
    pytest.param({"capabilities[0].from": "someday"}, "capabilities[0].from", "is not a date", None,
                 id="capability-bad-date"),
    pytest.param({"capabilities[0].source": DELETE}, "capabilities[0].source", "missing", None,
                 id="capability-without-source"),
    pytest.param({"format": "csto-sim/organisation-9"}, "format", "is not supported", "csto-sim/organisation-1",
                 id="organisation-wrong-format"),
    pytest.param({"treaty": "1992"}, "treaty", "unknown key", "format, name", id="organisation-unknown-key"),
    pytest.param({"members": {}}, "members", "no members", None, id="organisation-no-members"),
]


@pytest.mark.parametrize(("changes", "field", "fragment", "allowed"), ORGANISATION)
def test_organisation_library(write_case, write_organisation, case_data, organisation_data, changes, field,
                              fragment, allowed):
    org = write_organisation(mutate(organisation_data, changes))
    path = write_case(case_data)
    assert_load_fails(path, field, fragment, allowed, where=org)


@pytest.mark.parametrize(("changes", "field", "fragment", "allowed"), ORGANISATION)
def test_organisation_cli(write_case, write_organisation, case_data, organisation_data, capsys, changes, field,
                          fragment, allowed):
    org = write_organisation(mutate(organisation_data, changes))
    path = write_case(case_data)
    assert_cli_fails(capsys, ["run", path, "-n", "10"], org, field, fragment, allowed)


def test_organisation_file_is_not_yaml(write_case, write_organisation, case_data, capsys):
    org = write_organisation("format: csto-sim/organisation-1\nname: [csto\n")
    path = write_case(case_data)
    assert_load_fails(path, "line 3", "malformed YAML", "valid YAML", where=org)
    assert_cli_fails(capsys, ["run", path], org, "line 3", "malformed YAML")


# --------------------------------------------------------------------------------------------------
# The YAML itself: syntax, tags, duplicates, aliases, odd bytes (written as text, not dumped)
# --------------------------------------------------------------------------------------------------

TITLE = 'title: "Kazakhstan, January 2022"'
TERRITORY = 'territory: {value: de_jure, source: "aboutlyrics-2022-csto-consultations; urdupoint-2022-1442241"}'
#: The line of the territory fact in the case file (its line number moves as the file gains facts).
TERRITORY_LINE = next(i for i, line in enumerate(CASE_FILE.read_text(encoding="utf-8").splitlines(), 1)
                      if TERRITORY in line)


def _replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text
        return text.replace(old, new, 1)
    return edit


def _append(extra: str) -> Callable[[str], str]:
    return lambda text: text + extra


YAML_TEXT = [
    pytest.param(_replace("kind: historical", "kind: [historical"), r"line \d+", "malformed YAML", "valid YAML",
                 id="unclosed-bracket"),
    pytest.param(_replace(TITLE, 'title: "Kazakhstan, January 2022'), r"line \d+", "malformed YAML", None,
                 id="unclosed-quote"),
    pytest.param(_replace("kind: historical", "kind: historical\n\tdate: 2022"), r"line \d+", "malformed YAML",
                 None, id="tab-indent"),
    pytest.param(_replace(TITLE, "title: !!python/object/apply:os.system ['echo PWNED']"), "line 4",
                 "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' would construct an object",
                 "plain YAML", id="python-object-apply-tag"),
    pytest.param(_replace(TITLE, "title: !!python/name:os.system ''"), "line 4", "would construct an object",
                 "plain YAML", id="python-name-tag"),
    pytest.param(_replace(TITLE, "title: !custom {a: 1}"), "line 4", "YAML tag '!custom' would construct an object",
                 None, id="local-tag"),
    pytest.param(_append("kind: what-if\n"), r"line \d+", "duplicate key 'kind'", "unique", id="duplicate-top-key"),
    pytest.param(_replace(TERRITORY, TERRITORY + "\n    territory: {value: contested, source: S004}"),
                 f"line {TERRITORY_LINE + 1}", "duplicate key 'territory'", None, id="duplicate-fact"),
    pytest.param(_replace(TERRITORY, "territory: {value: de_jure, source: S004, source: S002}"),
                 f"line {TERRITORY_LINE}",
                 "duplicate key 'source'", None, id="duplicate-source"),
    pytest.param(lambda t: _replace(TERRITORY, "territory: {value: de_jure, source: *t}")(
        _replace(TITLE, 'title: &t "Kazakhstan, January 2022"')(t)), f"line {TERRITORY_LINE}",
        "aliases (*name) are not allowed",
        None, id="alias"),
    pytest.param(_append("lol: &a [x, x]\nlol2: &b [*a, *a, *a, *a, *a, *a]\nlol3: [*b, *b, *b, *b, *b]\n"),
                 r"line \d+", "aliases", None, id="billion-laughs"),
    pytest.param(_append("? [a, b]\n: 1\n"), r"line \d+", "a list as a mapping key", None, id="unhashable-key"),
    pytest.param(_replace('date: "2022-01-05"', "date: 2022-02-30"), "line 7", "cannot be read", None,
                 id="impossible-yaml-date"),
    pytest.param(_replace("range: [20, 230]", "value: " + "9" * 5000), r"line \d+", "cannot be read", None,
                 id="integer-of-5000-digits"),
    pytest.param(_append("deep: " + "[" * 5000 + "]" * 5000 + "\n"), "YAML", "nested too deeply", None,
                 id="nested-too-deeply"),
    pytest.param(_replace(TITLE, 'title: "Kazakhstan\x00"'), r"character \d+", "special characters", None,
                 id="nul-character"),
    pytest.param(_append("\n---\nid: other\n"), r"line \d+", "malformed YAML", None, id="two-documents"),
    pytest.param(lambda t: "", r"\(top level\)", "expected a mapping, got nothing (null)", "a mapping",
                 id="empty-file"),
    pytest.param(lambda t: "- kazakhstan-2022\n", r"\(top level\)", "expected a mapping, got a list", None,
                 id="top-level-list"),
    pytest.param(lambda t: "just some text\n", r"\(top level\)", "expected a mapping, got the text", None,
                 id="top-level-text"),
    pytest.param(_append('"colour\\nred": 1\n'), r"colour\\nred", "unknown key", None, id="key-with-line-break"),
]


def _check_yaml_error(text: str, path: Path, field_re: str, fragment: str, allowed: str | None) -> None:
    assert "\n" not in text
    m = re.fullmatch(rf"{re.escape(str(path))}: ({field_re}): (.*)", text)
    assert m, f"does not name {path} and a field matching {field_re!r}: {text}"
    assert fragment in m.group(2), text
    assert re.search(r" \(allowed: .+\)$", text), text
    if allowed:
        assert allowed in text.rsplit("(allowed: ", 1)[1], text


@pytest.mark.parametrize(("edit", "field_re", "fragment", "allowed"), YAML_TEXT)
def test_yaml_library(write_case, case_yaml, edit, field_re, fragment, allowed):
    path = write_case(edit(case_yaml))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    _check_yaml_error(str(info.value), path, field_re, fragment, allowed)


@pytest.mark.parametrize(("edit", "field_re", "fragment", "allowed"), YAML_TEXT)
def test_yaml_cli(write_case, case_yaml, capsys, edit, field_re, fragment, allowed):
    path = write_case(edit(case_yaml))
    _check_yaml_error(run_cli(capsys, "run", path, "-n", "10"), path, field_re, fragment, allowed)


def test_yaml_tag_constructs_nothing(write_case, case_yaml, tmp_path, capsys):
    """The tag is refused, not run: the command would have created a file."""
    marker = tmp_path / "pwned"
    path = write_case(_replace(TITLE, f"title: !!python/object/apply:os.system ['touch {marker}']")(case_yaml))
    with pytest.raises(InputError, match="would construct an object"):
        load_scenario(path)
    run_cli(capsys, "run", path)
    assert not marker.exists()


# --------------------------------------------------------------------------------------------------
# The file itself: missing, a folder, too big, not UTF-8, unreadable
# --------------------------------------------------------------------------------------------------

def test_missing_file(tmp_path, scenarios_dir, capsys):
    path = tmp_path / "historical" / "no-such-case.yaml"
    assert_load_fails(path, "", "no such file", "an existing .yaml file")
    assert_cli_fails(capsys, ["run", path], path, "", "no such file", "an existing .yaml file")


def test_unknown_case_id(scenarios_dir, capsys):
    with pytest.raises(InputError) as info:
        load_scenario("kazakhstan-1922")
    assert_message(str(info.value), "kazakhstan-1922", "", "no such scenario file or case id", "kazakhstan-2022")
    assert_cli_fails(capsys, ["run", "kazakhstan-1922"], "kazakhstan-1922", "", "no such scenario", "kazakhstan-2022")


def test_folder_as_scenario(tmp_path, scenarios_dir, capsys):
    folder = tmp_path / "historical"
    folder.mkdir()
    assert_load_fails(folder, "", "is a folder, not a file", "a .yaml file")
    assert_cli_fails(capsys, ["run", folder], folder, "", "is a folder")


def test_file_over_1_mb(write_case, case_yaml, capsys):
    path = write_case(case_yaml + "# " + "x" * MAX_FILE_BYTES + "\n")
    size = path.stat().st_size
    assert_load_fails(path, "", f"file is {size} bytes", f"at most {MAX_FILE_BYTES} bytes")
    assert_cli_fails(capsys, ["run", path], path, "", "bytes", f"at most {MAX_FILE_BYTES} bytes")


def test_not_utf8(write_case, case_yaml, capsys):
    path = write_case(case_yaml.replace("Kazakhstan, January 2022", "Kazakhstan, janvier 2022 (é)").encode("latin-1"))
    assert_load_fails(path, "", "is not UTF-8 text", "a UTF-8 YAML file")
    assert_cli_fails(capsys, ["run", path], path, "", "is not UTF-8 text")


def test_file_name_too_long(scenarios_dir, capsys):
    name = "a" * 5000
    assert_load_fails(Path(name), "", "cannot be read", "a readable file")
    assert_cli_fails(capsys, ["run", name], name, "", "cannot be read")


def test_unreadable_file(write_case, case_data, capsys):
    path = write_case(case_data)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 leaves the file readable")
        assert_load_fails(path, "", "cannot be read (permission denied)", "a readable file")
        assert_cli_fails(capsys, ["run", path], path, "", "permission denied")
    finally:
        path.chmod(0o644)


@pytest.fixture
def deny_reading(monkeypatch):
    """``deny_reading(path)``: reading ``path`` raises PermissionError (works even as root)."""
    denied: set[Path] = set()

    def guard(method):
        def wrapper(self, *args, **kwargs):
            if self.resolve() in denied:
                raise PermissionError(13, "Permission denied", str(self))
            return method(self, *args, **kwargs)
        return wrapper

    for name in ("open", "read_bytes", "read_text"):
        monkeypatch.setattr(Path, name, guard(getattr(Path, name)))
    return lambda path: denied.add(Path(path).resolve())


def test_unreadable_file_simulated(write_case, case_data, deny_reading, capsys):
    path = write_case(case_data)
    deny_reading(path)
    assert_load_fails(path, "", "cannot be read (permission denied)", "a readable file")
    assert_cli_fails(capsys, ["run", path], path, "", "permission denied")


def test_unreadable_organisation_simulated(write_case, write_organisation, case_data, organisation_data,
                                           deny_reading, capsys):
    org = write_organisation(organisation_data)
    path = write_case(case_data)
    deny_reading(org)
    assert_load_fails(path, "", "cannot be read (permission denied)", "a readable file", where=org)
    assert_cli_fails(capsys, ["run", path], org, "", "permission denied")


def test_organisation_file_over_1_mb(write_case, write_organisation, case_data, capsys):
    org = write_organisation("# " + "x" * MAX_FILE_BYTES + "\n")
    path = write_case(case_data)
    assert_load_fails(path, "", "bytes", f"at most {MAX_FILE_BYTES} bytes", where=org)
    assert_cli_fails(capsys, ["run", path], org, "", "bytes")


# --------------------------------------------------------------------------------------------------
# Command-line arguments (FILE is "command line")
# --------------------------------------------------------------------------------------------------

ARGS = [
    pytest.param(["-n", "1000000000000"], "--replications", "1000000000000 is out of range", "1 to 2,000,000",
                 id="replications-absurd"),
    pytest.param(["--replications", "0"], "--replications", "0 is out of range", "1 to 2,000,000",
                 id="replications-zero"),
    pytest.param(["-n", "-5"], "--replications", "out of range", None, id="replications-negative"),
    pytest.param(["-n", "lots"], "--replications", "'lots' is not a whole number", "1 to 2,000,000",
                 id="replications-text"),
    pytest.param(["-n", "1.5"], "--replications", "'1.5' is not a whole number", None, id="replications-fraction"),
    pytest.param(["-n", "9" * 5000], "--replications", "is not a whole number", None, id="replications-5000-digits"),
    pytest.param(["--seed", "-1"], "--seed", "'-1' is not allowed", "a whole number from 0 to 2**128 - 1",
                 id="seed-negative"),
    pytest.param(["--seed", "abc"], "--seed", "'abc' is not allowed", "2**128 - 1", id="seed-text"),
    pytest.param(["--seed", "1.5"], "--seed", "is not allowed", None, id="seed-fraction"),
    pytest.param(["--seed", str(2**128)], "--seed", "is not allowed", None, id="seed-too-big"),
    pytest.param(["--seed"], "--seed", "expected one argument", "--help", id="seed-missing-value"),
    pytest.param(["--rule", "dictator"], "--rule", "unknown decision rule 'dictator'",
                 "consensus, consensus_excluding_parties", id="unknown-rule"),
    pytest.param(["--set", "nonsense=1"], "--set nonsense", "unknown parameter 'nonsense'", "threat_scale",
                 id="set-unknown-name"),
    pytest.param(["--set", "noise=9"], "--set noise", "9 is out of range", "a number from 0 to 2", id="set-above"),
    pytest.param(["--set", "noise=-1"], "--set noise", "-1 is out of range", "0 to 2", id="set-below"),
    pytest.param(["--set", "noise=abc"], "--set noise", "expected a number, got 'abc'", "a number from 0 to 2",
                 id="set-not-number"),
    pytest.param(["--set", "noise="], "--set noise", "expected a number", None, id="set-empty-value"),
    pytest.param(["--set", "noise=nan"], "--set noise", "expected a finite number", None, id="set-nan"),
    pytest.param(["--set", "rounds=2.5"], "--set rounds", "expected a whole number", "a whole number from 1 to 20",
                 id="set-int-fraction"),
    pytest.param(["--set", "noise=0.1", "--set", "influence=7"], "--set influence", "out of range", "0 to 1",
                 id="set-second-bad"),
    pytest.param(["--set", "noise"], "--set", "'noise' is not NAME=VALUE", "NAME=VALUE", id="set-no-equals"),
    pytest.param(["--set", "=3"], "--set", "is not NAME=VALUE", None, id="set-no-name"),
    pytest.param(["--frobnicate"], "--frobnicate", "unrecognized argument", "--help", id="unknown-option"),
]


@pytest.mark.parametrize(("extra", "field", "fragment", "allowed"), ARGS)
def test_arguments(scenarios_dir, tmp_path, capsys, extra, field, fragment, allowed):
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    assert_cli_fails(capsys, ["run", str(CASE_FILE), "--out", out, *extra], "command line", field, fragment, allowed)
    assert not out.exists()
    assert snapshot(tmp_path) == before


def test_missing_scenario_argument(capsys):
    assert_cli_fails(capsys, ["run"], "command line", "scenario", "missing", "csto-sim run --help")


def test_unknown_command(capsys):
    assert_cli_fails(capsys, ["simulate"], "command line", "command", "invalid choice: 'simulate'", "'run'")


def test_no_command_is_the_help_not_an_error(capsys):
    assert main([]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("usage: csto-sim") and not captured.err


@pytest.mark.parametrize("command", ["replay", "list"])
def test_scenarios_folder_missing(tmp_path, capsys, command):
    missing = tmp_path / "nowhere"
    assert_cli_fails(capsys, [command, "--scenarios", missing], "command line", "--scenarios",
                     f"{missing}: no such folder", "a folder of scenario files")


def test_replay_broken_case_in_folder(write_case, write_organisation, case_data, organisation_data, tmp_path,
                                     capsys):
    write_organisation(organisation_data)
    path = write_case(mutate(case_data, {"date": "1985"}))
    assert_cli_fails(capsys, ["replay", "--scenarios", tmp_path, "-n", "10"], path, "date", "no roster")


# --------------------------------------------------------------------------------------------------
# --out: never clobber what is not ours, and write nothing on error
# --------------------------------------------------------------------------------------------------

def _make_file(tmp_path: Path) -> Path:
    out = tmp_path / "results.txt"
    out.write_text("my notes\n")
    return out


def _make_other_folder(tmp_path: Path) -> Path:
    out = tmp_path / "thesis"
    (out / "chapter1").mkdir(parents=True)
    (out / "notes.md").write_text("do not delete\n")
    (out / "chapter1" / "draft.tex").write_text("\\section{CSTO}\n")
    return out


def _make_foreign_manifest(tmp_path: Path) -> Path:
    out = tmp_path / "webapp"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"name": "my app", "start_url": "/"}))
    (out / "index.html").write_text("<html></html>\n")
    return out


def _make_foreign_manifest_only(tmp_path: Path) -> Path:
    out = tmp_path / "extension"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"manifest_version": 3, "name": "ext"}))
    return out


def _make_results_with_extra(tmp_path: Path) -> Path:
    out = tmp_path / "old-results"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"format": "csto-sim/run-1"}))
    (out / "analysis.ipynb").write_text("{}\n")
    return out


def _make_parent_is_file(tmp_path: Path) -> Path:
    return _make_file(tmp_path) / "out"


def _make_broken_link(tmp_path: Path) -> Path:
    out = tmp_path / "link"
    out.symlink_to(tmp_path / "gone")
    return out


OUT = [
    pytest.param(_make_file, "exists and is not a folder", id="out-is-a-file"),
    pytest.param(_make_other_folder, "non-empty folder", id="out-is-someone-elses-folder"),
    pytest.param(_make_foreign_manifest, "non-empty folder", id="out-has-foreign-manifest"),
    pytest.param(_make_foreign_manifest_only, "non-empty folder", id="out-is-foreign-manifest-only"),
    pytest.param(_make_results_with_extra, "non-empty folder", id="out-results-plus-other-files"),
    pytest.param(_make_parent_is_file, "is not a folder", id="out-parent-is-a-file"),
    pytest.param(_make_broken_link, "broken symbolic link", id="out-broken-symlink"),
]


@pytest.mark.parametrize(("make", "fragment"), OUT)
def test_out_refused_and_untouched(write_case, case_data, tmp_path, capsys, make, fragment):
    path = write_case(case_data)
    out = make(tmp_path)
    existed = out.exists() or out.is_symlink()
    before = snapshot(tmp_path)
    line = run_cli(capsys, "run", path, "-n", "10", "--out", out)
    assert_message(line, "command line", "--out", fragment, None)
    assert f"--out: {out}: " in line
    assert snapshot(tmp_path) == before
    assert (out.exists() or out.is_symlink()) == existed


def _overwrite(text: str) -> Callable[[Path], Path]:
    def make(case: Path) -> Path:
        case.write_text(text, encoding="utf-8")
        return case
    return make


BAD_SCENARIO = [
    pytest.param(lambda case: case.with_name("missing.yaml"), id="missing-file"),
    pytest.param(lambda case: case.parent, id="folder"),
    pytest.param(_overwrite("a: !!python/object/apply:os.getcwd []\n"), id="python-tag"),
    pytest.param(_overwrite("a: [b\n"), id="malformed"),
]


@pytest.mark.parametrize("make", BAD_SCENARIO)
def test_nothing_written_on_bad_scenario(write_case, case_data, tmp_path, capsys, make):
    scenario = make(write_case(case_data))
    out = tmp_path / "results"
    before = snapshot(tmp_path)
    run_cli(capsys, "run", scenario, "-n", "10", "--out", out)
    assert not out.exists()
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------------------------------------
# The installed console script: no traceback reaches the terminal
# --------------------------------------------------------------------------------------------------

def _console_script() -> list[str]:
    for candidate in (Path(sys.executable).with_name("csto-sim"), shutil.which("csto-sim")):
        if candidate and Path(candidate).is_file():
            return [str(candidate)]
    return [sys.executable, "-m", "model.cli"]


SUBPROCESS: dict[str, tuple[Callable[[str], str], list[str], str]] = {
    "python-tag": (_replace(TITLE, "title: !!python/object/apply:os.system ['echo PWNED']"), [],
                   "case.yaml: line 4: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' would construct"),
    "deep-nesting": (_append("deep: " + "[" * 5000 + "]" * 5000 + "\n"), [], "case.yaml: YAML: nested too deeply"),
    "absurd-replications": (lambda t: t, ["-n", "1000000000000"],
                            "command line: --replications: 1000000000000 is out of range"),
    "bad-set": (lambda t: t, ["--set", "noise=abc"], "command line: --set noise: expected a number"),
}


@pytest.fixture(scope="module")
def console_runs(tmp_path_factory) -> dict[str, tuple[subprocess.Popen[str], Path]]:
    """Start every SUBPROCESS row at once (each pays the interpreter's start-up; in parallel, once)."""
    text = CASE_FILE.read_text(encoding="utf-8")
    env = {**os.environ, "CSTO_SIM_SCENARIOS": str(SCENARIOS), "PYTHONPATH": str(REPO_ROOT)}
    runs = {}
    for name, (edit, extra, _) in SUBPROCESS.items():
        folder = tmp_path_factory.mktemp(name)
        path = folder / "historical" / "case.yaml"
        path.parent.mkdir()
        path.write_text(edit(text), encoding="utf-8")
        out = folder / "out"
        argv = [*_console_script(), "run", str(path), "-n", "10", "--out", str(out), *extra]
        runs[name] = (subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=folder,
                                       env=env), out)
    yield runs
    for proc, _ in runs.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("name", list(SUBPROCESS))
def test_console_script(console_runs, name):
    proc, out = console_runs[name]
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2, stderr
    assert stdout == ""
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert SUBPROCESS[name][2] in lines[0] and re.search(r" \(allowed: .+\)$", lines[0]), lines[0]
    assert not out.exists() and "PWNED" not in stdout + stderr


def test_the_fast_yaml_reader_reads_every_shipped_file_as_the_reference_does():
    """read_yaml parses with libyaml when it can and falls back to the Python reader on any complaint (whose
    message is reported): both must read every YAML file of the repository to the same data."""
    import yaml

    from model.files import yamlsafe

    root = Path(__file__).resolve().parent.parent
    files = [p for folder in ("scenarios", "experiments", "calibration", "docs") for p in (root / folder).rglob("*.yaml")]
    assert len(files) > 30
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = yaml.load(text, Loader=yamlsafe._FastLoader)  # noqa: S506 - safe loaders, with checks
        assert fast == yaml.load(text, Loader=yamlsafe._UniqueKeyLoader), path  # noqa: S506
    with pytest.raises(yaml.YAMLError, match="an alias"):
        yaml.load("a: &x [1]\nb: *x\n", Loader=yamlsafe._FastLoader)  # noqa: S506
