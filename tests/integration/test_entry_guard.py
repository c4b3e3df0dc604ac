"""Text no store can hold, fed to every public method of Registry and Session that takes a
string: only a typed FormatError comes back, the register is unchanged, and the refusal is in
the audit log (service/entry_guard.py, domain/input_text.py).

The methods are enumerated from the classes, not listed here: a method added later is probed
without anyone remembering to add it.
"""

from __future__ import annotations

import collections.abc as cabc
import inspect
import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

import nacl.pwhash
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kure_juki as kj
from kure_juki.service import passwords
from kure_juki.service.entry_guard import EXEMPT, _hints, public_methods
from kure_juki.testing.factories import move_in, person

ADMIN = "a-long-passphrase"

# Characters no item may carry: NUL, other C0 controls, DEL, C1 controls, lone surrogates.
# (Whitespace controls — tab, line breaks — are allowed in a file's lines and folded away in
# search criteria, so they are probed elsewhere.)
BAD = st.one_of(
    st.sampled_from(["\x00", "\ud800", "\udfff", "\x1b", "\x7f", "\x84", "\x9f"]),
    st.characters(categories=["Cs"]),
    st.characters(categories=["Cc"]).filter(lambda c: not c.isspace()),
)
# All of Unicode, surrogates and controls included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=12)
BAD_TEXT = st.builds(lambda a, bad, b: a + bad + b, ANY_TEXT, BAD, ANY_TEXT)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_OPS", nacl.pwhash.argon2id.OPSLIMIT_MIN)
    monkeypatch.setattr(passwords, "_MEM", nacl.pwhash.argon2id.MEMLIMIT_MIN)


# -- what a method takes --------------------------------------------------------------------
def _takes_text(tp: Any) -> bool:
    if tp is Any or tp is str:
        return True
    return any(_takes_text(a) for a in get_args(tp) if a is not Ellipsis)


def _filler(tp: Any) -> Any:
    """A value of type *tp* (the probe's other arguments: they never get that far)."""
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        options = [a for a in get_args(tp) if a is not type(None)]
        return _filler(options[0]) if options else None
    if tp is str or tp is Any:
        return "x"
    if tp is int:
        return 1
    if tp is bool:
        return False
    if tp is bytes:
        return b""
    if origin in (dict, cabc.Mapping):
        return {}
    if origin is not None:
        return ("x",)
    return None


def _carrying(tp: Any, text: str) -> Any:
    """A value of type *tp* with *text* inside."""
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return _carrying(next(a for a in get_args(tp) if _takes_text(a)), text)
    if origin in (dict, cabc.Mapping):
        return {"text": text}
    if origin is not None:
        inner = get_args(tp)[0]
        return [_carrying(inner, text) if inner is not str else text]
    return text


Probe = tuple[str, str, str]  # (class, method, parameter)


def _parameters(cls: type, name: str) -> list[tuple[inspect.Parameter, Any]]:
    fn = inspect.getattr_static(cls, name).__wrapped__
    hints = _hints(fn)
    params = list(inspect.signature(fn).parameters.values())[1:]
    return [(p, hints.get(p.name, Any)) for p in params]


def probes() -> list[Probe]:
    """Every (method, parameter) through which a caller can hand in text."""
    out: list[Probe] = []
    for cls in (kj.Registry, kj.Session):
        for name in public_methods(cls):
            if name in EXEMPT:
                continue
            for param, tp in _parameters(cls, name):
                if param.kind is inspect.Parameter.VAR_KEYWORD or _takes_text(tp):
                    out.append((cls.__name__, name, param.name))
    return out


PROBES = probes()


def call(reg: kj.Registry, s: kj.Session, probe: Probe, text: str) -> None:
    owner, name, target = probe
    cls = kj.Registry if owner == "Registry" else kj.Session
    kwargs: dict[str, Any] = {}
    for param, tp in _parameters(cls, name):
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            if param.name == target:
                kwargs["family_name"] = text
        elif param.name == target:
            if param.name == "notification":
                kwargs[param.name] = move_in([person(given_name=text)])
            else:
                kwargs[param.name] = _carrying(tp, text)
        elif param.default is inspect.Parameter.empty:
            kwargs[param.name] = _filler(tp)
    getattr(reg if owner == "Registry" else s, name)(**kwargs)


def snapshot(reg: kj.Registry) -> tuple[Any, ...]:
    with reg.store.unit_of_work() as uow:
        return (
            sorted(uow.residents.iter_all(), key=lambda r: r.resident_id),
            sorted(uow.households.iter_all(), key=lambda h: h.household_id),
            list(uow.movements.iter_all()),
            sorted(uow.operators.iter_all(), key=lambda o: o.operator_id),
            uow.code_pool.remaining(),
        )


def last_audit(reg: kj.Registry) -> Any:
    with reg.store.unit_of_work() as uow:
        return uow.audit.last()


@pytest.fixture
def populated(registry: kj.Registry) -> Iterator[tuple[kj.Registry, kj.Session]]:
    s = registry.login("admin", ADMIN, terminal_id="T-ADMIN", purpose="resident_records")
    s.submit(move_in())
    yield registry, s


def refused_and_audited(
    reg: kj.Registry, s: kj.Session, probe: Probe, text: str
) -> kj.FormatError:
    before, seq = snapshot(reg), last_audit(reg).seq
    with pytest.raises(kj.RegistryError) as caught:
        call(reg, s, probe, text)
    error = caught.value
    assert isinstance(error, kj.FormatError), (probe, error)
    assert {p.code for p in error.problems} & {"KJ-FMT-801", "KJ-FMT-802", "KJ-FMT-803"}, probe
    assert snapshot(reg) == before, probe
    entry = last_audit(reg)
    assert entry.seq == seq + 1, probe  # exactly one entry: the refusal
    assert (entry.operation, entry.outcome, entry.code) == (probe[1], "refused", error.code)
    return error


