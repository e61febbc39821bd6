"""The documentation reports what the code does: the README's replay table is what `csto-sim replay`
prints, and its quick start names commands that exist."""

import re
from pathlib import Path

from model.cli import build_parser, main

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_replay_table_is_what_replay_prints(capsys):
    assert main(["replay"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    text = README.read_text()
    block = text[text.index("What the first prints:"):]
    block = block[block.index("```") + 3: block.index("```", block.index("```") + 3)].strip().splitlines()
    assert block == printed, "update the README's replay table (run: csto-sim replay)"


def test_readme_quick_start_has_two_commands_that_set_up_and_run():
    text = README.read_text()
    quick = text[text.index("## Quick start"):text.index("## ", text.index("## Quick start") + 5)]
    commands = re.findall(r"```sh\n(.+?)\n```", quick)
    assert len(commands) == 2
    assert "csto-sim replay" in commands[0] and "pytest" in commands[1]
    assert all("venv" in c and "pip install" in c for c in commands)


def test_every_command_in_the_readme_exists():
    text = README.read_text()
    subcommands = set(build_parser()._subparsers._group_actions[0].choices)  # noqa: SLF001
    used = set(re.findall(r"^csto-sim (\w[\w-]*)", text, flags=re.M))
    assert used and used <= subcommands, used - subcommands
