"""``csto-sim check FILE``: the case file checked as every command reads it (exit 2, one line, when it is
not valid), then the newer facts it lacks, one per line with the default each takes (exit 0)."""

from __future__ import annotations

import json

import pytest
from conftest import CASE_FILE, WHATIF_FILE, read_data

from model.cli import main
from model.scenario.newer import NEWER_FACTS, OBSERVED, missing_facts

EXPECTED = ("request.channels", "request.timing", "threat.allies", "threat.massing", "adversary.kind", "agenda.chair",
            "agenda.deciding_body", "lead_state.options", "observed.convened_by", "observed.decided", "observed.reasons",
            "alternatives")


def test_the_newer_facts_are_those_of_the_format():
    assert tuple(NEWER_FACTS) == EXPECTED
    assert all(default and meaning for default, meaning in NEWER_FACTS.values())


def without_newer(data):
    """A case's data with every newer fact taken out (a case file of before issue 12)."""
    for name in NEWER_FACTS:
        group, _, field = name.partition(".")
        root = data.get("observed") if group == "observed" else data.get("facts", {}).get(group)
        if isinstance(root, dict):
            root.pop(field, None)
    data.get("facts", {}).pop("agenda", None)
    for facts in (*data.get("facts", {}).values(), data.get("observed") or {}):
        for fact in facts.values():
            if isinstance(fact, dict):
                fact.pop("alternatives", None)
    return data


def test_a_case_without_the_newer_facts_lacks_every_one(capsys, write_case, case_data):
    path = write_case(without_newer(case_data))
    assert main(["check", str(path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == f"{path}: valid; it lacks {len(EXPECTED)} newer fact(s), each of which takes its default:"
    assert [line.split()[0] for line in lines[1:]] == list(EXPECTED)
    assert all("  default: " in line for line in lines[1:])
    assert "request.channels      default: [organisation] (from request.channel" in lines[1]
    assert "observed.decided      default: true (" in "\n".join(lines)


def test_the_repositorys_cases_are_checked(capsys):
    for ref in ("kazakhstan-2022", "kyrgyzstan-2010-04", str(CASE_FILE)):
        assert main(["check", ref, "--json"]) == 0
        rep = json.loads(capsys.readouterr().out)
        assert rep["valid"] and rep["newer_facts"] == len(EXPECTED)
        lacks = [m["fact"] for m in rep["missing"]]
        assert lacks == [n for n in EXPECTED if n in lacks]  # in the order of NEWER_FACTS


def test_a_what_if_case_is_not_asked_for_what_was_observed(capsys, write_case):
    path = write_case(without_newer(read_data(WHATIF_FILE)), folder="whatif")
    assert main(["check", str(path), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["valid"] and rep["scenario"] == "hypothetical-request" and rep["newer_facts"] == len(EXPECTED)
    assert [m["fact"] for m in rep["missing"]] == [n for n in EXPECTED if n not in OBSERVED]
    assert all(set(m) == {"fact", "default", "meaning"} for m in rep["missing"])


def test_a_case_with_newer_facts_lacks_only_the_others():
    data = without_newer(read_data(CASE_FILE))
    data["facts"]["request"]["timing"] = {"value": "at_peak", "source": "S000"}
    data["facts"].setdefault("agenda", {})["chair"] = {"value": "Armenia", "source": "S000"}
    data["observed"]["reasons"] = {"Russia": {"stance": "support", "reason": "strategic value", "source": "S000"}}
    data["facts"]["threat"]["origin"]["alternatives"] = [{"value": "internal", "weight": 0.3, "source": "S002"}]
    missing = [m.name for m in missing_facts(data)]
    assert missing == [n for n in EXPECTED if n not in
                       ("request.timing", "agenda.chair", "observed.reasons", "alternatives")]


def test_a_case_whose_facts_settle_a_default_says_so():
    data = without_newer(read_data(CASE_FILE))
    data["facts"]["request"]["channel"]["value"] = "bilateral"
    data["facts"]["adversary"]["name"] = {"value": None, "source": "S000"}
    data["observed"]["outcome"]["value"] = "none"
    data["observed"].pop("days_to_decision", None)
    here = {m.name: m.default for m in missing_facts(data)}
    assert here["request.channels"].startswith("[lead_state] (")
    assert here["adversary.kind"].startswith("none (")
    assert here["observed.decided"].startswith("false (")


@pytest.mark.parametrize("change, fragment", [
    (lambda d: d.pop("id"), "id: missing"),
    (lambda d: d["facts"]["threat"].update(deaths={"value": -3, "source": "S000"}), "facts.threat.deaths"),
])
def test_an_invalid_case_is_exit_2_in_one_line(capsys, write_case, case_data, change, fragment):
    change(case_data)
    path = write_case(case_data)
    assert main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert captured.out == "" and err.startswith(f"error: {path}: ") and fragment in err and "\n" not in err


def test_a_missing_file_is_exit_2(capsys, tmp_path):
    assert main(["check", str(tmp_path / "nope.yaml")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
