#!/usr/bin/env bash
# Provision one Raspberry Pi (Raspberry Pi OS Bookworm, 64-bit) for one MotCua Queue role.
#
#   sudo ./provision.sh [options] ROLE CONFIG
#
# ROLE is server, kiosk, display or counter; CONFIG is the device's file written by
# `python -m firmware_config generate` (server.toml, kiosk-1.toml, ...). Files that
# sit next to CONFIG in that folder are picked up too: ca.crt (TLS), and on the
# server mosquitto.conf, passwd, acl, site.toml, server.crt and server.key.
#
# Running it twice changes nothing: every step checks first and reports
# "ok:" (already so) or "changed:" (done now).
#
# Options:
#   --dry-run         print every action, change nothing
#   --read-only-root  (kiosk, display, counter) finish with a read-only root file
#                     system (overlay), so a power cut cannot corrupt the SD card
#   --lan CIDR        (server) the hall LAN that may ask the server for time
#                     (default: the /24 of public_url in CONFIG)
#   --wheels DIR      install Python packages from DIR only (no internet needed)
#   -h, --help        this text
#
# MOTCUA_ROOT=/some/dir writes every file below that folder instead of / and only
# prints the commands that would change the machine (packages, users, services).
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

DRY_RUN=0
READ_ONLY_ROOT=0
LAN=""
WHEELS=""
ARGS=()
while (($#)); do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --read-only-root) READ_ONLY_ROOT=1 ;;
        --lan) LAN="${2:?--lan needs a CIDR like 192.168.1.0/24}"; shift ;;
        --wheels) WHEELS="${2:?--wheels needs a folder}"; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
        *) ARGS+=("$1") ;;
    esac
    shift
