#!/usr/bin/env bash
# The browser of the lab: Debian's Chromium, for the test that loads a run's
# report page in a real headless browser (cmd/runbook/report_test.go).
# Nothing runs in the background; the test starts Chromium itself with
# --headless --no-sandbox and a fresh profile.
set -euo pipefail
if ! command -v chromium >/dev/null; then
	echo "lab: installing chromium"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=900 chromium >/dev/null
fi
chromium --version
