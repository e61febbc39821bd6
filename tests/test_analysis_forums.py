"""The choice of forum (``csto-sim compare-forums``): the SCO as data, and the CSTO's answer to Kazakhstan 2022
stronger and faster than the SCO's, from the organisation files alone."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml

from model.analysis.forums import compare_forums, organisations, rebase
from model.cli import main
from model.scenario import load_organisation, load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SCO = SCENARIOS / "organisations" / "sco.yaml"
CSTO = SCENARIOS / "organisations" / "csto.yaml"


def read_data(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write_yaml(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_the_sco_file_is_valid_and_sourced():
    org = load_organisation(SCO)
    assert org.lead_state is None and org.default_rule == "consensus" and org.agenda_levels == ()
    assert set(org.mandate.values()) == {0.0}  # no collective-defence clause (S000)
    caps = org.capabilities_at((2022, 1, 5))
    assert caps.readiness == 0.0 and caps.force == 0.0  # RATS: no troops, no rapid-reaction force
    csto = load_organisation(CSTO)
    assert org.measures == csto.measures  # the measures are the same; the organisations differ in their data
    data = yaml.safe_load(SCO.read_text())
    for name, member in data["members"].items():
        for key, fact in member.items():
            assert fact.get("source"), f"{name}.{key} has no source"


@pytest.mark.parametrize(("date", "members"), [
    ((2010, 6, 11), {"China", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan", "Uzbekistan"}),
    ((2022, 1, 5), {"China", "India", "Kazakhstan", "Kyrgyzstan", "Pakistan", "Russia", "Tajikistan", "Uzbekistan"}),
    ((2023, 7, 4), {"China", "India", "Iran", "Kazakhstan", "Kyrgyzstan", "Pakistan", "Russia", "Tajikistan",
                    "Uzbekistan"}),
    ((2024, 8, 1), {"Belarus", "China", "India", "Iran", "Kazakhstan", "Kyrgyzstan", "Pakistan", "Russia",
                    "Tajikistan", "Uzbekistan"}),
])
def test_sco_members_by_year(date, members):
    assert {m.name for m in load_organisation(SCO).roster(date)} == members


def test_china_india_and_pakistan_look_to_their_own_regions():
    roster = {m.name: m for m in load_organisation(SCO).roster((2022, 1, 5))}
    assert roster["China"].regions == ("East Asia",)
    assert roster["India"].regions == roster["Pakistan"].regions == ("South Asia",)
    assert "Central Asia" in roster["Russia"].regions


@pytest.fixture(scope="module")
def kazakhstan():
    return compare_forums(load_scenario("kazakhstan-2022"), 2000, 1)


def test_the_csto_answers_kazakhstan_2022_stronger_and_faster_than_the_sco(kazakhstan):
    forums = {f["organisation"]: f for f in kazakhstan["forums"]}
    assert set(forums) == {"csto", "sco"}
    csto, sco = forums["csto"], forums["sco"]
    assert csto["expected_level"] > sco["expected_level"]
    assert csto["p_deployment"] > sco["p_deployment"]
    assert csto["days_to_decision"]["p50"] < sco["days_to_decision"]["p50"]
    assert [r["organisation"] for r in kazakhstan["ranking"]] == ["csto", "sco"]
    # the reasons come from the data: no clause, no ready force, no lead state, members outside the region
    text = " | ".join(sco["reasons"])
    assert "no collective-defence clause" in text and "no ready force" in text and "no lead state" in text
    assert set(sco["structure"]["out_of_region"]) == {"China", "India", "Pakistan"}
    assert sco["stances"]["China"]["object"] == 1.0  # on the deployment asked for


def test_the_result_follows_the_data_not_the_name(tmp_path: Path):
    # Give the SCO the CSTO's clause, force, lead state and agenda (a what-if organisation file): its answer to
    # the same request moves up, which only the data can do, since the code never names an organisation.
    sco = read_data(SCO)
    csto = read_data(CSTO)
    for key in ("lead_state", "agenda", "mandate", "capabilities"):
        sco[key] = csto[key]
    for name, member in sco["members"].items():
        if name in csto["members"]:
            for key in ("dependence", "force_pledge", "border_with_lead_km", "lead_installations",
                        "lead_diaspora_share", "economic_weight"):
                member[key] = csto["members"][name][key]
    write_yaml(tmp_path / "organisations" / "sco.yaml", sco)
    write_yaml(tmp_path / "organisations" / "csto.yaml", csto)
    case = load_scenario("kazakhstan-2022")
    strong = load_organisation(tmp_path / "organisations" / "sco.yaml")
    moved = compare_forums(rebase(case, load_organisation(tmp_path / "organisations" / "csto.yaml")), 1000, 1)
    forums = {f["organisation"]: f for f in moved["forums"]}
    assert forums["sco"]["p_deployment"] > 0.5 and strong.lead_state == "Russia"
    source = (SCENARIOS.parent / "model" / "analysis" / "forums.py").read_text()
    strings = {n.value.lower() for n in ast.walk(ast.parse(source))
               if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert not {s for s in strings if s in ("csto", "sco", "russia", "china")}


def test_organisations_beside_the_case():
    names = [o.name for o in organisations(load_scenario("kazakhstan-2022"))]
    assert names == ["csto", "sco"]


def test_armenia_is_not_an_sco_member(capsys):
    assert main(["compare-forums", "armenia-2021-05", "-n", "200", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert [f["organisation"] for f in rep["forums"]] == ["csto"] and rep["not_a_member"] == ["sco"]


def test_compare_forums_command(capsys):
    assert main(["compare-forums", "kazakhstan-2022", "-n", "300"]) == 0
    text = capsys.readouterr().out
    assert "stronger and faster first:" in text and "no collective-defence clause" in text
    assert main(["compare-forums", "kyrgyzstan-2010-04"]) == 2  # nobody asked
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "request.by" in err