done
if ((${#ARGS[@]} != 2)); then
    usage >&2
    exit 2
fi
ROLE="${ARGS[0]}"
CONFIG="${ARGS[1]}"
case "$ROLE" in
    server | kiosk | display | counter) ;;
    *) echo "ROLE must be server, kiosk, display or counter, got '$ROLE'" >&2; exit 2 ;;
esac
if [[ ! -f "$CONFIG" ]]; then
    echo "config file not found: $CONFIG" >&2
    exit 2
fi
if ((READ_ONLY_ROOT)) && [[ "$ROLE" == server ]]; then
    echo "--read-only-root is for kiosks, displays and counters: the server keeps its database" >&2
    exit 2
fi

ROOT="${MOTCUA_ROOT:-}"
ROOT="${ROOT%/}"
FAKE_ROOT=0
[[ -n "$ROOT" ]] && FAKE_ROOT=1
if ((!FAKE_ROOT && !DRY_RUN && EUID != 0)); then
    echo "run as root: sudo $0 $ROLE $CONFIG" >&2
    exit 2
fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$(cd "$HERE/.." && pwd)"
CONFIG_DIR="$(cd "$(dirname "$CONFIG")" && pwd)"
SERVICE_USER=motcua
PREFIX=/opt/motcua
VENV="$PREFIX/venv"
CHANGES=0
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

say() { printf '%s\n' "$*"; }
ok() { say "ok: $*"; }
changed() {
    CHANGES=$((CHANGES + 1))
    if ((DRY_RUN)); then say "would change: $*"; else say "changed: $*"; fi
}

# A command that changes the machine itself: printed, not run, in a dry run or a fake root.
run() {
    if ((DRY_RUN)); then
        say "would run: $*"
    elif ((FAKE_ROOT)); then
        say "skipped (MOTCUA_ROOT): $*"
    else
        "$@"
    fi
}

# install_file SRC DEST MODE [OWNER:GROUP] - copy when content, mode or owner differ.
install_file() {
    local src="$1" dest="$ROOT$2" mode="$3" owner="${4:-}" flags=()
    if ((FAKE_ROOT)) || ! getent passwd "${owner%%:*}" >/dev/null 2>&1; then
        owner=""
    fi
    if [[ -f "$dest" ]] && cmp -s "$src" "$dest" &&
        [[ "$(stat -c %a "$dest")" == "${mode#0}" ]] &&
        { [[ -z "$owner" ]] || [[ "$(stat -c %U:%G "$dest")" == "$owner" ]]; }; then
        ok "$2"
        return 1
    fi
    changed "$2"
    ((DRY_RUN)) && return 0
    [[ -n "$owner" ]] && flags=(-o "${owner%%:*}" -g "${owner##*:}")
    [[ -d "$(dirname "$dest")" ]] || install -d -m 0755 "$(dirname "$dest")"
    install -m "$mode" "${flags[@]}" "$src" "$dest"
}

# install_text DEST MODE [OWNER:GROUP] < text
install_text() {
    local tmp
    tmp="$(mktemp -p "$TMP")"
    cat >"$tmp"
    install_file "$tmp" "$@"
}

# ensure_dir DIR MODE [OWNER:GROUP]
ensure_dir() {
    local dest="$ROOT$1" mode="$2" owner="${3:-}" flags=()
    if ((FAKE_ROOT)) || ! getent passwd "${owner%%:*}" >/dev/null 2>&1; then
        owner=""
    fi
    if [[ -d "$dest" ]] && [[ "$(stat -c %a "$dest")" == "${mode#0}" ]] &&
        { [[ -z "$owner" ]] || [[ "$(stat -c %U:%G "$dest")" == "$owner" ]]; }; then
        ok "$1/"
        return 0
    fi
    changed "$1/"
    ((DRY_RUN)) && return 0
    [[ -n "$owner" ]] && flags=(-o "${owner%%:*}" -g "${owner##*:}")
    install -d -m "$mode" "${flags[@]}" "$dest"
}

# ensure_symlink LINK TARGET - how `systemctl enable` and `set-default` record things.
ensure_symlink() {
    local link="$ROOT$1" target="$2"
    if [[ -L "$link" ]] && [[ "$(readlink "$link")" == "$target" ]]; then
        ok "$1 -> $target"
        return 0
    fi
    changed "$1 -> $target"
    ((DRY_RUN)) && return 0
    [[ -d "$(dirname "$link")" ]] || install -d -m 0755 "$(dirname "$link")"
    ln -sfn "$target" "$link"
}

# ensure_absent FILE
ensure_absent() {
    if [[ -e "$ROOT$1" || -L "$ROOT$1" ]]; then
        changed "remove $1"
        ((DRY_RUN)) || rm -f "$ROOT$1"
    else
        ok "$1 absent"
    fi
}

# ensure_config_line FILE LINE - in config.txt, under an [all] section of our own.
ensure_config_line() {
    local file="$ROOT$1" line="$2"
    if grep -qxF -- "$line" "$file"; then
        ok "$1: $line"
        return 0
    fi
    changed "$1: $line"
    ((DRY_RUN)) && return 0
    printf '\n[all]\n# MotCua Queue\n%s\n' "$line" >>"$file"
}

# ensure_cmdline WORD - cmdline.txt is one line; KEY=VALUE replaces an older VALUE.
ensure_cmdline() {
    local file="$ROOT$1" word="$2" key="${2%%=*}"
    if tr ' ' '\n' <"$file" | grep -qxF -- "$word"; then
        ok "$1: $word"
        return 0
    fi
    changed "$1: $word"
    ((DRY_RUN)) && return 0
    if tr ' ' '\n' <"$file" | grep -q "^$key="; then
        sed -i -E "1 s/(^| )$key=[^ ]*/\\1$word/" "$file"
    else
        sed -i -E "1 s/[[:space:]]*\$/ $word/" "$file"
    fi
}

# config_value KEY - a top-level string value of CONFIG.
config_value() {
    sed -n -E "s/^$1[[:space:]]*=[[:space:]]*\"([^\"]*)\".*/\\1/p" "$CONFIG" | head -n 1
}

# url_host URL
url_host() {
    printf '%s\n' "$1" | sed -E 's#^[a-z]+://([^@/]*@)?([^:/]+).*#\2#'
}

packages() {
    local wanted=(python3-venv python3-pip fonts-dejavu-core chrony openssl) missing=() pkg
    case "$ROLE" in
        server) wanted+=(mosquitto mosquitto-clients sqlite3) ;;
        kiosk) wanted+=(espeak-ng python3-lgpio libusb-1.0-0) ;;
        display) wanted+=(espeak-ng alsa-utils) ;;
        counter) wanted+=(python3-lgpio) ;;
    esac
    if ((FAKE_ROOT)); then
        run apt-get install -y --no-install-recommends "${wanted[@]}"
        return 0
    fi
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        ok "packages ${wanted[*]}"
        return 0
    fi
    changed "install packages ${missing[*]}"
    run apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        -o Dpkg::Options::=--force-confold "${missing[@]}"
}

