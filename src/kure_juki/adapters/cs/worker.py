"""A CS delivery worker process: sends a register's outbox until told to stop.

    python -m kure_juki.adapters.cs.worker --store URL --config cs-link.json
                                           [--worker ID] [--seconds 60] [--until-empty]

Several may run against one PostgreSQL store: each claims a stream at a time (row locks with
SKIP LOCKED and leases), so none sends what another is sending, and one that dies is replaced
from the first unacknowledged message once its lease runs out. ``--until-empty`` exits once
the outbox stays empty for a second; otherwise the worker runs for ``--seconds``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time

import kure_juki as kj
from kure_juki.adapters.cs.config import client_from_config
from kure_juki.ports.clock import system_clock
from kure_juki.service.cs_delivery import deliver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CS delivery worker")
    parser.add_argument("--store", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--worker", default=None)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--lease", type=float, default=30.0)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--until-empty", action="store_true")
    args = parser.parse_args(argv)

    link = client_from_config(args.config, system_clock)
    registry = kj.open_registry(
        args.store, municipality_code=link.municipality_code, cs_link=link
    )
    totals = {"sent": 0, "duplicates": 0, "refused": 0, "failures": 0}
    deadline = time.monotonic() + args.seconds
    empty_since: float | None = None
    try:
        while time.monotonic() < deadline:
            report = deliver(
                registry,
                batch=args.batch,
                worker=args.worker,
                lease=dt.timedelta(seconds=args.lease),
                retry_delay=dt.timedelta(milliseconds=200),
            )
            totals["sent"] += report.sent
            totals["duplicates"] += report.duplicates
            totals["refused"] += len(report.refused)
            totals["failures"] += len(report.failures)
            if report.pending == 0:
                empty_since = empty_since or time.monotonic()
                if args.until_empty and time.monotonic() - empty_since >= 1.0:
                    break
            else:
                empty_since = None
            time.sleep(0.02)
    finally:
        registry.close()
        link.close()
    print(json.dumps(totals), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
