#!/bin/sh
# What the browser tests need beyond Python packages, installed from the project's own
# files (run by `make install-test`): Debian's Chromium when we are root and it is
# missing, and axe-core from the npm registry as pinned in tests/browser/package-lock.json.
# Playwright drives /usr/bin/chromium: its own browser downloads (`playwright install`)
# are never used. Without root, apt or npm, the browser tests skip and say why.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -x /usr/bin/chromium ] || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        packages=""
        [ -x /usr/bin/chromium ] || packages="chromium"
        command -v npm >/dev/null 2>&1 || packages="$packages npm"
        echo "installing Debian packages: $packages"
        apt-get update -q
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages
    else
        echo "note: /usr/bin/chromium or npm is missing and cannot be installed here (not root or no apt-get): the browser tests will be skipped"
    fi
fi

if command -v npm >/dev/null 2>&1; then
    npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi
