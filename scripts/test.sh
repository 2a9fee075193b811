#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every suite
# (unit, integration on pcap ports, end-to-end in network namespaces, the
# ClassBench verification). Run as root on Debian 12.
#   scripts/test.sh                 all suites
#   scripts/test.sh --suite unit    any `meson test` arguments
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs "$@"
