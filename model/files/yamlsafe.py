"""The one safe YAML reader: case, organisation, experiment and calibration files all come through here.

The safe loader, refusing duplicate keys, aliases and tags that would construct objects; a file over
:data:`MAX_FILE_BYTES` is refused unread. Every failure is an :class:`~model.errors.InputError` naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError, quote

MAX_FILE_BYTES = 1_000_000


class _Checks:
    """What the safe constructor refuses besides tags: duplicate keys, unhashable keys, values that cannot be read."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # e.g. a date 2022-02-30, an integer of 5,000 digits
            value = node.value if isinstance(node.value, str) else node.tag
            raise yaml.constructor.ConstructorError(
                None, None, f"{value[:40]!r} cannot be read ({str(exc).split(';')[0]})", node.start_mark) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, f"a {type(key).__name__} as a mapping key", key_node.start_mark) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {quote(key)}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _UniqueKeyLoader(_Checks, yaml.SafeLoader):
    """The safe loader, refusing duplicate keys and aliases (no object construction either way)."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D401
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


class _FastLoader(_Checks, yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """libyaml's parser and composer (C, ten times as fast), with the checks of :class:`_UniqueKeyLoader`'s
    constructor; an alias (a node reached twice) is refused here too. Used only for what it reads without a
    complaint: on any error the file is read again by :class:`_UniqueKeyLoader`, whose message (and line) is the
    one reported, so the two readers cannot differ in what they refuse or in how they say it."""

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        seen: set[int] = set()
        todo = [node] if node is not None else []
        while todo:
            n = todo.pop()
            if id(n) in seen:
                raise yaml.constructor.ConstructorError(None, None, "an alias", n.start_mark)
            seen.add(id(n))
            if isinstance(n, yaml.MappingNode):
                todo += [x for pair in n.value for x in pair]
            elif isinstance(n, yaml.SequenceNode):
                todo += n.value
        return node


def _load(text: str) -> Any:
    """The file's data: read by :class:`_FastLoader` when it reads it without a complaint (printable text),
    else by :class:`_UniqueKeyLoader`, which raises the error reported."""
    if not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a SafeLoader with the same checks
        except (yaml.YAMLError, RecursionError, ValueError, TypeError):
            pass
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


def read_yaml(path: Path) -> Any:
    """Read a YAML file with the safe loader; every failure becomes an InputError naming the file."""
    where = str(path)
    try:
        if path.is_dir():
            raise InputError(where, "", "is a folder, not a file", "a .yaml file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(where, "", f"file is {size} bytes", f"at most {MAX_FILE_BYTES} bytes")
        with path.open("rb") as f:  # read at most the limit: a device or pipe may not know its size
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise InputError(where, "", f"file is over {MAX_FILE_BYTES} bytes", f"at most {MAX_FILE_BYTES} bytes")
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise InputError(where, "", "no such file", "an existing .yaml file") from None
    except PermissionError:
        raise InputError(where, "", "cannot be read (permission denied)", "a readable file") from None
    except UnicodeDecodeError:
        raise InputError(where, "", "is not UTF-8 text", "a UTF-8 YAML file") from None
    except OSError as exc:
        raise InputError(where, "", f"cannot be read ({exc.strerror})", "a readable file") from None
    except ValueError as exc:  # e.g. a NUL character in the path
        raise InputError(where, "", f"is not a usable file name ({exc})", "a path to a .yaml file") from None
    try:
        return _load(text)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = f"line {mark.line + 1}" if mark else "YAML"
        problem = exc.problem or "cannot be constructed"
        if "could not determine a constructor" in problem:
            problem = f"YAML tag {problem.split('tag ', 1)[-1]} would construct an object"
            return_allowed = "plain YAML: mappings, lists, strings, numbers, booleans, null"
            raise InputError(where, line, problem, return_allowed) from None
        raise InputError(where, line, problem, "plain YAML with unique text keys") from None
    except yaml.reader.ReaderError as exc:
        raise InputError(where, f"character {exc.position + 1}", f"malformed YAML: {exc.reason}",
                         "printable UTF-8 text") from None
    except RecursionError:
        raise InputError(where, "YAML", "nested too deeply", "plain YAML nested a few levels deep") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise InputError(where, line, f"malformed YAML: {problem}", "valid YAML") from None
