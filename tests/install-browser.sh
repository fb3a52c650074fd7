#!/bin/sh
# The page tests drive Debian's Chromium (never a browser downloaded by a test tool): install it
# when it is missing, as root or through sudo.
set -e
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
