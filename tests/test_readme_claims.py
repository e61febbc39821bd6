"""The README says what the code does: its layout block is the package's tree, and its claims about the model's
answers hold as stated (at the parameters it names). The replay table and the commands are checked in
tests/test_docs.py; the explanation table of docs/analysis.md in tests/test_analysis_explain.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from model.posterior import load_posterior, run_with
from model.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _layout() -> list[tuple[int, str]]:
    """The layout block's entries: (indent, name), in order."""
    block = README.split("## Layout", 1)[1].split("```", 2)[1]
    entries = []
    for line in block.splitlines():
        m = re.match(r"^( *)(\S+)\s", line + " ")
        if m and (m.group(2).endswith("/") or m.group(2).endswith(".py")):
            entries.append((len(m.group(1)), m.group(2)))
    return entries


def _paths() -> list[str]:
    """The layout's entries as paths from the repository's root (nesting from the indents)."""
    stack: list[tuple[int, str]] = []
    out = []
    for indent, name in _layout():
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = "".join(n for _, n in stack) + name
        out.append(path)
        if name.endswith("/"):
            stack.append((indent, name))
    return out


def test_every_path_of_the_layout_exists():
    paths = _paths()
    assert len(paths) > 20
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert not missing, f"the README's layout names paths that do not exist: {missing}"


def test_the_layout_names_every_part_of_the_package():
    listed = set(_paths())
    package = ROOT / "model"
    parts = [f"model/{p.name}/" for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    top = [d for d in ("scenarios/", "calibration/", "experiments/", "tests/", "docs/", "benchmarks/")
           if (ROOT / d).is_dir()]
    missing = sorted(set(parts + top) - listed)
    assert not missing, f"the README's layout leaves out: {missing}"


R = 2000


def test_kazakhstan_internal_framing_is_assistance_at_the_defaults_but_a_deployment_over_the_posterior():
    """README, 'Why and when', and docs/analysis.md section 3: the claim holds at the defaults only."""
    case = load_scenario("kazakhstan-2022-internal-framing")
    at_defaults = run_with(case, R, 1, None)
    assert at_defaults.modal_outcome == "assistance" and at_defaults.outcome_probabilities["assistance"] > 0.95
    over = run_with(case, R, 1, load_posterior("shipped"))
    assert over.modal_outcome == "deployment"
    assert 0.6 < over.outcome_probabilities["deployment"] < 0.8


@pytest.mark.parametrize("origin", ["external_state", "external_nonstate", "member_state", "internal"])
def test_only_a_threat_from_abroad_makes_june_2010_a_deployment_at_the_defaults(origin):
    from model.scenario import with_facts

    case = with_facts(load_scenario("kyrgyzstan-2010-06"), {"threat.origin": origin})
    res = run_with(case, R, 1, None)
    assert (res.modal_outcome == "deployment") == origin.startswith("external")


@pytest.mark.parametrize("path", sorted((ROOT / "experiments").glob("*.yaml")), ids=lambda p: p.stem)
def test_each_experiment_file_states_its_size(path, capsys):
    import json

    from model.cli import main

    assert main(["sweep", str(path), "--dry-run", "--json"]) in (0, None)
    d = json.loads(capsys.readouterr().out)
    stated = re.search(r"^# Size: ([\d,]+) points x ([\d,]+) replications = ([\d,]+) runs", path.read_text(), re.M)
    assert stated, f"{path.name}: no '# Size: ...' line"
    assert [int(g.replace(",", "")) for g in stated.groups()] == [d["points"], d["replications"], d["runs"]]
    row = re.search(rf"^\| `{re.escape(path.stem)}` \|[^|]*\| ([\d,]+) x ([\d,]+) \|$", README, re.M)
    if row:  # the README's sweeps table, for the experiments it lists
        assert [int(g.replace(",", "")) for g in row.groups()] == [d["points"], d["replications"]]


def _shown_commands() -> list[tuple[str, str]]:
    """Every concrete ``csto-sim ...`` command in a shell block of the README and docs/*.md (usage lines with
    ``[...]``, ``|`` or ``...`` are synopses, not commands), without its comment."""
    out = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```(?:sh|console|bash)?\n(.*?)```", doc.read_text(), flags=re.S):
            for line in block.splitlines():
                line = re.sub(r"^\$ ", "", line.strip())
                line = re.sub(r"^\.venv/bin/", "", line)
                if not line.startswith("csto-sim ") or "..." in line:  # (each part of "a && b" below)
                    continue
                command = re.split(r"\s+#\s|\s{2,}\(", line)[0].strip()  # a comment, or a note "  (...)"
                if any(c in command for c in "[]|<>"):
                    continue
                out.extend((doc.name, part.strip()) for part in command.split(" && "))
    return out


@pytest.mark.parametrize("doc, command", _shown_commands())
def test_every_command_shown_in_the_docs_parses(doc, command):
    import shlex

    from model.cli import build_parser
    from model.errors import InputError

    args = shlex.split(command)[1:]
    if args in (["--version"], ["--help"]):
        return
    try:
        build_parser().parse_args(args)
    except (SystemExit, InputError) as stop:
        raise AssertionError(f"{doc}: `{command}` does not parse: {stop}") from stop
