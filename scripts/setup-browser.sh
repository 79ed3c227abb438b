#!/usr/bin/env bash
# Install headless Chromium for the report's browser test when it is missing and we may install
# system packages (root, apt-get present). Without it the browser test is skipped, not failed,
# except in CI, where the test demands it.
set -uo pipefail
if { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } \
   && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "mmm setup: installing chromium for the report's browser test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
    >/tmp/mmm-chromium-install.log 2>&1 || echo "mmm setup: chromium install failed (see /tmp/mmm-chromium-install.log)" >&2
fi
exit 0
