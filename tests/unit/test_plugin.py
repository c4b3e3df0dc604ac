"""The pytest plugin in a scratch project: its fixtures work, --kj-store parametrises the
register per storage adapter, ``pytest --help`` lists its options, and it is installed as a
``pytest11`` entry point."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

# pytester's in-process runs forget the modules a run imported; SQLAlchemy's compiled parts do
# not survive being imported a second time, so the runs share this import.
import kure_juki.adapters.sqlalchemy.store  # noqa: F401

pytest_plugins = ["pytester"]

PLUGIN = "kure_juki.testing.plugin"
# The plugin's entry point is named after its module, so -p with the module name is a no-op
# when the package is installed and loads it when it is not (a source checkout, say).
LOAD = ("-p", PLUGIN)


def test_the_plugin_is_installed_as_a_pytest11_entry_point() -> None:
    found = [ep for ep in entry_points(group="pytest11") if ep.value == PLUGIN]
    assert [ep.name for ep in found] == [PLUGIN]


def test_help_lists_the_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*LOAD, "--help")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["kure_juki: registers for tests:", "*--kj-store=KIND*", "*--kj-municipality=CODE*"]
    )


FIXTURES_AT_WORK = """
import datetime as dt

import pytest

import kure_juki as kj
from kure_juki.ports.cs_link import CsLink
from kure_juki.testing.plugin import KJ_CARD_PIN

MOVE_IN = {
    "type": "move_in", "occurred_on": "2026-11-20",
    "address": {"postal_code": "737-0045", "text": "広島県呉市本通一丁目1番1号"},
    "previous_address": {"municipality_code": "131016", "text": "東京都千代田区霞が関一丁目1番"},
    "household": {"new": True},
    "persons": [{"family_name": "呉", "given_name": "一郎", "family_name_kana": "くれ",
                 "given_name_kana": "いちろう", "birth_date": "1980-04-01", "sex": "male",
                 "relationship": "世帯主", "registered_domicile": "広島県呉市中央四丁目1番",
                 "domicile_head": "呉　一郎"}],
}


def test_clock_is_settable(kj_clock):
    assert kj_clock.today == dt.date(2026, 11, 26)
    kj_clock.advance(days=1)
    assert kj_clock.today == dt.date(2026, 11, 27)


def test_registry_uses_the_clock(kj_registry, kj_clock):
    assert kj_registry.municipality_code == "342025"
    kj_clock.set("2027-01-04T09:00:00+09:00")
    assert kj_registry.today() == dt.date(2027, 1, 4)


def test_sessions_per_role(kj_admin, kj_supervisor, kj_clerk, kj_viewer):
    assert [s.role for s in (kj_admin, kj_supervisor, kj_clerk, kj_viewer)] == [
        "admin", "supervisor", "clerk", "viewer"]
    receipt = kj_clerk.submit(MOVE_IN)
    assert kj_viewer.resident(receipt.resident_ids[0])["family_name"] == "呉"
    with pytest.raises(kj.AccessDenied):
        kj_viewer.submit(MOVE_IN)


def test_login_for_another_purpose(kj_login):
    tax = kj_login("clerk", "tax")
    assert (tax.role, tax.purpose) == ("clerk", "tax")


def test_simulated_cs(kj_cs_link, kj_cs):
    assert isinstance(kj_cs_link, CsLink)
    assert kj_cs_link.municipality_code == "342025"
    assert kj_cs_link.pending_move_in_notices() == ()


def test_simulated_card(kj_clerk, kj_card_reader, kj_card_identity):
    assert kj_clerk.read_card(kj_card_reader, KJ_CARD_PIN) == kj_card_identity
"""


def test_fixtures_work_in_a_scratch_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_scratch=FIXTURES_AT_WORK)
    result = pytester.runpytest(*LOAD, "-q")
    result.assert_outcomes(passed=6)


STORE_PER_TEST = """
import pytest


def test_store(kj_registry, kj_store_url, kj_admin):
    kj_admin.add_operator("someone", password="a-long-passphrase", role="clerk")
    print("URL", kj_store_url)


@pytest.mark.kj_store("sqlite")
def test_marked(kj_store_url):
    assert kj_store_url.startswith("sqlite:///")
"""


def test_kj_store_runs_each_test_on_each_adapter(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_stores=STORE_PER_TEST)
    result = pytester.runpytest(*LOAD, "-v", "-s", "--kj-store=memory,sqlite")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines_random(
        [
            "*test_store?memory? URL memory://*",
            "*test_store?sqlite? URL sqlite:///*/register.db*",
            "*test_marked?sqlite? PASSED*",
        ]
    )


def test_a_url_with_the_test_directory(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_stores=STORE_PER_TEST)
    result = pytester.runpytest(*LOAD, "-v", "-s", "--kj-store=sqlite:///{tmp_path}/x.db")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_store?sqlite? URL sqlite:///*/x.db*"])


def test_the_default_comes_from_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nkj_store = sqlite\nkj_municipality = 131016\n")
    pytester.makepyfile(
        test_ini="def test_ini(kj_store_url, kj_registry):\n"
        "    assert kj_store_url.startswith('sqlite:///')\n"
        "    assert kj_registry.municipality_code == '131016'\n"
    )
    pytester.runpytest(*LOAD).assert_outcomes(passed=1)


def test_registry_options_are_a_fixture_to_override(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "import json\nfrom importlib import resources\n\nimport pytest\n\n"
        "@pytest.fixture\n"
        "def kj_registry_options():\n"
        "    text = resources.files('kure_juki.policy').joinpath('default.json').read_text()\n"
        "    policy = json.loads(text)\n"
        "    policy['settings']['idle_timeout_minutes'] = 5\n"
        "    return {'policy': policy}\n"
    )
    pytester.makepyfile(
        test_options="import pytest\nimport kure_juki as kj\n\n"
        "def test_idle(kj_clerk, kj_clock):\n"
        "    kj_clock.advance(minutes=6)\n"
        "    with pytest.raises(kj.AccessDenied) as caught:\n"
        "        kj_clerk.search(family_name='くれ', birth_date='1980-04-01')\n"
        "    assert caught.value.code == 'KJ-AUTH-005'\n"
    )
    pytester.runpytest(*LOAD).assert_outcomes(passed=1)


def test_an_unknown_store_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x(kj_registry):\n    pass\n")
    result = pytester.runpytest(*LOAD, "--kj-store=oracle")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--kj-store: unknown store 'oracle'*"])
