"""The kure_juki pytest plugin: a register per storage adapter, sessions per role, a settable
clock, a simulated CS and a simulated My Number card.

Installed with the package (entry point ``pytest11``); without the entry point, load it with
``-p kure_juki.testing.plugin`` or ``pytest_plugins = ["kure_juki.testing.plugin"]`` in the
root ``conftest.py``. ``pytest --help`` lists its options under "kure_juki"::

    def test_move_in(kj_clerk, kj_registry):
        receipt = kj_clerk.submit({...})

    pytest                              # kj_registry in memory
    pytest --kj-store=sqlite            # on a SQLite file in each test's tmp_path
    pytest --kj-store=memory,sqlite,postgresql   # every test that uses it, on each
    pytest --kj-store='jsonl:///{tmp_path}/register.jsonl'   # any URL, an installed adapter's

``postgresql`` starts a throwaway server (:mod:`kure_juki.testing.postgres`) and gives each test
a fresh database. A URL is used as written, ``{tmp_path}`` replaced by the test's directory.
``@pytest.mark.kj_store("memory", "sqlite")`` chooses the stores of one test, whatever the
command line says.

Fixtures:

``kj_clock``           :class:`~kure_juki.testing.clock.SettableClock` at 2026-11-26 10:00 JST
``kj_store``           the store kind or URL of this test (parametrised by ``--kj-store``)
``kj_store_url``       the URL ``kj_registry`` opens
``kj_registry_options`` extra keyword arguments of ``open_registry`` (override it: e.g.
                       ``{"cs_link": kj_cs_link}`` or ``{"policy": …}``)
``kj_registry``        the register, with the administrator ``kj-admin`` bootstrapped
``kj_login``           ``kj_login(role, purpose="resident_records")`` → a Session of an
                       operator of that role (created on first use)
``kj_admin`` ``kj_supervisor`` ``kj_clerk`` ``kj_viewer``   sessions of each role
``kj_cs``              a :class:`~kure_juki.adapters.cs.simulated_peers.SimulatedNetwork`:
                       prefecture and national servers, J-LIS, the exchange between CSs
``kj_cs_link``         the register's municipality's CS link on that network
``kj_card_identity``   what the card holds (override it to match a resident)
``kj_card``            a :class:`~kure_juki.adapters.card.simulated_card.SimulatedMyNumberCard`
                       with PIN :data:`KJ_CARD_PIN`
``kj_card_reader``     a simulated reader with that card on it
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from kure_juki.testing.clock import SettableClock

if TYPE_CHECKING:
    from kure_juki.adapters.card.simulated import SimulatedCardReader
    from kure_juki.adapters.card.simulated_card import SimulatedMyNumberCard
    from kure_juki.adapters.cs.link import CsClient
    from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork
    from kure_juki.domain.card import CardIdentity
    from kure_juki.service.registry import Registry
    from kure_juki.service.session import Session

# The contract suites are plain assert-based classes: rewrite them like test modules, which only
# works if it is asked for before they are imported (a plugin loads before any test module;
# imported late, as a module, it leaves them alone).
for _suite in ("kure_juki.testing.card", "kure_juki.testing.contracts"):
    if _suite not in sys.modules:
        pytest.register_assert_rewrite(_suite)

KJ_PASSWORD = "kj-test-passphrase"  # every operator the fixtures create
KJ_CARD_PIN = "1234"
KJ_ADMIN = "kj-admin"
KJ_TERMINAL = "KJ-T-001"
KJ_PURPOSE = "resident_records"
KJ_CLOCK_START = "2026-11-26T10:00:00+09:00"
STORE_KINDS = ("memory", "sqlite", "postgresql")
_POSTGRES_PLUGIN = "kure_juki.testing.postgres"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kure_juki", "kure_juki: registers for tests")
    group.addoption(
        "--kj-store",
        action="store",
        default=None,
        metavar="KIND[,KIND...]",
        help="storage adapters kj_registry runs on: memory (default), sqlite, postgresql, "
        "or a store URL ({tmp_path} is replaced); comma-separated to run each test on each",
    )
    group.addoption(
        "--kj-municipality",
        action="store",
        default=None,
        metavar="CODE",
        help="全国地方公共団体コード of kj_registry (default 342025, 呉市)",
    )
    parser.addini("kj_store", "default of --kj-store", default="memory")
    parser.addini("kj_municipality", "default of --kj-municipality", default="342025")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "kj_store(*kinds): the storage adapters (kinds or URLs) kj_registry runs on in this "
        "test, whatever --kj-store says",
    )
    _kinds(config)  # a wrong --kj-store is a usage error before anything is collected
    # PostgreSQL runs need the throwaway-server fixtures; loading them does not start anything.
    if not config.pluginmanager.has_plugin(_POSTGRES_PLUGIN):
        config.pluginmanager.import_plugin(_POSTGRES_PLUGIN)


def _kinds(config: pytest.Config) -> list[str]:
    raw = config.getoption("--kj-store") or str(config.getini("kj_store"))
    kinds = [k.strip() for k in raw.split(",") if k.strip()]
    for kind in kinds:
        if "://" not in kind and kind not in (*STORE_KINDS, "postgres"):
            raise pytest.UsageError(
                f"--kj-store: unknown store {kind!r} (memory, sqlite, postgresql or a URL)"
            )
    return kinds or ["memory"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "kj_store" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("kj_store")
    kinds = list(marker.args) if marker is not None else _kinds(metafunc.config)
    metafunc.parametrize("kj_store", kinds, indirect=True, ids=[_id(k) for k in kinds])


def _id(kind: str) -> str:
    return kind.split("://", 1)[0] if "://" in kind else kind


@pytest.fixture
def kj_clock() -> SettableClock:
    """The register's clock: 2026-11-26 10:00 JST until the test moves it."""
    return SettableClock(KJ_CLOCK_START)


