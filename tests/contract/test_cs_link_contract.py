"""The CS link contract run against the library's client: in process (envelopes sealed and
opened, no socket) and over loopback TCP, both to the simulated peers."""

from __future__ import annotations

import contextlib

import pytest

from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.contracts.cs_link import CsLinkContract, LinkFactory


class TestInProcessCsLink(CsLinkContract):
    def make_network(self, request: pytest.FixtureRequest) -> LinkFactory:
        network = SimulatedNetwork(self.MUNICIPALITIES, clock=SettableClock())
        return network.link


class TestTcpCsLink(CsLinkContract):
    def make_network(self, request: pytest.FixtureRequest) -> LinkFactory:
        network = SimulatedNetwork(self.MUNICIPALITIES, clock=SettableClock())
        servers = contextlib.ExitStack()
        servers.enter_context(network.serve_tcp())
        request.addfinalizer(servers.close)
        return network.tcp_link
