"""The check every public method of :class:`Registry` and :class:`Session` runs first, before
any store access: each argument has the type its signature names, each string in it can be
stored (no NUL, no lone surrogate, no control character) and each integer fits a BIGINT.

:func:`guard_entry_points` wraps every public method of a class — those it defines and those
it inherits — so a method added later is covered without anyone remembering to call a check.
A refusal is a :class:`FormatError` naming every problem and the path of each argument item
(``persons[0].given_name``, ``resident_id``), audited through the class's own refusal hook
before it is raised: bad input never reaches a store, where it would escape as an encoding
error and leave no trace in the audit log.
"""

from __future__ import annotations

import collections.abc as cabc
import functools
import inspect
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, Protocol, TypeVar, Union, get_args, get_origin

from kure_juki.domain.errors import FormatError, Problem, problem
from kure_juki.domain.format_checks import is_valid_id
from kure_juki.domain.input_text import input_problems
from kure_juki.logs import get_logger

log = get_logger()

C = TypeVar("C", bound=type)

# Audit plumbing and clock reads: they record or return, and take nothing from a caller's
# input that reaches a store unescaped (append_audit escapes what it records).
EXEMPT = frozenset({"append_audit", "audit_now", "run_movement", "now", "today", "close", "logout"})

# Arguments whose items are named from their own root, as in the document they carry.
UNPREFIXED = frozenset({"notification"})

# Methods whose text arguments are criteria, not content: their whitespace of every kind is
# folded away (a blank criterion is no criterion), so only other controls are refused.
SPACING_FOLDED = frozenset({"search"})

# Arguments naming persons: a refusal names them in its audit entry (when they are well formed).
PERSON_ARGUMENTS = ("resident_id", "resident_ids", "requester_resident_id", "applicant_id")

_SEQUENCES = (
    list, tuple, set, frozenset,
    cabc.Iterable, cabc.Collection, cabc.Sequence, cabc.Set, cabc.MutableSequence,
)
_CONCRETE = (str, bytes, list, tuple, set, frozenset, Mapping)


class Guarded(Protocol):
    def _refuse_input(
        self, operation: str, error: FormatError, arguments: Mapping[str, Any]
    ) -> None: ...

    def _entry_problems(self, operation: str, arguments: Mapping[str, Any]) -> list[Problem]: ...


def conforms(value: Any, tp: Any) -> bool:
    """Whether *value* has type *tp*, as far as a runtime can tell (what it cannot check —
    protocols, callables, unresolvable names — it accepts)."""
    if tp is Any or tp is object:
        return True
    if tp is None or tp is type(None):
        return value is None
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Union or origin is types.UnionType:
        return any(conforms(value, a) for a in args)
    if origin is Literal:
        return value in args
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(v, args[0]) for v in value)
        return not args or (len(args) == len(value) and all(map(conforms, value, args)))
    if origin in (dict, cabc.Mapping, cabc.MutableMapping):
        if not isinstance(value, Mapping):
            return False
        key_t, value_t = args if len(args) == 2 else (Any, Any)
        return all(conforms(k, key_t) and conforms(v, value_t) for k, v in value.items())
    if origin in _SEQUENCES:
        if not isinstance(value, origin):
            return False
        if not args or not isinstance(value, _CONCRETE):
            return True  # an iterator is not consumed here (callers materialise it first)
        return all(conforms(v, args[0]) for v in value)
    if origin is not None:
        return True
    if isinstance(tp, type):
        try:
            return isinstance(value, tp)
        except TypeError:  # a protocol not checkable at run time
            return True
    return True


def _is_iterable_of(tp: Any) -> bool:
    """An ``Iterable[...]``-like annotation (possibly optional) a caller may fill with a
    one-shot iterator: it is read into a tuple once, so the checks and the method see the
    same items."""
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return any(_is_iterable_of(a) for a in get_args(tp))
    return origin in (cabc.Iterable, cabc.Collection)


