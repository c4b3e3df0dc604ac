"""Fixtures of the contract suites.

pytest refuses ``pytest_plugins`` in a conftest below the rootdir, so the card fixtures are
imported by name instead; the contract classes' asserts are rewritten like a test module's.
"""

import pytest

pytest.register_assert_rewrite("kure_juki.testing.card")

from kure_juki.testing.card import (  # noqa: E402, F401
    card_identity,
    pcsc_rig,
    pcscd,
    simulated_rig,
)
