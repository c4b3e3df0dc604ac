"""The contract of the card-reader port, published beside the other ports' suites.

The suite lives with the card test kit (:mod:`kure_juki.testing.card`); an adapter author
subclasses :class:`CardReaderContract` and provides a ``rig`` fixture (:class:`CardRig`): a
reader of the adapter with a :class:`SimulatedMyNumberCard` on it, which the suite can take off,
put back and swap::

    import pytest
    from kure_juki.testing.contracts.card import CardReaderContract

    class TestMyReader(CardReaderContract):
        @pytest.fixture
        def rig(self):
            return MyRig(SimulatedMyNumberCard(sample_identity(), pin=SAMPLE_PIN))
"""

from kure_juki.testing.card import (
    SAMPLE_PIN,
    CardReaderContract,
    CardRig,
    NotAMyNumberCard,
    SimulatedMyNumberCard,
    SimulatedRig,
    sample_identity,
)

__all__ = [
    "SAMPLE_PIN",
    "CardReaderContract",
    "CardRig",
    "NotAMyNumberCard",
    "SimulatedMyNumberCard",
    "SimulatedRig",
    "sample_identity",
]