@pytest.fixture
def kj_store(request: pytest.FixtureRequest) -> str:
    """The store kind or URL of this test."""
    param = getattr(request, "param", None)
    return str(param) if param is not None else _kinds(request.config)[0]


@pytest.fixture
def kj_store_url(kj_store: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL kj_registry opens: a fresh store per test."""
    if kj_store == "memory":
        return "memory://"
    if kj_store == "sqlite":
        return f"sqlite:///{tmp_path / 'register.db'}"
    if kj_store in ("postgresql", "postgres"):
        url: str = request.getfixturevalue("fresh_postgres_url")
        return url
    return kj_store.replace("{tmp_path}", str(tmp_path))


@pytest.fixture
def kj_municipality(request: pytest.FixtureRequest) -> str:
    code = request.config.getoption("--kj-municipality") or request.config.getini("kj_municipality")
    return str(code)


@pytest.fixture
def kj_registry_options() -> dict[str, Any]:
    """Extra keyword arguments of open_registry; override this fixture to add some."""
    return {}


@pytest.fixture
def kj_registry(
    kj_store_url: str,
    kj_clock: SettableClock,
    kj_municipality: str,
    kj_registry_options: dict[str, Any],
) -> Iterator[Registry]:
    """The register on this test's store, its administrator ``kj-admin`` bootstrapped."""
    import kure_juki as kj

    reg = kj.open_registry(
        kj_store_url, municipality_code=kj_municipality, clock=kj_clock, **kj_registry_options
    )
    try:
        reg.bootstrap_admin(KJ_ADMIN, KJ_PASSWORD)
        yield reg
    finally:
        reg.close()


@pytest.fixture
def kj_login(kj_registry: Registry) -> Iterator[Callable[..., Session]]:
    """``kj_login(role, purpose="resident_records")``: a session of the operator
    ``kj-<role>`` (created by the administrator on first use); logged out after the test."""
    from kure_juki.domain.errors import ConflictError

    sessions: list[Session] = []

    def login(role: str, purpose: str = KJ_PURPOSE, *, terminal_id: str = KJ_TERMINAL) -> Session:
        operator_id = KJ_ADMIN if role == "admin" else f"kj-{role}"
        if role != "admin":
            admin = kj_registry.login(
                KJ_ADMIN, KJ_PASSWORD, terminal_id=terminal_id, purpose=KJ_PURPOSE
            )
            with contextlib.suppress(ConflictError):
                admin.add_operator(operator_id, password=KJ_PASSWORD, role=role)
            admin.logout()
        session = kj_registry.login(
            operator_id, KJ_PASSWORD, terminal_id=terminal_id, purpose=purpose
        )
        sessions.append(session)
        return session

    yield login
    for session in sessions:
        with contextlib.suppress(Exception):  # a store closed by the test, an ended session
            session.logout()


@pytest.fixture
def kj_admin(kj_login: Callable[..., Session]) -> Session:
    return kj_login("admin")


@pytest.fixture
def kj_supervisor(kj_login: Callable[..., Session]) -> Session:
    return kj_login("supervisor")


@pytest.fixture
def kj_clerk(kj_login: Callable[..., Session]) -> Session:
    return kj_login("clerk")


@pytest.fixture
def kj_viewer(kj_login: Callable[..., Session]) -> Session:
    return kj_login("viewer")


@pytest.fixture
def kj_cs(kj_clock: SettableClock, kj_municipality: str) -> SimulatedNetwork:
    """The simulated Juki-net peers, trusting the register's municipality's CS."""
    from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork

    return SimulatedNetwork([kj_municipality], clock=kj_clock)


@pytest.fixture
def kj_cs_link(kj_cs: SimulatedNetwork, kj_municipality: str) -> Iterator[CsClient]:
    """The municipality's CS link: signed and encrypted envelopes, in process."""
    link = kj_cs.link(kj_municipality)
    yield link
    link.close()


@pytest.fixture
def kj_card_identity() -> CardIdentity:
    """A synthetic card holder (呉　太郎); override to match a resident of the register."""
    from kure_juki.testing.card import sample_identity

    return sample_identity()


@pytest.fixture
def kj_card(kj_card_identity: CardIdentity) -> SimulatedMyNumberCard:
    from kure_juki.adapters.card.simulated_card import SimulatedMyNumberCard

    return SimulatedMyNumberCard(kj_card_identity, pin=KJ_CARD_PIN)


@pytest.fixture
def kj_card_reader(kj_card: SimulatedMyNumberCard) -> Iterator[SimulatedCardReader]:
    from kure_juki.adapters.card.simulated import SimulatedCardReader

    reader = SimulatedCardReader(kj_card)
    yield reader
    reader.disconnect()
