"""Where scenario files are found: the scenarios folder, a case id or a path, the organisation file a case
names; and the cache of organisations already read (keyed by path and content)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError, did_you_mean
from ..files.manifest import sha256_file
from ..files.yamlsafe import MAX_FILE_BYTES
from .organisation import load_organisation
from .types import Organisation

_ORG_CACHE: dict[tuple[str, str], Organisation] = {}


def scenarios_root() -> Path:
    """The scenarios folder: $CSTO_SIM_SCENARIOS, ./scenarios, or the one beside the package."""
    env = os.environ.get("CSTO_SIM_SCENARIOS")
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    if (here / "organisations").is_dir():
        return here
    return Path(__file__).resolve().parent.parent.parent / "scenarios"


def find_organisation(name: str, case_path: Path) -> Path | None:
    candidates = [case_path.parent / "organisations", case_path.parent.parent / "organisations",
                  scenarios_root() / "organisations"]
    for folder in candidates:
        p = folder / f"{name}.yaml"
        if p.is_file():
            return p
    return None


def resolve_scenario(ref: str | os.PathLike[str]) -> Path:
    """A path to a case file, or a case id looked up under the scenarios folder."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or os.sep in str(ref) or _exists(p):
        return p
    matches = sorted(scenarios_root().rglob(f"{ref}.yaml"))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = sorted(x.stem for x in list_case_files())
        raise InputError(str(ref), "", "no such scenario file or case id" + did_you_mean(str(ref), known), ", ".join(known))
    raise InputError(str(ref), "", "ambiguous case id", ", ".join(map(str, matches)))


def _exists(p: Path) -> bool:
    try:
        return p.exists()
    except (OSError, ValueError):  # e.g. a name too long: read_yaml reports it
        return True


def list_case_files(root: Path | None = None) -> list[Path]:
    root = root or scenarios_root()
    return sorted(p for p in root.rglob("*.yaml") if "organisations" not in p.parts)


def cached_organisation(path: Path) -> Organisation:
    """``load_organisation(path)``, read once per path and content."""
    try:
        key = (str(path.resolve()), sha256_file(path)) if path.stat().st_size <= MAX_FILE_BYTES else None
    except OSError:
        key = None  # unreadable: load_organisation reports it
    org = _ORG_CACHE.get(key) if key else None
    if org is None:
        org = load_organisation(path)
        if key:
            _ORG_CACHE[key] = org
    return org
