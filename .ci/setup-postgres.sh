#!/usr/bin/env bash
# Installs the PostgreSQL server the storage tests start a throwaway cluster of
# (kure_juki.testing.postgres: initdb + postgres on a Unix socket in a temporary directory).
# Needs root for apt-get.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get install -y postgresql
