"""The card-reader contract, run against every adapter of the port.

The PC/SC variant goes through the real stack: the simulated card served by the vpcd bridge,
pcscd with vsmartcard's vpcd driver, pyscard, and the unchanged PC/SC adapter.
"""

import pytest

from kure_juki.testing.card import CardReaderContract, PcscRig, SimulatedRig


class TestSimulatedCardReader(CardReaderContract):
    @pytest.fixture
    def rig(self, simulated_rig: SimulatedRig) -> SimulatedRig:
        return simulated_rig


@pytest.mark.pcsc
class TestPcscCardReader(CardReaderContract):
    @pytest.fixture
    def rig(self, pcsc_rig: PcscRig) -> PcscRig:
        return pcsc_rig
