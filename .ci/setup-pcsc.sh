#!/usr/bin/env bash
# Installs the PC/SC stack the card-reader end-to-end tests run on: pcscd, vsmartcard's virtual
# reader driver (vpcd), and pyscard into the venv (built from source: libpcsclite-dev, swig, gcc
# and the Python headers). Idempotent; quiet unless something fails.
# Usage: .ci/setup-pcsc.sh [VENV]   (default .venv). Needs root for apt-get.
set -euo pipefail

venv="${1:-.venv}"
python="$venv/bin/python"
export DEBIAN_FRONTEND=noninteractive

packages=(pcscd vsmartcard-vpcd libpcsclite-dev swig gcc)
# Debian's own Python needs its -dev package for the headers; a pyenv or uv Python has them.
include=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[[ -f "$include/Python.h" ]] || packages+=(python3-dev)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$python" -m pip install -q "pyscard>=2.0"
"$python" -c 'import smartcard.scard'
test -x /usr/sbin/pcscd
test -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so
