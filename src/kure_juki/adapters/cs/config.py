"""A municipality's CS link configuration as a file: its party, its keys and its peers.

A delivery worker running in its own process (``python -m kure_juki.adapters.cs.worker``) builds
its :class:`~kure_juki.adapters.cs.link.CsClient` from such a file. The file holds private keys:
it is written with mode 0600 and never logged.

    {"municipality_code": "342025", "party_id": "cs-342025",
     "signing_key": "<base64 Ed25519 seed>", "box_key": "<base64 Curve25519 private key>",
     "peers": {"prefecture-server": {"verify_key": "…", "box_key": "…",
                                     "host": "127.0.0.1", "port": 40001}, …}}
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nacl.public
import nacl.signing

from kure_juki.adapters.cs.envelope import Endpoint, Party, PeerKeys, TrustStore
from kure_juki.adapters.cs.link import CsClient, Route
from kure_juki.adapters.cs.simulated_peers import (
    CARD_MANAGEMENT_ID,
    EXCHANGE_ID,
    NATIONAL_ID,
    PREFECTURE_ID,
    SimulatedNetwork,
)
from kure_juki.adapters.cs.transport import TcpTransport
from kure_juki.domain.errors import LinkError

__all__ = ["client_from_config", "write_client_config"]

Clock = Callable[[], dt.datetime]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def write_client_config(
    network: SimulatedNetwork,
    municipality_code: str,
    addresses: Mapping[str, tuple[str, int]],
    path: str | os.PathLike[str],
) -> Path:
    """Writes the configuration of ``municipality_code``'s CS in a simulated network served
    at ``addresses`` (as ``serve_tcp()`` yields them)."""
    party = network.municipalities[municipality_code]
    peers: dict[str, Any] = {}
    for peer_id, peer in network.peer_parties.items():
        host, port = addresses[peer_id]
        peers[peer_id] = {**peer.public_keys.to_text(), "host": host, "port": port}
    document = {
        "municipality_code": municipality_code,
        "party_id": party.party_id,
        "signing_key": _b64(bytes(party.signing_key)),
        "box_key": _b64(bytes(party.box_key)),
        "peers": peers,
    }
    target = Path(path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(document, fh)
    return target


def client_from_config(
    path: str | os.PathLike[str], clock: Clock, *, timeout: float = 5.0, retries: int = 0
) -> CsClient:
    """The CS client a configuration file describes (KJ-LINK-025 when a key is malformed)."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    try:
        party = Party(
            document["party_id"],
            nacl.signing.SigningKey(base64.b64decode(document["signing_key"], validate=True)),
            nacl.public.PrivateKey(base64.b64decode(document["box_key"], validate=True)),
        )
    except (KeyError, ValueError, TypeError) as error:
        raise LinkError("KJ-LINK-025") from error
    peers = document["peers"]
    trust = TrustStore(
        {pid: PeerKeys.from_text(p["verify_key"], p["box_key"]) for pid, p in peers.items()}
    )

    def route(peer_id: str) -> Route:
        peer = peers[peer_id]
        return Route(peer_id, TcpTransport(peer["host"], int(peer["port"]), timeout=timeout))

    return CsClient(
        Endpoint(party, trust, clock),
        document["municipality_code"],
        prefecture=route(PREFECTURE_ID),
        national=route(NATIONAL_ID),
        card_management=route(CARD_MANAGEMENT_ID),
        exchange=route(EXCHANGE_ID),
        retries=retries,
    )
