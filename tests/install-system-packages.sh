#!/bin/sh
# What the tests need from Debian, installed when missing, as root or through sudo:
# - Chromium, which the page tests drive (never a browser downloaded by a test tool);
# - Virtuoso Open Source, one of the three SPARQL engines the API tests run on.
# - npm, which installs axe-core (package.json), the accessibility checker the page tests inject.
set -e
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v virtuoso-t >/dev/null 2>&1 || missing="$missing virtuoso-opensource"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
# Virtuoso's package asks for a DBA password; an empty answer keeps the default dba/dba login,
# which only ever listens on loopback in the tests.
printf '%s\n%s\n' \
    "virtuoso-opensource-7 virtuoso-opensource-7/dba-password password" \
    "virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password" \
    | $SUDO debconf-set-selections
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $missing
