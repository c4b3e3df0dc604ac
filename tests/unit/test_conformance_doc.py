"""docs/conformance.md stays true: one row per function of the national standard's chapter 3,
a known status, and every test it names exists, is not skipped and asserts something.

The section list of 住民記録システム標準仕様書 第1.0版 第3章 (機能要件) is kept here as data, so the
check needs nothing outside the repository.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "conformance.md"

# (section number, title) in the standard's order; the chapter headings are comments.
SECTIONS: tuple[tuple[str, str], ...] = (
    # 1. 管理項目
    ("1.1.1", "日本人住民データの管理"),
    ("1.1.2", "外国人住民データの管理"),
    ("1.1.3", "個人票／世帯票"),
    ("1.1.4", "改製"),
    ("1.1.5", "除票"),
    ("1.1.6", "空欄"),
    ("1.1.7", "旧氏・通称"),
    ("1.1.8", "年月日の管理"),
    ("1.1.9", "年月日の表示"),
    ("1.1.10", "世帯主"),
    ("1.1.11", "続柄"),
    ("1.1.12", "本籍・筆頭者"),
    ("1.1.13", "宛名番号・世帯番号"),
    ("1.1.14", "統合記載欄"),
    ("1.1.15", "メモ"),
    ("1.1.16", "支援対象者管理"),
    ("1.1.17", "郵便番号"),
    ("1.1.18", "フリガナ"),
    ("1.1.19", "郵便物送付コード"),
    ("1.2.1", "異動履歴の管理"),
    ("1.2.2", "異動事由"),
    ("1.3.1", "入力場所・入力端末"),
    ("1.3.2", "住居表示・地番管理、番地・枝番等コード管理"),
    ("1.3.3", "住所辞書管理"),
    ("1.3.4", "方書管理"),
    ("1.3.5", "地区管理"),
    ("1.3.6", "和暦・西暦管理"),
    ("1.3.7", "公印管理"),
    ("1.3.8", "交付履歴の管理"),
    ("1.3.9", "認証者"),
    # 2. 検索・照会・操作
    ("2.1.1", "検索機能"),
    ("2.1.2", "検索文字入力"),
    ("2.1.3", "基本検索"),
    ("2.2.1", "異動履歴照会"),
    ("2.2.2", "交付履歴照会"),
    ("2.2.3", "文字コード照会等"),
    ("2.2.4", "支援対象者照会"),
    ("2.3.1", "処理画面"),
    ("2.3.2", "キーボードのみの画面操作"),
    # 3. 抑止設定
    ("3.1", "異動・発行・照会抑止"),
    ("3.2", "他システム連携"),
    ("3.3", "消除対象者記載"),
    ("3.4", "支援措置"),
    ("3.5", "住民異動不受理"),
    # 4. 異動
    ("4.0.1", "異動者"),
    ("4.0.2", "異動先世帯、異動による消除"),
    ("4.0.3", "異動日・処理日"),
    ("4.0.4", "世帯主不在となる場合の処理"),
    ("4.0.5", "世帯主変更依頼通知書"),
    ("4.0.6", "本籍入力補助"),
    ("4.0.7", "方書入力補助"),
    ("4.0.8", "審査・決裁"),
    ("4.0.9", "入力確認・修正"),
    ("4.0.10", "一括入力"),
    ("4.1.0.1", "届出に基づく住民票の記載等"),
    ("4.1.0.2", "届出日"),
    ("4.1.0.3", "住民異動届受理通知"),
    ("4.1.1.1", "転入者情報入力"),
    ("4.1.1.2", "再転入者"),
    ("4.1.1.3", "特例転入"),
    ("4.1.1.4", "未届転入"),
    ("4.1.2.1", "同一住所への転居"),
    ("4.1.3.0.1", "届出日以降の異動"),
    ("4.1.3.0.2", "転出先入力"),
    ("4.1.3.0.3", "転出証明書等"),
    ("4.1.3.0.4", "特例転入を利用した転出"),
    ("4.1.3.1.1", "転入通知の受理"),
    ("4.1.3.1.2", "CSから受信した転入通知の受理"),
    ("4.1.3.1.3", "CSからの受信がない場合の転入通知の受理"),
    ("4.1.3.1.4", "転入通知未着照会書及び転入通知未着者一覧の作成"),
    ("4.1.4.1", "世帯変更等"),
    ("4.1.4.2", "世帯主変更による続柄設定"),
    ("4.1.4.3", "事実上の世帯主"),
    ("4.2.0.1", "職権による住民票の記載等"),
    ("4.2.0.2", "届出の準用"),
    ("4.2.0.3", "戸籍通知・戸籍の表示の引用"),
    ("4.2.0.4", "戸籍届出・通知日"),
    ("4.2.0.5", "申出を受けた職権記載等"),
    ("4.2.1.1", "住所設定・未届転入"),
    ("4.2.1.2", "出生"),
    ("4.2.2.1", "死亡"),
    ("4.2.2.2", "失踪"),
    ("4.2.3.1", "修正"),
    ("4.2.3.2", "軽微な修正"),
    ("4.2.3.3", "誤記修正"),
    ("4.3.1", "住民票コードの付番"),
    ("4.3.2", "住民票コードの変更・修正"),
    ("4.3.3", "住民票コード通知票等"),
    ("4.4", "個人番号の異動"),
    ("4.5.1", "法第30条の46転入"),
    ("4.5.2", "法第30条の47届出"),
    ("4.5.3", "帰化"),
    ("4.5.4", "国籍取得"),
    ("4.5.5", "国籍喪失"),
    ("4.5.6", "出入国在留管理庁長官通知に基づく修正及び消除"),
    ("4.5.7", "入管法の住居地届出"),
    ("4.6.0.1", "異動の取消し"),
    ("4.6.1.1", "（申出による）異動の取消し"),
    # 5. 証明
    ("5.1", "証明書記載事項"),
    ("5.2", "世帯員の並び順"),
    ("5.3", "フリガナ"),
    ("5.4", "方書の記載"),
    ("5.5", "発行番号"),
    ("5.6", "公印・職名の印字"),
    ("5.7", "公用表示"),
    ("5.8", "文字溢れ対応"),
    # 6. 統計
    ("6.1", "統計"),
    # 7. 連携
    ("7.1.1.1", "CSへの自動送信"),
    ("7.1.1.2", "整合性確認"),
    ("7.1.1.3", "カード管理状況"),
    ("7.1.1.4", "カード管理システム連携"),
    ("7.1.2.1", "個人番号の生成・変更・修正要求"),
    ("7.1.2.2", "符号の取得"),
    ("7.1.2.3", "団体内統合宛名システムとの連携"),
    ("7.1.2.4", "電子証明書のシリアル番号取得"),
    ("7.2.1", "地域情報プラットフォーム標準仕様に基づく連携"),
    ("7.2.2", "他業務照会"),
    ("7.2.3", "宛名連携"),
    ("7.2.4", "戸籍附票システム連携"),
    ("7.2.5", "マイナンバーカードによる証明書等の交付"),
    # 8. 実装してもしなくても良い機能
    ("8.1.1", "登録管理"),
    ("8.1.2", "画面表示"),
    ("8.1.3", "通知書出力"),
    ("8.2.1", "切替異動者リスト及び案内作成"),
    ("8.2.2", "申請受理処理"),
    ("8.2.3", "切替予定数調査"),
    # 9. バッチ
    ("9.1", "バッチ処理"),
    ("9.2", "抑止対象者"),
    ("9.3", "除票用データベースへの移行"),
    ("9.4", "成年被後見人"),
    ("9.5", "住民基本台帳の一部の写し（閲覧用）"),
    ("9.6", "無作為抽出・条件指定抽出"),
    ("9.7", "住所一括変更"),
    ("9.8", "経過滞在者"),
    # 10. 共通
    ("10.1", "EUC機能ほか"),
    ("10.2", "アクセスログ管理"),
    ("10.3", "操作権限管理"),
    ("10.4", "操作権限設定"),
    ("10.5", "ヘルプ機能"),
    ("10.6", "中間標準レイアウト仕様での出力"),
    ("10.7", "印刷"),
    ("10.8", "CSV形式のデータの取込"),
    # 11. エラー・アラート項目
    ("11.1", "エラー・アラート項目"),
)
CHAPTERS = {
    "1": "管理項目", "2": "検索・照会・操作", "3": "抑止設定", "4": "異動", "5": "証明",
    "6": "統計", "7": "連携", "8": "実装してもしなくても良い機能", "9": "バッチ", "10": "共通",
    "11": "エラー・アラート項目",
}
STATUSES = ("implemented", "partly", "not yet", "outside a library")
PROVEN = ("implemented", "partly")
ROW = re.compile(r"^\|\s*(\d+(?:\.\d+)*)\s*\|(.*)\|\s*(<!--.*?-->)?\s*$")
CHAPTER_HEADING = re.compile(r"^## (\d+)\. (.+)$", re.MULTILINE)
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::([\w:]+)(?:\[[^\]`]*\])?`")
PENDING = re.compile(r"^<!-- pending: [a-z]+ -->$")
ASSERTING_HELPERS = ("assert_", "check_", "expect_")


class Row(NamedTuple):
    section: str
    title: str
    does: str
    status: str
    tests: tuple[tuple[str, str], ...]  # (file, "name" or "Class::name")
    tests_cell: str
    comment: str | None
    line: int


def rows(text: str) -> list[Row]:
    """Every table row whose first cell is a section number, in the order of the page."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        m = ROW.match(line)
        if not m:
            continue
        cells = [c.strip() for c in m.group(2).split("|")]
        assert len(cells) == 4, f"conformance.md:{number}: a row has 5 cells, got {len(cells) + 1}"
        title, does, status, tests = cells
        found.append(
            Row(m.group(1), title, does, status, tuple(TEST_REF.findall(tests)), tests, m.group(3),
                number)
        )
    return found


