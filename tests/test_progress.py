"""Progress outside a sweep: a tqdm bar on a terminal, nothing on a pipe or a log (model/progress.py)."""

from __future__ import annotations

import io

from model.progress import steps


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_the_count_and_the_label():
    out = Terminal()
    assert list(steps(range(5), "replay", 5, " cases", stream=out)) == [0, 1, 2, 3, 4]
    text = out.getvalue()
    assert "replay" in text and "/5" in text and "cases" in text  # drawn, then cleared (leave=False)


def test_a_pipe_gets_the_items_and_nothing_written():
    out = io.StringIO()
    assert list(steps(iter("abc"), "explain", 3, stream=out)) == ["a", "b", "c"]
    assert out.getvalue() == ""


def test_replay_writes_no_progress_when_standard_error_is_not_a_terminal(capsys):
    from model.cli import main

    assert main(["replay", "-n", "20", "--posterior", "none"]) == 0
    assert capsys.readouterr().err == ""
