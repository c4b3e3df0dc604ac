"""Addresses of the register: 住所, 前住所 / 転入元, 転出先."""

from __future__ import annotations

import attrs


@attrs.frozen
class Address:
    """An address in this municipality (住所): postal code and the address text."""

    postal_code: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"postal_code": self.postal_code, "text": self.text}


@attrs.frozen
class OtherPlace:
    """An address outside this municipality: 前住所・転入元 or 転出先.

    ``municipality_code`` is the 全国地方公共団体コード for a place in Japan; ``country`` is set
    instead for a place abroad (国外).
    """

    text: str
    municipality_code: str | None = None
    country: str | None = None

    def to_dict(self) -> dict[str, str]:
        out: dict[str, str] = {"text": self.text}
        if self.municipality_code is not None:
            out["municipality_code"] = self.municipality_code
        if self.country is not None:
            out["country"] = self.country
        return out
