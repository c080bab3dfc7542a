#!/usr/bin/env bash
# The test command: everything the tests need, then the whole suite.
# Browser tests drive Debian's Chromium (LEADHUB_CHROMIUM overrides its path); it is installed
# with apt when missing, as Playwright's own browser download is often not possible.
set -euo pipefail
cd "$(dirname "$0")"

if [ -z "${LEADHUB_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests…"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
export LEADHUB_CHROMIUM="${LEADHUB_CHROMIUM:-$(command -v chromium)}"

dotnet test LeadHub.sln "$@"