service_user() {
    local groups=() group
    case "$ROLE" in
        server) groups=() ;;
        kiosk) groups=(gpio lp dialout video render input audio) ;;
        display) groups=(video render input audio) ;;
        counter) groups=(gpio) ;;
    esac
    if ((FAKE_ROOT)); then
        run useradd --system --user-group --home-dir /var/lib/motcua --shell /usr/sbin/nologin \
            "$SERVICE_USER"
        ((${#groups[@]})) && run usermod -a -G "$(IFS=,; echo "${groups[*]}")" "$SERVICE_USER"
        return 0
    fi
    if id -u "$SERVICE_USER" >/dev/null 2>&1; then
        ok "user $SERVICE_USER"
    else
        changed "user $SERVICE_USER"
        run useradd --system --user-group --home-dir /var/lib/motcua --shell /usr/sbin/nologin \
            "$SERVICE_USER"
    fi
    for group in "${groups[@]}"; do
        if ! getent group "$group" >/dev/null; then
            ok "group $group does not exist here"
        elif id -nG "$SERVICE_USER" 2>/dev/null | tr ' ' '\n' | grep -qxF "$group"; then
            ok "$SERVICE_USER in group $group"
        else
            changed "$SERVICE_USER joins group $group"
            run usermod -a -G "$group" "$SERVICE_USER"
        fi
    done
}

# The project's source, copied into /opt/motcua/src; the venv is rebuilt when it changes.
project() {
    local extra="$ROLE" stamp="$PREFIX/src/.source-sha256" digest item items=()
    for item in protocol queue_server kiosk display counter voice simulator firmware_config \
        pyproject.toml README.md; do
        [[ -e "$SRC/$item" ]] && items+=("$item")
    done
    digest="$(cd "$SRC" && find "${items[@]}" -type f ! -path '*/__pycache__/*' ! -name '*.pyc' \
        -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
    if [[ -f "$ROOT$stamp" ]] && [[ "$(cat "$ROOT$stamp")" == "$digest" ]]; then
        ok "$PREFIX/src"
    else
        changed "$PREFIX/src"
        if ((!DRY_RUN)); then
            rm -rf "$ROOT$PREFIX/src"
            install -d -m 0755 "$ROOT$PREFIX/src"
            (cd "$SRC" && tar -cf - --exclude=__pycache__ --exclude='*.pyc' "${items[@]}") |
                tar -xf - -C "$ROOT$PREFIX/src"
            printf '%s\n' "$digest" >"$ROOT$stamp"
        fi
        rm -f "$ROOT$VENV/.installed"
    fi
    local pip=("$VENV/bin/pip" install "$PREFIX/src[$extra]")
    [[ -n "$WHEELS" ]] && pip=("$VENV/bin/pip" install --no-index --find-links "$WHEELS" \
        "$PREFIX/src[$extra]")
    if ((FAKE_ROOT)); then
        run python3 -m venv --system-site-packages "$VENV"
        run "${pip[@]}"
        return 0
    fi
    if [[ -x "$VENV/bin/python" ]]; then
        ok "$VENV"
    else
        changed "$VENV"
        # system site packages: python3-lgpio comes from Debian, not from PyPI
        run python3 -m venv --system-site-packages "$VENV"
    fi
    if [[ -f "$VENV/.installed" ]] && [[ "$(cat "$VENV/.installed")" == "$digest $extra" ]]; then
        ok "python packages [$extra]"
        return 0
    fi
    changed "python packages [$extra]"
    run "${pip[@]}"
    if ((!DRY_RUN)); then
        printf '%s %s\n' "$digest" "$extra" >"$VENV/.installed"
    fi
}

config_files() {
    ensure_dir /etc/motcua 0750 "root:$SERVICE_USER"
    install_file "$CONFIG" "/etc/motcua/$ROLE.toml" 0640 "root:$SERVICE_USER" || true
    if [[ -f "$CONFIG_DIR/ca.crt" ]]; then
        install_file "$CONFIG_DIR/ca.crt" /etc/motcua/ca.crt 0644 root:root || true
    fi
}

systemd_units() {
    local unit="motcua-$ROLE.service" reload=0
    install_file "$HERE/systemd/$unit" "/etc/systemd/system/$unit" 0644 root:root && reload=1
    ensure_symlink "/etc/systemd/system/multi-user.target.wants/$unit" "/etc/systemd/system/$unit"
    if [[ "$ROLE" == server ]]; then
        install_file "$HERE/systemd/motcua-backup.service" \
            /etc/systemd/system/motcua-backup.service 0644 root:root && reload=1
        install_file "$HERE/systemd/motcua-backup.timer" \
            /etc/systemd/system/motcua-backup.timer 0644 root:root && reload=1
        ensure_symlink /etc/systemd/system/timers.target.wants/motcua-backup.timer \
            /etc/systemd/system/motcua-backup.timer
        # the broker reloads the accounts the server changes (devices added in /admin)
        for name in motcua-broker-reload.path motcua-broker-reload.service; do
            install_file "$HERE/systemd/$name" "/etc/systemd/system/$name" 0644 root:root &&
                reload=1
        done
        ensure_symlink /etc/systemd/system/multi-user.target.wants/motcua-broker-reload.path \
            /etc/systemd/system/motcua-broker-reload.path
        ensure_dir /var/backups/motcua 0750 "$SERVICE_USER:$SERVICE_USER"
        ensure_dir /var/lib/motcua 0750 "$SERVICE_USER:$SERVICE_USER"
    fi
    if ((reload)); then
        run systemctl daemon-reload
    fi
    # boot to the console, no desktop; nobody is logged in automatically
    ensure_symlink /etc/systemd/system/default.target /lib/systemd/system/multi-user.target
    ensure_absent /etc/systemd/system/getty@tty1.service.d/autologin.conf
}

udev_rules() {
    local rule reload=0
    [[ "$ROLE" == kiosk ]] || return 0
    for rule in "$HERE"/udev/*.rules; do
        [[ -f "$rule" ]] || continue
        install_file "$rule" "/etc/udev/rules.d/$(basename "$rule")" 0644 root:root && reload=1
    done
    if ((reload)); then
        run udevadm control --reload-rules
        run udevadm trigger
    fi
}

boot_settings() {
    local boot=/boot/firmware
    [[ -f "$ROOT$boot/config.txt" ]] || boot=/boot
    if [[ ! -f "$ROOT$boot/config.txt" ]]; then
        say "skipped: no $boot/config.txt (not a Raspberry Pi OS image)"
        return 0
    fi
    ensure_config_line "$boot/config.txt" "dtoverlay=vc4-kms-v3d"
    if [[ "$ROLE" == display || "$ROLE" == kiosk ]] && [[ -f "$ROOT$boot/cmdline.txt" ]]; then
        ensure_cmdline "$boot/cmdline.txt" consoleblank=0
        ensure_cmdline "$boot/cmdline.txt" vt.global_cursor_default=0
    fi
}

time_sync() {
    local server_host conf
    if [[ "$ROLE" == server ]]; then
        if [[ -z "$LAN" ]]; then
            server_host="$(url_host "$(config_value public_url)")"
            LAN="${server_host%.*}.0/24"
        fi
        conf="# MotCua Queue: the server keeps the hall's time, with or without internet.
# Serve time on the hall LAN even when no upstream source is reachable.
local stratum 8
allow $LAN
"
    else
        server_host="$(url_host "$(config_value mqtt_url)")"
        [[ -n "$server_host" ]] || server_host="$(url_host "$(config_value server_url)")"
        conf="# MotCua Queue: take the time from the hall's server (no internet NTP).
server $server_host iburst prefer
# a Pi has no clock battery: step the clock whenever it is far off
makestep 1 -1
"
    fi
    if printf '%s' "$conf" | install_text /etc/chrony/conf.d/motcua.conf 0644 root:root; then
        run systemctl restart chrony
    fi
}

broker() {
    local name restart=0
    [[ "$ROLE" == server ]] || return 0
    for name in mosquitto.conf passwd acl; do
        if [[ ! -f "$CONFIG_DIR/$name" ]]; then
            echo "$CONFIG_DIR/$name is missing: run python -m firmware_config generate" >&2
            exit 1
        fi
    done
    install_file "$CONFIG_DIR/mosquitto.conf" /etc/mosquitto/conf.d/motcua.conf 0644 root:root &&
        restart=1
    # The server keeps passwd and acl from its device table (devices added in /admin):
    # it owns them, the broker's group reads them, new files inherit the group (setgid).
    # A change here is merged back by the server when it restarts at the end.
    ensure_dir /etc/mosquitto/motcua 2750 "$SERVICE_USER:mosquitto"
    install_file "$CONFIG_DIR/passwd" /etc/mosquitto/motcua/passwd 0640 \
        "$SERVICE_USER:mosquitto" && restart=1
    install_file "$CONFIG_DIR/acl" /etc/mosquitto/motcua/acl 0640 "$SERVICE_USER:mosquitto" &&
        restart=1
    for name in ca.crt server.crt; do
        if [[ -f "$CONFIG_DIR/$name" ]]; then
            install_file "$CONFIG_DIR/$name" "/etc/mosquitto/motcua/$name" 0644 root:root &&
                restart=1
        fi
    done
    if [[ -f "$CONFIG_DIR/server.key" ]]; then
        install_file "$CONFIG_DIR/server.key" /etc/mosquitto/motcua/server.key 0600 \
            mosquitto:mosquitto && restart=1
    fi
    ensure_symlink /etc/systemd/system/multi-user.target.wants/mosquitto.service \
        /lib/systemd/system/mosquitto.service
    if ((restart)); then
        run systemctl restart mosquitto
    fi
}

database() {
    local load=0
    [[ "$ROLE" == server ]] || return 0
    if [[ -f "$CONFIG_DIR/site.toml" ]]; then
        install_file "$CONFIG_DIR/site.toml" /etc/motcua/site.toml 0640 "root:$SERVICE_USER" &&
            load=1
    fi
    ((FAKE_ROOT)) || [[ -f /var/lib/motcua/motcua.db ]] || load=1
    if ((load)); then
        changed "database: init-db and load-site /etc/motcua/site.toml"
        run runuser -u "$SERVICE_USER" -- "$VENV/bin/python" -m queue_server init-db \
            --config /etc/motcua/server.toml
        run runuser -u "$SERVICE_USER" -- "$VENV/bin/python" -m queue_server load-site \
            --config /etc/motcua/server.toml /etc/motcua/site.toml
    else
        ok "database"
    fi
}

read_only_root() {
    local boot=/boot/firmware
    ((READ_ONLY_ROOT)) || return 0
    [[ -f "$ROOT$boot/cmdline.txt" ]] || boot=/boot
    if [[ -f "$ROOT$boot/cmdline.txt" ]] && grep -q "overlayroot=tmpfs" "$ROOT$boot/cmdline.txt"; then
        ok "read-only root (overlay)"
        return 0
    fi
    if ((FAKE_ROOT)); then
        run raspi-config nonint enable_overlayfs
        return 0
    fi
    changed "read-only root (overlay), active after the next reboot"
    run raspi-config nonint enable_overlayfs
}

say "MotCua Queue: provisioning a $ROLE${ROOT:+ into $ROOT}$( ((DRY_RUN)) && echo ' (dry run)')"
packages
service_user
project
config_files
broker
database
udev_rules
systemd_units
boot_settings
time_sync
read_only_root
if ((CHANGES)); then
    run systemctl restart "motcua-$ROLE.service"
fi
say "$CHANGES change(s)"
if ((CHANGES)) && ((!DRY_RUN)) && ((!FAKE_ROOT)); then
    say "reboot once to apply boot settings: sudo reboot"
fi
