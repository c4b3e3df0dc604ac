"""世帯員の並び順 (標準5.2): the order of a household's members on a 世帯連記式 copy.

The standard's ranks: 1. the head, the spouse, the head's children by birth date; 2. the
children's families (the child, the child's spouse, their children), family by family in the
children's birth order; 3. the head's parents (the 筆頭者 first), brothers and sisters,
grandparents; 4. other relatives, 縁故者, 同居人. Within a rank, birth date then 宛名番号.

The 続柄 says whose spouse a 子の妻 is only when one child can be meant (a 子の妻 with one son in
the household); when more than one could be, the clerk sets the order (a setting the register
keeps). Persons who joined the household after it was formed (転入, 出生 …) are appended in the
order they joined, as 標準5.2 writes them at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from kure_juki.domain.resident import HEAD, Resident

_SPOUSES = frozenset({"夫", "妻"})
_CHILD_SPOUSES = {"子の妻": "male", "子の夫": "female"}
_PARENTS = frozenset({"父", "母"})
_SIBLINGS = frozenset({"兄", "姉", "弟", "妹"})
_GRANDPARENTS = frozenset({"父の父", "父の母", "母の父", "母の母"})
_UNMARRIED = "（未届）"


def _plain(relationship: str) -> str:
    return relationship.replace(_UNMARRIED, "").replace("(未届)", "")


def _by_birth(r: Resident) -> tuple[dt.date, str]:
    return (r.birth_date, r.resident_id)


def _heads_first(people: list[Resident]) -> list[Resident]:
    """父母・祖父母: the 筆頭者 of the 戸籍 first, then birth date, then 宛名番号."""
    def key(r: Resident) -> tuple[int, dt.date, str]:
        head = r.japanese.domicile_head.replace("\u3000", "").replace(" ", "") if r.japanese else ""
        name = r.name.full.replace("\u3000", "").replace(" ", "")
        return (0 if head and head == name else 1, r.birth_date, r.resident_id)

    return sorted(people, key=key)


def standard_order(members: Sequence[Resident]) -> list[Resident]:
    """*members* in the order of 標準5.2."""
    heads: list[Resident] = []
    spouses: list[Resident] = []
    children: list[Resident] = []
    child_spouses: list[Resident] = []
    descendants: list[Resident] = []
    parents: list[Resident] = []
    siblings: list[Resident] = []
    grandparents: list[Resident] = []
    relatives: list[Resident] = []
    connected: list[Resident] = []  # 縁故者
    lodgers: list[Resident] = []  # 同居人
    for r in members:
        rel = _plain(r.relationship)
        if rel == HEAD:
            heads.append(r)
        elif rel in _SPOUSES:
            spouses.append(r)
        elif rel == "子":
            children.append(r)
        elif rel in _CHILD_SPOUSES:
            child_spouses.append(r)
        elif rel.startswith("子の子"):
            descendants.append(r)
        elif rel in _PARENTS:
            parents.append(r)
        elif rel in _SIBLINGS:
            siblings.append(r)
        elif rel in _GRANDPARENTS:
            grandparents.append(r)
        elif rel == "縁故者":
            connected.append(r)
        elif rel == "同居人":
            lodgers.append(r)
        else:
            relatives.append(r)
    children.sort(key=_by_birth)
    families: dict[str, list[Resident]] = {}
    unattached: list[Resident] = []
    for s in sorted(child_spouses, key=_by_birth):
        sex = _CHILD_SPOUSES[_plain(s.relationship)]
        free = [c for c in children if c.sex == sex and c.resident_id not in families]
        if len(free) == 1:
            families[free[0].resident_id] = [s]
        else:
            unattached.append(s)
    grandchildren = sorted(descendants, key=lambda r: (len(_plain(r.relationship)), *_by_birth(r)))
    if grandchildren:
        if len(families) == 1:
            (parent,) = families
        elif not families and len(children) == 1:
            parent = children[0].resident_id
        else:
            parent = ""
        if parent:
            families.setdefault(parent, []).extend(grandchildren)
        else:
            unattached.extend(grandchildren)
    out = [*sorted(heads, key=_by_birth), *sorted(spouses, key=_by_birth)]
    out += [c for c in children if c.resident_id not in families]
    for c in children:
        if c.resident_id in families:
            out += [c, *families[c.resident_id]]
    out += sorted(unattached, key=lambda r: (len(_plain(r.relationship)), *_by_birth(r)))
    out += _heads_first(parents) + sorted(siblings, key=_by_birth) + _heads_first(grandparents)
    for group in (relatives, connected, lodgers):
        out += sorted(group, key=_by_birth)
    return out


def member_order(
    members: Sequence[Resident],
    *,
    joined: Mapping[str, int] | None = None,
    setting: Sequence[str] = (),
) -> tuple[str, ...]:
    """The 宛名番号 of *members* in the order printed.

    *setting* is the order the register keeps for the household, when a clerk set one; members
    not in it come after. *joined* gives, per member, when they joined the household (the
    number of that movement): those who came with its first members are in the standard order,
    the others follow in the order they joined.
    """
    kept = {rid: i for i, rid in enumerate(setting)}
    listed = [r for r in members if r.resident_id in kept]
    listed.sort(key=lambda r: kept[r.resident_id])
    rest = [r for r in members if r.resident_id not in kept]
    when = dict(joined or {})
    if listed:
        # Members the setting does not know joined after it was made: appended, as they came.
        rank = {r.resident_id: i for i, r in enumerate(standard_order(rest))}
        rest.sort(key=lambda r: (when.get(r.resident_id, 0), rank[r.resident_id]))
        return tuple(r.resident_id for r in [*listed, *rest])
    first = min((when.get(r.resident_id, 0) for r in rest), default=0)
    founders = [r for r in rest if when.get(r.resident_id, 0) <= first]
    later = [r for r in rest if when.get(r.resident_id, 0) > first]
    rank = {r.resident_id: i for i, r in enumerate(standard_order(later))}
    later.sort(key=lambda r: (when.get(r.resident_id, 0), rank[r.resident_id]))
    return tuple(r.resident_id for r in [*standard_order(founders), *later])