@cache
def doc_rows() -> tuple[Row, ...]:
    return tuple(rows(DOC.read_text("utf-8")))


@cache
def parsed(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text("utf-8"), filename=path)


def named_tests() -> list[tuple[str, str]]:
    return sorted({ref for row in doc_rows() for ref in row.tests})


# --- what makes a test real -------------------------------------------------------------------

def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ""


def unconditional_skip(decorators: list[ast.expr]) -> bool:
    """``@pytest.mark.skip`` (bare or called) skips whatever happens; ``skipif`` has a condition."""
    return any(_dotted(d).endswith("mark.skip") for d in decorators)


def module_skipped(module: ast.Module) -> bool:
    for node in module.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            value = node.value
            marks = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
            if unconditional_skip(list(marks)):
                return True
    return False


def _called_names(node: ast.AST) -> Iterator[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            yield _dotted(sub.func).rsplit(".", 1)[-1]


def asserts_directly(node: ast.AST) -> bool:
    """An ``assert``, or ``pytest.raises`` used as a context manager or called."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Assert):
            return True
        if isinstance(sub, ast.Call) and _dotted(sub.func) in ("pytest.raises", "raises"):
            return True
    return False


def module_functions(module: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {
        n.name: n for n in module.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def is_real(node: ast.AST, module: ast.Module) -> bool:
    """Asserts, or calls an ``assert_``/``check_``/``expect_`` helper; a helper defined in the same
    module must itself assert (one level deep)."""
    if asserts_directly(node):
        return True
    helpers = module_functions(module)
    for name in _called_names(node):
        if not name.startswith(ASSERTING_HELPERS):
            continue
        if name not in helpers or asserts_directly(helpers[name]):
            return True
    return False


def find(module: ast.Module, name: str) -> tuple[ast.AST, list[ast.expr]] | None:
    """The test *name* (``test_x`` or ``Class::test_x``) and the decorators that apply to it.

    A hypothesis state machine is named by its ``TestCase`` alias (``TestRegister =
    Machine.TestCase``): it stands for the machine class, whose rules and invariants assert.
    """
    parts = name.split("::")
    scope: list[ast.stmt] = module.body
    inherited: list[ast.expr] = []
    for part in parts[:-1]:
        cls = next((n for n in scope if isinstance(n, ast.ClassDef) and n.name == part), None)
        if cls is None:
            return None
        scope, inherited = cls.body, inherited + cls.decorator_list
    last = parts[-1]
    for node in scope:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == last:
            return node, inherited + node.decorator_list
        if isinstance(node, ast.ClassDef) and node.name == last and len(parts) == 1:
            return node, node.decorator_list
        if (
            len(parts) == 1
            and isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == last for t in node.targets)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "TestCase"
        ):
            machine = _dotted(node.value.value)
            cls = next(
                (n for n in module.body if isinstance(n, ast.ClassDef) and n.name == machine), None
            )
            return (cls, cls.decorator_list) if cls is not None else None
    return None


# --- the checks -------------------------------------------------------------------------------

def test_the_section_list_is_the_standards() -> None:
    numbers = [number for number, _ in SECTIONS]
    assert len(SECTIONS) == 143 and len(set(numbers)) == len(numbers)
    assert {n.split(".")[0] for n in numbers} == set(CHAPTERS)


def test_every_section_appears_once_in_order_with_its_title() -> None:
    found = doc_rows()
    numbers = [r.section for r in found]
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    assert not repeated, f"sections listed more than once: {repeated}"
    wanted = dict(SECTIONS)
    unknown = [n for n in numbers if n not in wanted]
    assert not unknown, f"not sections of chapter 3: {unknown}"
    missing = [n for n in wanted if n not in numbers]
    assert not missing, f"sections missing from docs/conformance.md: {missing}"
    assert numbers == [n for n, _ in SECTIONS], "rows are not in the standard's order"
    wrong = [(r.section, r.title) for r in found if r.title != wanted[r.section]]
    assert not wrong, f"titles differ from the standard's: {wrong}"


def test_rows_sit_under_their_chapter() -> None:
    text = DOC.read_text("utf-8")
    headings = [(m.start(), m.group(1), m.group(2)) for m in CHAPTER_HEADING.finditer(text)]
    assert [(n, t) for _, n, t in headings] == list(CHAPTERS.items())
    offsets = [0, *(m.end() for m in re.finditer(r"\n", text))]
    for row in doc_rows():
        at = offsets[row.line - 1]
        chapter = max((h for h in headings if h[0] < at), default=None)
        assert chapter is not None and chapter[1] == row.section.split(".")[0], row.section


def test_every_status_is_an_allowed_word_and_proven_rows_name_tests() -> None:
    for row in doc_rows():
        where = f"conformance.md:{row.line} ({row.section})"
        assert row.status in STATUSES, f"{where}: status {row.status!r}"
        assert row.does, f"{where}: says nothing of what the library does"
        written = row.tests_cell.count("`tests/")
        assert written == len(row.tests), f"{where}: a test not written `tests/…py::name`"
        if row.status in PROVEN:
            assert row.tests, f"{where}: {row.status} but names no test"
        if row.status == "partly":
            assert "Missing:" in row.does, f"{where}: partly, but does not say what is missing"
        if row.comment is not None:
            assert PENDING.match(row.comment), f"{where}: unknown trailing comment"


def test_every_named_test_exists_is_not_skipped_and_asserts() -> None:
    tests = named_tests()
    assert len(tests) > 80
    problems = []
    for path, name in tests:
        if not (ROOT / path).is_file():
            problems.append(f"{path}: no such file")
            continue
        module = parsed(path)
        found = find(module, name)
        if found is None:
            problems.append(f"{path}::{name}: not found")
            continue
        node, decorators = found
        if unconditional_skip(decorators) or module_skipped(module):
            problems.append(f"{path}::{name}: skipped unconditionally")
        if not is_real(node, module):
            problems.append(f"{path}::{name}: asserts nothing")
    assert not problems, "\n".join(problems)


def test_the_checker_tells_a_real_test_from_a_hollow_one() -> None:
    module = ast.parse(
        "import pytest\n"
        "def check_it(x):\n    assert x\n"
        "def check_nothing(x):\n    return x\n"
        "def test_asserts():\n    assert 1\n"
        "def test_raises():\n    with pytest.raises(ValueError):\n        int('x')\n"
        "def test_helper():\n    check_it(1)\n"
        "def test_hollow_helper():\n    check_nothing(1)\n"
        "def test_imported_helper():\n    expect_ok(1)\n"
        "def test_nothing():\n    int('1')\n"
        "@pytest.mark.skip\ndef test_skipped():\n    assert 1\n"
        "@pytest.mark.skip(reason='later')\ndef test_skipped_reason():\n    assert 1\n"
        "@pytest.mark.skipif(True, reason='cond')\ndef test_skipped_if():\n    assert 1\n"
        "class TestC:\n    def test_m(self):\n        assert 1\n"
        "class M:\n    def rule(self):\n        assert 1\n"
        "TestM = M.TestCase\n"
    )
    verdict = {}
    for name in ("test_asserts", "test_raises", "test_helper", "test_hollow_helper",
                 "test_imported_helper", "test_nothing", "TestC::test_m", "TestM"):
        found = find(module, name)
        assert found is not None, name
        verdict[name] = is_real(found[0], module)
    assert verdict == {
        "test_asserts": True, "test_raises": True, "test_helper": True,
        "test_hollow_helper": False, "test_imported_helper": True, "test_nothing": False,
        "TestC::test_m": True, "TestM": True,
    }
    skips = {
        name: unconditional_skip(found[1])
        for name in ("test_skipped", "test_skipped_reason", "test_skipped_if", "test_asserts")
        if (found := find(module, name)) is not None
    }
    assert skips == {"test_skipped": True, "test_skipped_reason": True,
                     "test_skipped_if": False, "test_asserts": False}
    assert find(module, "test_absent") is None and find(module, "TestC::test_absent") is None
    skipped = ast.parse("import pytest\npytestmark = [pytest.mark.skip]\n")
    assert module_skipped(skipped) and not module_skipped(module)


def test_the_row_reader_reads_a_row_and_its_tests() -> None:
    text = (
        "| section | title | does | status | tests |\n|---|---|---|---|---|\n"
        "| 1.1.4 | 改製 | x | implemented | `tests/a/test_b.py::test_c`, "
        "`tests/a/test_b.py::TestD::test_e[memory]` | <!-- pending: addr -->\n"
    )
    (row,) = rows(text)
    assert row.section == "1.1.4" and row.status == "implemented" and row.line == 3
    assert row.tests == (("tests/a/test_b.py", "test_c"), ("tests/a/test_b.py", "TestD::test_e"))
    assert row.comment == "<!-- pending: addr -->"


def test_pytest_collects_every_named_test() -> None:
    """What pytest itself collects from the named files covers every name the doc gives."""
    tests = named_tests()
    files = sorted({path for path, _ in tests})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         *files],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    collected = {
        re.sub(r"\[.*\]$", "", line.strip()) for line in done.stdout.splitlines() if "::" in line
    }
    prefixes = {node.rsplit("::", 1)[0] for node in collected} | collected
    missing = [f"{p}::{n}" for p, n in tests if f"{p}::{n}" not in prefixes]
    assert not missing, f"pytest does not collect: {missing}"

