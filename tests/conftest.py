"""Shared fixtures: the repository's scenarios, and modified copies of them written into ``tmp_path``."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = REPO_ROOT / "scenarios"
CASE_FILE = SCENARIOS / "historical" / "kazakhstan-2022.yaml"
WHATIF_FILE = SCENARIOS / "whatif" / "hypothetical-request.yaml"
ORGANISATION_FILE = SCENARIOS / "organisations" / "csto.yaml"

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: the tests parse a lot
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def _parsed(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader


def read_data(path: Path) -> Any:
    """A repository YAML file as a fresh (deep-copied) structure that a test may modify."""
    return copy.deepcopy(_parsed(path))


@pytest.fixture
def scenarios_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ``CSTO_SIM_SCENARIOS`` at the repository's scenarios, whatever the working directory."""
    monkeypatch.setenv("CSTO_SIM_SCENARIOS", str(SCENARIOS))
    return SCENARIOS


@pytest.fixture
def case_yaml() -> str:
    """The text of ``scenarios/historical/kazakhstan-2022.yaml``."""
    return CASE_FILE.read_text(encoding="utf-8")


@pytest.fixture
def case_data() -> dict[str, Any]:
    """``kazakhstan-2022.yaml`` as a fresh dictionary, to be modified by a test."""
    return read_data(CASE_FILE)


@pytest.fixture
def whatif_data() -> dict[str, Any]:
    """``scenarios/whatif/hypothetical-request.yaml`` as a fresh dictionary."""
    return read_data(WHATIF_FILE)


@pytest.fixture
def organisation_data() -> dict[str, Any]:
    """``scenarios/organisations/csto.yaml`` as a fresh dictionary."""
    return read_data(ORGANISATION_FILE)


def write_yaml(path: Path, content: dict[str, Any] | str | bytes) -> Path:
    """Write a dictionary (as safe YAML), a text or raw bytes to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(yaml.dump(content, Dumper=_DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def write_case(tmp_path: Path, scenarios_dir: Path) -> Callable[..., Path]:
    """``write_case(content, folder="historical", name="case.yaml")``: a case file in ``tmp_path/folder``.

    The case finds its organisation in ``tmp_path/organisations/`` if a test put one there, else in the
    repository's ``scenarios/organisations/`` (through ``CSTO_SIM_SCENARIOS``).
    """

    def write(content: dict[str, Any] | str | bytes, folder: str = "historical", name: str = "case.yaml") -> Path:
        return write_yaml(tmp_path / folder / name, content)

    return write


@pytest.fixture
def write_organisation(tmp_path: Path) -> Callable[[dict[str, Any] | str | bytes], Path]:
    """``write_organisation(content)``: ``tmp_path/organisations/csto.yaml``, found by cases in ``tmp_path/*/``."""

    def write(content: dict[str, Any] | str | bytes) -> Path:
        return write_yaml(tmp_path / "organisations" / "csto.yaml", content)

    return write


def main_coding(data: Any) -> Any:
    """A case file's data without its alternative codings (the main coding of every fact)."""
    if isinstance(data, dict):
        return {k: main_coding(v) for k, v in data.items() if k != "alternatives"}
    if isinstance(data, list):
        return [main_coding(v) for v in data]
    return data
