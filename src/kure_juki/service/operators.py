"""Finding an operator (操作者) by the id a person typed.

Ids are kept normalised (:func:`~kure_juki.domain.operator.normalise_operator_id`): the id is
looked up in that form first, so ``ｃｌｅｒｋ01`` and `` clerk01 `` reach ``clerk01``. An id
stored before ids were normalised (with surrounding spaces, say) is still found as typed.
"""

from __future__ import annotations

from kure_juki.domain.operator import Operator, normalise_operator_id
from kure_juki.ports.storage import UnitOfWork


def find_operator(uow: UnitOfWork, operator_id: str) -> Operator | None:
    """The stored operator *operator_id* names, or None."""
    normal = normalise_operator_id(operator_id)
    found = uow.operators.get(normal) if normal else None
    if found is None and normal != operator_id:
        found = uow.operators.get(operator_id)
    return found
