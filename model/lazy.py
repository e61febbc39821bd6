"""Public names loaded on first use (PEP 562), so that importing a package costs nothing until a name of it
is used: ``model``, ``model.sweep`` and ``model.calibrate`` hand their names on through :func:`exports`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def exports(package: str, public: Mapping[str, str], namespace: dict[str, Any]
            ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__``: ``public`` maps each public name to the (relative) module that
    defines it; a name is imported when first asked for and then kept in the package's ``namespace``."""

    def __getattr__(name: str) -> Any:
        if name not in public:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(public[name], package), name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted([*namespace, *public])

    return __getattr__, __dir__