@functools.cache
def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """The annotations of *fn* that resolve at run time (names imported only for type checking
    do not, and are not checked)."""
    out: dict[str, Any] = {}
    namespace = dict(getattr(fn, "__globals__", {}))
    for name, raw in getattr(fn, "__annotations__", {}).items():
        if name == "return":
            continue
        try:
            out[name] = eval(raw, namespace) if isinstance(raw, str) else raw
        except Exception:
            continue
    return out


def argument_problems(
    signature: inspect.Signature,
    hints: Mapping[str, Any],
    arguments: dict[str, Any],
    *,
    spacing: bool = False,
) -> list[Problem]:
    """Every problem of the bound *arguments*: types first, then text and ranges inside.
    One-shot iterables in *arguments* are replaced by tuples of their items."""
    found: list[Problem] = []
    for name, value in list(arguments.items()):
        param = signature.parameters[name]
        tp = hints.get(name, Any)
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            found += input_problems(value, spacing=spacing)
            continue
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            found += input_problems(list(value), name, name, spacing=spacing)
            continue
        if (
            _is_iterable_of(tp)
            and isinstance(value, cabc.Iterable)
            and not isinstance(value, _CONCRETE)
        ):
            value = arguments[name] = tuple(value)
        if not conforms(value, tp):
            found.append(problem("KJ-FMT-804", name, name))
            continue
        if name in UNPREFIXED:
            found += input_problems(value, spacing=spacing)
        else:
            found += input_problems(value, name, name, spacing=spacing)
    return found


def persons_named(arguments: Mapping[str, Any]) -> tuple[str, ...]:
    """The well-formed resident ids among the arguments (and a notification's own)."""
    out: list[str] = []
    sources: list[Any] = [arguments.get(k) for k in PERSON_ARGUMENTS]
    notification = arguments.get("notification")
    if isinstance(notification, Mapping):
        sources += [notification.get("resident_id"), notification.get("resident_ids")]
    for value in sources:
        items: Iterable[Any] = [value] if isinstance(value, str) else (
            value if isinstance(value, list | tuple) else ()
        )
        for rid in items:
            if isinstance(rid, str) and is_valid_id(rid) and rid not in out:
                out.append(rid)
    return tuple(out)


def _wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def guarded(self: Guarded, *args: Any, **kwargs: Any) -> Any:
        bound: inspect.BoundArguments | None
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:  # missing, surplus or unknown arguments: nothing to name them by
            bound = None
        arguments: dict[str, Any] = {}
        if bound is None:
            found = [problem("KJ-FMT-804")]
        else:
            arguments = dict(bound.arguments)
            arguments.pop(next(iter(signature.parameters)))  # self
            found = argument_problems(
                signature, _hints(fn), arguments, spacing=name in SPACING_FOLDED
            )
        if found:
            # The method's own pure format checks join the refusal: every problem at once.
            # (Without a problem here, the method runs them itself, after its access check.)
            found += [p for p in self._entry_problems(name, arguments) if p not in found]
            error = FormatError(found)
            try:
                self._refuse_input(name, error, arguments)
            except Exception:
                log.error("audit_unavailable", operation=name, code=error.code)
            raise error
        assert bound is not None
        for key, value in arguments.items():
            bound.arguments[key] = value
        return fn(*bound.args, **bound.kwargs)

    setattr(guarded, "__kj_guarded__", True)  # noqa: B010
    return guarded


def public_methods(cls: type) -> list[str]:
    """The public methods of *cls*, inherited ones included (properties are not methods)."""
    return sorted(
        name
        for name in dir(cls)
        if not name.startswith("_") and inspect.isfunction(inspect.getattr_static(cls, name))
    )


def guard_entry_points(cls: C) -> C:
    """Wrap every public method of *cls* (except :data:`EXEMPT`) in the argument check."""
    for name in public_methods(cls):
        if name in EXEMPT:
            continue
        fn = inspect.getattr_static(cls, name)
        if getattr(fn, "__kj_guarded__", False):
            continue
        setattr(cls, name, _wrap(name, fn))
    return cls
