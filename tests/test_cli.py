"""The command line's shape: the shared options have one range in every command that takes them, and the
library never imports the command line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from model.cli import build_parser, main

PACKAGE = Path(__file__).resolve().parent.parent / "model"
BIG_SEED = 2**128 - 1


def _fails(capsys, argv: list[str], fragment: str) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("error: command line: ") and "\n" not in err and fragment in err, err
    assert "Traceback" not in captured.err


CASE_COMMANDS = [["run", "kazakhstan-2022"], ["replay"], ["explain", "kazakhstan-2022"], ["power", "kazakhstan-2022"],
                 ["compare-forums", "kazakhstan-2022"], ["calibrate"], ["validate"]]


@pytest.mark.parametrize("command", CASE_COMMANDS, ids=lambda c: c[0])
def test_seed_and_replications_have_one_range(capsys, tmp_path, command):
    out = ["--out", str(tmp_path / "never")] if command[0] == "calibrate" else []
    out += ["--report", str(tmp_path / "never" / "v.md")] if command[0] == "validate" else []
    assert build_parser().parse_args([*command, "--seed", str(BIG_SEED)]).seed == BIG_SEED
    _fails(capsys, [*command, *out, "--seed", str(BIG_SEED + 1)],
           "--seed: '340282366920938463463374607431768211456' is not allowed (allowed: a whole number from 0 to "
           "2**128 - 1)")
    _fails(capsys, [*command, *out, "--replications", "0"], "--replications: 0 is out of range (allowed: 1 to 2,000,000)")
    _fails(capsys, [*command, *out, "-n", "many"], "--replications: 'many' is not a whole number (allowed: 1 to 2,000,000)")
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("command", [["sweep", "x"], ["sensitivity", "x"], ["calibrate"], ["validate"]],
                         ids=lambda c: c[0])
def test_workers_have_one_range(capsys, tmp_path, command):
    out = tmp_path / "never"
    where = ["--report", str(out / "v.md")] if command[0] == "validate" else ["--out", str(out)]
    _fails(capsys, [*command, *where, "--workers", "1025"], "--workers: 1025 is out of range (allowed: 1 to 1024)")
    _fails(capsys, [*command, *where, "-w", "0"], "--workers: 0 is out of range (allowed: 1 to 1024)")
    assert not out.exists()


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top, inside functions or under TYPE_CHECKING, as absolute names."""
    module = path.relative_to(PACKAGE.parent).with_suffix("").parts
    base = list(module[:-1])  # the package a relative import starts from
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            root = ".".join(base[: len(base) - node.level + 1]) if node.level else ""
            target = ".".join(p for p in (root, node.module or "") if p)
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)
    return found


def test_the_library_never_imports_the_command_line():
    offenders = {str(p.relative_to(PACKAGE.parent)): sorted(m for m in _imports(p) if m == "model.cli"
                                                            or m.startswith("model.cli."))
                 for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts}
    assert not {k: v for k, v in offenders.items() if v}


def test_no_command_module_imports_another():
    commands = {p.stem for p in (PACKAGE / "cli").glob("*.py")} - {"__init__", "__main__", "options", "common"}
    for p in (PACKAGE / "cli").glob("*.py"):
        if p.stem in commands:
            others = {m for m in _imports(p) if m.startswith("model.cli.") and m.split(".")[2] in commands - {p.stem}}
            assert not others, (p.name, others)
