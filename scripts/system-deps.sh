#!/bin/sh
# Installs the Debian packages MotCua Queue needs on a development machine, when
# missing: the Mosquitto broker, the DejaVu fonts (tickets and boards render
# Vietnamese with them), espeak-ng (offline Vietnamese voice) and Chromium (the
# browser the web pages are tested in); with the argument "bench" also wrk (the HTTP
# load generator of the ticket-issue benchmark). As root it installs them; otherwise
# it says what to run.
set -e
missing=""
[ "${1:-}" = "bench" ] && { command -v wrk >/dev/null 2>&1 || missing="$missing wrk"; }
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing="$missing mosquitto mosquitto-clients"
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
command -v espeak-ng >/dev/null 2>&1 || missing="$missing espeak-ng"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
else
    echo "missing Debian packages:$missing" >&2
    echo "install them with: sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
