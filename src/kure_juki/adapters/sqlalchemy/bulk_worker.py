"""A worker of the bulk import: reads chunks of lines on stdin, writes their prepared rows on
stdout, in order, until stdin closes (see :mod:`kure_juki.adapters.sqlalchemy.bulk_pool`)."""

from __future__ import annotations

import sys

from kure_juki.adapters.sqlalchemy.bulk_lines import prepare
from kure_juki.adapters.sqlalchemy.bulk_pool import read_frame, to_wire, write_frame


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            chunk, today, dialect = read_frame(stdin)
        except EOFError:
            return 0
        try:
            answer: object = to_wire(prepare(chunk, today, dialect))
        except Exception as error:  # handed to the importing process, which raises it
            answer = error
        write_frame(stdout, answer)


if __name__ == "__main__":
    sys.exit(main())
