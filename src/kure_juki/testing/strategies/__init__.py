"""Hypothesis strategies for the register's data (テスト用データの生成).

Identifiers (valid and invalid 個人番号, 住民票コード, 地方公共団体コード, 在留カード番号,
郵便番号), names with kana and 外字, addresses, persons (Japanese, and foreign residents of
each 法30条45区分 with the items it requires), households, and notifications (届出) of every type
in :data:`kure_juki.domain.notifications.NOTIFICATION_TYPES` — valid for a given register, or
malformed with the error code their rejection must carry::

    from hypothesis import given, strategies as st
    from kure_juki.testing import strategies as kst

    @given(kst.my_numbers())
    def test_valid(number):
        assert is_valid_my_number(number)

    @given(data=st.data())
    def test_any_notification(kj_registry, kj_clerk, data):
        state = kst.RegisterState.of(kj_registry)
        kj_clerk.submit(data.draw(kst.notifications(state)))   # accepted

Valid numbers are completed with the library's ``complete_*`` functions; every other fact the
strategies rely on (which characters are 外字, what a category requires) is written here from
the law and the standard, so a test comparing the two finds a fault in either. Synthetic data
only: names come from small pools and random kana, numbers are random.
"""

from kure_juki.testing.strategies.identifiers import (
    KURE,
    invalid_local_gov_codes,
    invalid_my_numbers,
    invalid_postal_codes,
    invalid_residence_card_numbers,
    invalid_resident_codes,
    local_gov_codes,
    my_numbers,
    postal_codes,
    residence_card_numbers,
    resident_codes,
)
from kure_juki.testing.strategies.malformed import FAULTS, Malformed, malformed_notifications
from kure_juki.testing.strategies.names import (
    GAIJI,
    NameSample,
    foreign_names,
    invalid_kana,
    japanese_names,
    kana_readings,
    names,
)
from kure_juki.testing.strategies.notifications import (
    COVERED_TYPES,
    available_types,
    notification,
    notifications,
)
from kure_juki.testing.strategies.persons import (
    CATEGORY_ITEMS,
    foreign_persons,
    households,
    japanese_persons,
    persons,
)
from kure_juki.testing.strategies.places import (
    address_texts,
    addresses,
    domestic_places,
    foreign_places,
)
from kure_juki.testing.strategies.register import RegisterState, StateView
from kure_juki.testing.strategies.relationships import (
    invalid_relationships,
    member_relationships,
    relationship_chains,
    valid_relationships,
)

__all__ = [
    "CATEGORY_ITEMS",
    "COVERED_TYPES",
    "FAULTS",
    "GAIJI",
    "KURE",
    "Malformed",
    "NameSample",
    "RegisterState",
    "StateView",
    "address_texts",
    "addresses",
    "available_types",
    "domestic_places",
    "foreign_names",
    "foreign_persons",
    "foreign_places",
    "households",
    "invalid_kana",
    "invalid_local_gov_codes",
    "invalid_my_numbers",
    "invalid_postal_codes",
    "invalid_relationships",
    "invalid_residence_card_numbers",
    "invalid_resident_codes",
    "japanese_names",
    "japanese_persons",
    "kana_readings",
    "local_gov_codes",
    "malformed_notifications",
    "member_relationships",
    "my_numbers",
    "names",
    "notification",
    "notifications",
    "persons",
    "postal_codes",
    "relationship_chains",
    "residence_card_numbers",
    "resident_codes",
    "valid_relationships",
]
