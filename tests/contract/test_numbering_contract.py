"""The numbering contract run against the simulator and against numbering through the CS (the
national server generating each 個人番号), in process and over loopback TCP."""

from __future__ import annotations

import contextlib

import pytest

from kure_juki.adapters.cs.numbering import CsNumbering
from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork
from kure_juki.adapters.memory.numbering import SimulatedNumbering
from kure_juki.ports.numbering import NumberingService
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.contracts.numbering import NumberingContract

KURE = "342025"


class TestSimulatedNumbering(NumberingContract):
    def make_numbering(self, request: pytest.FixtureRequest) -> NumberingService:
        return SimulatedNumbering(KURE)


class TestCsNumberingInProcess(NumberingContract):
    def make_numbering(self, request: pytest.FixtureRequest) -> NumberingService:
        link = SimulatedNetwork([KURE], clock=SettableClock()).link(KURE)
        request.addfinalizer(link.close)
        return CsNumbering(link)


class TestCsNumberingOverTcp(NumberingContract):
    def make_numbering(self, request: pytest.FixtureRequest) -> NumberingService:
        network = SimulatedNetwork([KURE], clock=SettableClock())
        servers = contextlib.ExitStack()
        servers.enter_context(network.serve_tcp())
        request.addfinalizer(servers.close)
        link = network.tcp_link(KURE)
        request.addfinalizer(link.close)
        return CsNumbering(link)