def test_every_public_method_is_guarded_and_probed() -> None:
    for cls in (kj.Registry, kj.Session):
        for name in public_methods(cls):
            if name not in EXEMPT:
                assert getattr(inspect.getattr_static(cls, name), "__kj_guarded__", False), name
    probed = {(owner, name) for owner, name, _ in PROBES}
    assert ("Session", "submit") in probed and ("Registry", "login") in probed
    assert len(probed) >= 40


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\x1b", "\x9f"])
def test_each_entry_point_refuses_unstorable_text_and_audits_it(
    populated: tuple[kj.Registry, kj.Session], bad: str
) -> None:
    reg, s = populated
    for probe in PROBES:
        refused_and_audited(reg, s, probe, f"呉{bad}")
    assert reg.verify_audit_log().ok


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_arbitrary_text_anywhere_only_raises_typed_errors(
    populated: tuple[kj.Registry, kj.Session], data: st.DataObject
) -> None:
    reg, s = populated
    probe = data.draw(st.sampled_from(PROBES), label="probe")
    text = data.draw(BAD_TEXT, label="text")
    refused_and_audited(reg, s, probe, text)


@pytest.fixture
def memory_populated(memory_registry: kj.Registry) -> tuple[kj.Registry, kj.Session]:
    s = memory_registry.login("admin", ADMIN, terminal_id="T-ADMIN", purpose="resident_records")
    s.submit(move_in())
    return memory_registry, s


@pytest.mark.slow
@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_arbitrary_text_anywhere_long_run(
    memory_populated: tuple[kj.Registry, kj.Session], data: st.DataObject
) -> None:
    """The same property at length (500 examples), on the memory store."""
    reg, s = memory_populated
    probe = data.draw(st.sampled_from(PROBES), label="probe")
    refused_and_audited(reg, s, probe, data.draw(BAD_TEXT, label="text"))


def test_the_audit_write_records_any_text_escaped(
    populated: tuple[kj.Registry, kj.Session],
) -> None:
    reg, s = populated
    with pytest.raises(kj.FormatError):
        s.submit({"type": "\ud800\x00", "resident_id": "R\udc00"})
    entry = last_audit(reg)
    assert entry.operation == "submit" and entry.outcome == "refused"
    assert entry.detail["type"] == "\\ud800\\x00"
    with pytest.raises(kj.FormatError) as e:
        reg.login("\ud800admin", ADMIN, terminal_id="T\x00", purpose="resident_records")
    assert {p.where for p in e.value.problems} == {"operator_id", "terminal_id"}
    entry = last_audit(reg)
    assert (entry.operation, entry.operator_id, entry.terminal_id) == (
        "login", "\\ud800admin", "T\\x00"
    )
    assert reg.verify_audit_log().ok


def test_a_file_s_lines_keep_their_line_breaks_but_not_escaped_controls(
    populated: tuple[kj.Registry, kj.Session],
) -> None:
    _reg, s = populated
    report = s.import_immigration_notices(iter(['{"kind": "stay_extension"}\r\n', "\n"]))
    assert report.summary()["malformed"] == 1
    # JSON escapes decode into text no store holds: that line is malformed, nothing is read.
    report = s.import_immigration_notices(
        ['{"kind": "stay_extension", "residence_card_number": "AB\\u0000", "after": {}}']
    )
    assert report.outcomes[0].status == "malformed"
    assert report.outcomes[0].codes == ("KJ-FMT-801",)
    with pytest.raises(kj.FormatError) as e:
        s.import_immigration_notices(["{}\n", "{}\x00\n"])
    assert e.value.problems[0].where == "lines[1]"


def test_a_subclass_s_new_methods_are_guarded_too(
    populated: tuple[kj.Registry, kj.Session],
) -> None:
    class CounterSession(kj.Session):
        def note(self, text: str) -> str:
            return text

    reg, s = populated
    mine = CounterSession(reg, s._op, terminal_id="T-SUB", purpose="resident_records")
    assert mine.note("呉") == "呉"
    with pytest.raises(kj.FormatError) as e:
        mine.note("\x00")
    assert e.value.problems[0].where == "text"
    assert last_audit(reg).operation == "note"


def test_wrong_arguments_are_a_format_error_not_a_type_error(
    populated: tuple[kj.Registry, kj.Session],
) -> None:
    reg, s = populated
    for attempt in (
        lambda: s.resident(),  # type: ignore[call-arg]
        lambda: s.household("H1", colour="red"),  # type: ignore[call-arg]
        lambda: reg.login("admin"),  # type: ignore[call-arg]
    ):
        before = last_audit(reg).seq
        with pytest.raises(kj.FormatError) as e:
            attempt()
        assert e.value.code == "KJ-FMT-804"
        assert last_audit(reg).seq == before + 1


@pytest.mark.parametrize("url", ["sqlite:////tmp/a\x00b.db", "memory://\ud800", "sqlite:///\x1b"])
def test_opening_a_register_at_an_unstorable_url_is_a_format_error(url: str) -> None:
    with pytest.raises(kj.FormatError) as e:
        kj.open_registry(url, municipality_code="342025")
    assert e.value.problems[0].where == "url"
