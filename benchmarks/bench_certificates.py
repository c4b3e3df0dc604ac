"""How many signed single-page PDF certificates one process prints per second (target ≥ 50/s).

    .venv/bin/python benchmarks/bench_certificates.py [--count 300] [--processes 2] [--check]

Each certificate is a synthetic household of three with its own serial, laid out, drawn with the
embedded fonts (IPAmj明朝 for the body where installed, else IPAex明朝; IPAexゴシック for
headings), given its QR seal and signed with Ed25519, as at the counter. The fonts
are registered once per process (the first certificate, timed apart); every later one reuses
the registered fonts and their character map. ``--processes`` also runs that many worker
processes at once, the way a server with several cores would. ``--check`` exits 1 below target.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time

from nacl.signing import SigningKey

from kure_juki.adapters.printing.pdf import PdfPrinter
from kure_juki.adapters.printing.sample import sample_household
from kure_juki.adapters.printing.signing import CertificateSigner, verify_certificate
from kure_juki.adapters.printing.text import TextPrinter
from kure_juki.domain.certificate_document import CertificateDocument

TARGET = 50.0
KEY = SigningKey(bytes(range(32)))


def documents(count: int, offset: int = 0) -> list[CertificateDocument]:
    return [sample_household(serial=f"R08-{offset + i:06d}", members=3) for i in range(count)]


def pdf_rate(count: int, offset: int = 0) -> tuple[float, float, int]:
    """Certificates per second of wall time and of this process's CPU time, average size."""
    printer = PdfPrinter(CertificateSigner(KEY, "bench"))
    docs = documents(count, offset)
    start, cpu = time.perf_counter(), time.process_time()
    size = 0
    for doc in docs:
        rendered = printer.render(doc)
        assert rendered.pages == 1
        size += len(rendered.content)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return count / wall, count / cpu, size // count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--processes", type=int, default=0)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    signer = CertificateSigner(KEY, "bench")
    start = time.perf_counter()
    first = PdfPrinter(signer).render(sample_household(serial="R08-999999", members=3))
    print(f"first certificate (registers the fonts): {time.perf_counter() - start:.3f} s")

    rate, cpu_rate, size = pdf_rate(args.count)
    # On a shared machine the CPU-time figure shows what the code costs, the wall-clock one
    # what this run got.
    print(f"PDF, signed, single page, one process: {rate:.1f} certificates/s "
          f"({cpu_rate:.1f}/s of CPU time; average {size // 1024} KiB; "
          f"target >= {TARGET:.0f}/s)")

    text = TextPrinter(signer)
    docs = documents(args.count)
    start = time.perf_counter()
    for doc in docs:
        text.render(doc)
    print(f"text, signed, one process: {args.count / (time.perf_counter() - start):.1f} "
          "certificates/s")

    keys = {"bench": signer.verify_key}
    start = time.perf_counter()
    for _ in range(args.count):
        assert verify_certificate(first.content, keys).ok
    print(f"verification of a PDF: {args.count / (time.perf_counter() - start):.1f} /s")

    if args.processes > 1:
        per = args.count
        with multiprocessing.Pool(args.processes) as pool:
            pool.starmap(pdf_rate, [(5, 900_000 + i * 10) for i in range(args.processes)])
            start = time.perf_counter()
            pool.starmap(pdf_rate, [(per, i * per) for i in range(args.processes)])
            elapsed = time.perf_counter() - start
        print(f"PDF, signed, {args.processes} processes: "
              f"{args.processes * per / elapsed:.1f} certificates/s")

    if args.check and rate < TARGET:
        print(f"below target: {rate:.1f} < {TARGET:.0f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
