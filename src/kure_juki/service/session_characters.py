"""The session's 文字溢れ report (標準5.8 文字超過リスト), see domain/character_report.py."""

from __future__ import annotations

from typing import Any

from kure_juki.domain.character_report import character_findings
from kure_juki.domain.errors import FormatError, problem
from kure_juki.domain.mj_text import CHARSETS, Charset
from kure_juki.service.session_access import AccessOps


class CharacterOps(AccessOps):
    def character_overflow_report(
        self, *, charset: str = "jis_x_0208", include_deleted: bool = False
    ) -> list[dict[str, Any]]:
        """文字超過リスト: every name or address that overflows one line of its certificate
        field, holds characters outside MJ and JIS X 0213, or would be degraded for a receiver
        taking only *charset* (``"jis_x_0208"`` by default, or ``"jis_x_0213"``; ``"mj"``
        lists no degradation). One dict per finding, in resident id order (see
        :func:`~kure_juki.domain.character_report.character_findings`). Audited."""
        self._guard("character_report")

        def run() -> list[dict[str, Any]]:
            if charset not in CHARSETS:
                raise FormatError(problem("KJ-FMT-903", "charset"))
            target: Charset = charset
            found: list[dict[str, Any]] = []
            with self._reg.store.unit_of_work() as uow:
                for r in uow.residents.iter_all():
                    if r.is_living or include_deleted:
                        found += character_findings(r, target)
                subjects = sorted({f["resident_id"] for f in found})
                self._record(
                    uow,
                    "character_report",
                    subjects,
                    charset=target,
                    findings=len(found),
                )
                uow.commit()
            return found

        return self._audited("character_report", run)
