# libvirtd-harness.sh: a private libvirt 9.0 daemon for tests (sourced by bash tests).
#
# The daemon is the *session* libvirtd (qemu:///session) with virtlogd, run under an
# unprivileged uid (65534 when we are root, ourselves otherwise) with HOME and every
# XDG_* directory inside one temp dir.  Nothing it writes lands outside that dir: its
# sockets, pid files, domain configs, NVRAM copies and logs all live there, so it cannot
# disturb the host's system daemon or another test's daemon.  It still reads the host's
# real firmware descriptors (/usr/share/qemu/firmware, /etc/qemu/firmware), which is what
# a parity test needs; the per-user descriptor dir ($XDG_CONFIG_HOME/qemu/firmware) is
# the empty one in the temp dir.  integration-style.md §2.9 has the recipe.
#
# When root, lvh_reexec_in_private_mount_ns re-runs the test in its own mount namespace
# with a private copy of /etc/libvirt whose hooks/ dir is empty, so hook scripts that
# happen to be installed on the host (session daemons run /etc/libvirt/hooks too) cannot
# change what the test observes.  Tests that exercise hooks install theirs into
# "$LVH_ETC_LIBVIRT/hooks" before lvh_start.
#
# Usage:
#   source "$(dirname "$0")/libvirtd-harness.sh"
#   lvh_reexec_in_private_mount_ns "$0" "$@"   # optional, first thing (root only)
#   reason=$(lvh_unusable_reason) && lvh_skip_all "$reason"
#   lvh_start                                  # dies with a message after ~20 s at most
#   lvh_virsh define "$(lvh_stage_file vm.xml)"; lvh_virsh start --paused vm
#   lvh_qemu_pid vm; lvh_qemu_argv vm
# Hook tests: define lvh_pre_start before lvh_start; it runs once the private /etc/libvirt
# exists ($LVH_ETC_LIBVIRT) and before the daemons start (libvirt registers hooks found at
# start only).  LVH_ETC_OVERLAY=1 also puts a throw-away overlay on /etc (in the private
# mount namespace only), so a test can create files such as /etc/fwneg/fwneg.conf.
# lvh_restart_libvirtd stops libvirtd (guests keep running) and starts it again.
# Teardown is automatic (EXIT trap): guests, libvirtd and virtlogd are stopped by the PIDs
# recorded in the private run dir, then the temp dir is removed (kept if LVH_KEEP=1).
# Do not replace the EXIT trap; register extra cleanup with lvh_add_cleanup.

LVH_URI=qemu:///session
LVH_START_TIMEOUT=${LVH_START_TIMEOUT:-20}
LVH_VIRSH_TIMEOUT=${LVH_VIRSH_TIMEOUT:-60}
LVH_DIR=
LVH_PIDS=()
LVH_CLEANUPS=()

lvh_log() {
    # TAP diagnostics: a leading '#' keeps them out of the TAP stream's results.
    printf '# %s\n' "$*" >&2
}

lvh_die() {
    lvh_log "libvirtd-harness: $*"
    exit 1
}

# Prints a TAP plan that skips the whole test, then exits successfully.
lvh_skip_all() {
    printf '1..0 # SKIP %s\n' "$*"
    exit 0
}

# Prints why this machine cannot run the private daemon, and succeeds; fails (prints
# nothing) when it can.
lvh_unusable_reason() {
    local tool
    for tool in libvirtd virtlogd virsh setpriv timeout; do
        if ! command -v "$tool" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$tool" ]; then
            echo "$tool not installed (packages libvirt-daemon, libvirt-daemon-driver-qemu, libvirt-clients)"
            return 0
        fi
    done
    if ! compgen -G '/usr/lib*/libvirt/connection-driver/libvirt_driver_qemu.so' >/dev/null &&
        ! compgen -G '/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so' >/dev/null; then
        echo "libvirt QEMU driver not installed (package libvirt-daemon-driver-qemu)"
        return 0
    fi
    return 1
}

# Runs the test script again inside a private mount namespace (root only; a no-op
# otherwise or when already inside).  Call it before anything prints.
lvh_reexec_in_private_mount_ns() {
    local script=$1
    shift
    if [ "$(id -u)" != 0 ] || [ -n "${LVH_IN_PRIVATE_MOUNT_NS:-}" ]; then
        return 0
    fi
    if ! command -v unshare >/dev/null 2>&1 ||
        ! unshare -m --propagation private true 2>/dev/null; then
        lvh_log "libvirtd-harness: no private mount namespace here; host /etc/libvirt/hooks stay visible"
        return 0
    fi
    LVH_IN_PRIVATE_MOUNT_NS=1 exec unshare -m --propagation private bash "$script" "$@"
}

lvh_add_cleanup() {
    LVH_CLEANUPS+=("$*")
}

# Runs a command as the daemon's user with the daemon's environment.
lvh_as_daemon_user() {
    local -a env_vars=(
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        HOME="$LVH_HOME"
        XDG_RUNTIME_DIR="$LVH_RUNTIME_DIR"
        XDG_CONFIG_HOME="$LVH_HOME/.config"
        XDG_CACHE_HOME="$LVH_HOME/.cache"
        XDG_DATA_HOME="$LVH_HOME/.local/share"
        USER="$LVH_USER"
        LOGNAME="$LVH_USER"
        LC_ALL=C
        # A daemon that went away must not be replaced by an autostarted one whose
        # PID this harness never recorded.
        LIBVIRT_AUTOSTART=0
    )
    if [ "$LVH_UID" = "$(id -u)" ]; then
        env -i "${env_vars[@]}" "$@"
    else
        setpriv --reuid="$LVH_UID" --regid="$LVH_GID" --clear-groups \
            env -i "${env_vars[@]}" "$@"
    fi
}

# virsh against the private daemon; never waits longer than LVH_VIRSH_TIMEOUT seconds.
lvh_virsh() {
    lvh_as_daemon_user timeout --kill-after=5 "$LVH_VIRSH_TIMEOUT" \
        virsh --quiet -c "$LVH_URI" "$@"
}

# Copies a file where the daemon's user can read it (the source tree may not be
# readable by uid 65534) and prints the copy's path.
lvh_stage_file() {
    local src=$1 dst
    dst="$LVH_DIR/staged/$(basename "$src")"
    install -m 0644 "$src" "$dst" || return 1
    printf '%s\n' "$dst"
}

# The PID of a running guest's QEMU (from the daemon's run dir).
lvh_qemu_pid() {
    local pidfile="$LVH_QEMU_RUN_DIR/$1.pid" pid
    [ -r "$pidfile" ] || return 1
    pid=$(_lvh_pid_from_file "$pidfile") || return 1
    [ -d "/proc/$pid" ] || return 1
    printf '%s\n' "$pid"
}

# A running guest's QEMU argv, one argument per line.
lvh_qemu_argv() {
    local pid
    pid=$(lvh_qemu_pid "$1") || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline"
}

lvh_qemu_log() {
    printf '%s\n' "$LVH_HOME/.cache/libvirt/qemu/log/$1.log"
}

# libvirt writes pid files without a trailing newline, which plain `read` reports as
# failure; accept exactly one decimal number.
_lvh_pid_from_file() {
    local pid=
    [ -r "$1" ] || return 1
    read -r pid <"$1" 2>/dev/null || true
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    printf '%s\n' "$pid"
}

_lvh_wait_for_socket() {
    local sock=$1 deadline=$((SECONDS + LVH_START_TIMEOUT))
    while ! [ -S "$sock" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.1
    done
}

_lvh_read_pid() {
    local pidfile=$1 pid deadline=$((SECONDS + LVH_START_TIMEOUT))
    while ! [ -s "$pidfile" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.1
    done
    _lvh_pid_from_file "$pidfile"
}

# Starts one daemon and records its PID.  The pid file is the daemon's default one, so a
# daemon restarted behind our back would still be found (and stopped) at teardown.
_lvh_start_daemon() {
    local name=$1 pidfile=$2 sock=$3 pid
    shift 3
    if ! lvh_as_daemon_user timeout --kill-after=5 "$LVH_START_TIMEOUT" \
        "$name" --daemon --timeout 120 --pid-file "$pidfile" "$@"; then
        lvh_die "$name --daemon failed; see $LVH_DIR/$name.log"
    fi
    pid=$(_lvh_read_pid "$pidfile") ||
        lvh_die "$name wrote no pid file $pidfile within ${LVH_START_TIMEOUT}s"
    LVH_PIDS+=("$name:$pid")
    _lvh_wait_for_socket "$sock" ||
        lvh_die "$name (pid $pid) created no socket $sock within ${LVH_START_TIMEOUT}s"
}

_lvh_write_config() {
    local confdir="$LVH_HOME/.config/libvirt"
    install -d -o "$LVH_UID" -g "$LVH_GID" -m 0700 \
        "$LVH_HOME/.config" "$confdir" "$LVH_HOME/.config/qemu" "$LVH_HOME/.cache"
    # Firmware selection is logged at debug level: it is the only place libvirt 9.0
    # says why each descriptor was skipped, so keep it for failure diagnostics.
    cat >"$confdir/libvirtd.conf" <<EOF
log_level = 3
log_filters = "1:qemu.qemu_firmware"
log_outputs = "1:file:$LVH_DIR/libvirtd.log"
EOF
    cat >"$confdir/virtlogd.conf" <<EOF
log_level = 3
log_outputs = "3:file:$LVH_DIR/virtlogd.log"
EOF
    chown "$LVH_UID:$LVH_GID" "$confdir/libvirtd.conf" "$confdir/virtlogd.conf"
    : >"$LVH_DIR/libvirtd.log"
    : >"$LVH_DIR/virtlogd.log"
    chown "$LVH_UID:$LVH_GID" "$LVH_DIR/libvirtd.log" "$LVH_DIR/virtlogd.log"
}

# An overlay on /etc, upper layer in the temp dir: /etc reads as the host's, writes land
# in the temp dir.  Mounted before the /etc/libvirt bind mount (an overlay does not show
# mounts below its lower directory).
_lvh_etc_overlay() {
    [ "${LVH_ETC_OVERLAY:-0}" = 1 ] || return 0
    [ -n "${LVH_IN_PRIVATE_MOUNT_NS:-}" ] || lvh_die "LVH_ETC_OVERLAY needs root and a private mount namespace"
    mkdir -p "$LVH_DIR/etc-upper" "$LVH_DIR/etc-work"
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$LVH_DIR/etc-upper,workdir=$LVH_DIR/etc-work" /etc ||
        lvh_die "cannot mount an overlay on /etc"
    LVH_ETC_OVERLAID=1
}

_lvh_private_etc_libvirt() {
    [ -n "${LVH_IN_PRIVATE_MOUNT_NS:-}" ] || return 0
    LVH_ETC_LIBVIRT="$LVH_DIR/etc-libvirt"
    mkdir -p "$LVH_ETC_LIBVIRT"
    if [ -d /etc/libvirt ]; then
        cp -a /etc/libvirt/. "$LVH_ETC_LIBVIRT/"
    fi
    rm -rf "$LVH_ETC_LIBVIRT/hooks"
    mkdir -p "$LVH_ETC_LIBVIRT/hooks"
    mkdir -p /etc/libvirt 2>/dev/null || true
    mount --bind "$LVH_ETC_LIBVIRT" /etc/libvirt ||
        lvh_die "cannot bind-mount a private /etc/libvirt"
}

# Stops one process if it still is the one we started (comm checked, so a recycled PID
# is left alone); SIGTERM, then SIGKILL after 10 s.
_lvh_stop_pid() {
    local pid=$1 comm_pattern=$2 comm i
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 0
    read -r comm <"/proc/$pid/comm" 2>/dev/null || return 0
    case "$comm" in
    $comm_pattern) ;;
    *) return 0 ;;
    esac
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        [ -d "/proc/$pid" ] || return 0
        # A zombie is gone for our purposes (its parent is not us).
        if grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    lvh_log "libvirtd-harness: pid $pid ($comm) ignored SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

lvh_teardown() {
    local status=$? entry pidfile pid
    trap - EXIT INT TERM HUP
    [ -n "$LVH_DIR" ] || return "$status"
    for entry in "${LVH_CLEANUPS[@]}"; do
        eval "$entry" || true
    done
    # Guests first: libvirtd leaves running QEMUs behind when it exits.
    if [ -n "${LVH_QEMU_RUN_DIR:-}" ]; then
        for pidfile in "$LVH_QEMU_RUN_DIR"/*.pid; do
            [ -e "$pidfile" ] || continue
            [ "$(basename "$pidfile")" = driver.pid ] && continue
            pid=$(_lvh_pid_from_file "$pidfile") || continue
            _lvh_stop_pid "$pid" 'qemu-system-*'
        done
    fi
    for entry in "${LVH_PIDS[@]}"; do
        _lvh_stop_pid "${entry#*:}" "${entry%%:*}"
    done
    # A daemon restarted behind our back (it would have written the same pid file).
    for entry in libvirtd:"$LVH_RUNTIME_DIR/libvirt/libvirtd.pid" \
        virtlogd:"$LVH_RUNTIME_DIR/libvirt/virtlogd.pid"; do
        pidfile=${entry#*:}
        if pid=$(_lvh_pid_from_file "$pidfile"); then
            _lvh_stop_pid "$pid" "${entry%%:*}"
        fi
    done
    if [ -n "${LVH_ETC_LIBVIRT:-}" ]; then
        umount /etc/libvirt 2>/dev/null || true
    fi
    if [ -n "${LVH_ETC_OVERLAID:-}" ]; then
        umount /etc 2>/dev/null || true
    fi
    if [ "${LVH_KEEP:-0}" = 1 ]; then
        lvh_log "libvirtd-harness: kept $LVH_DIR"
    else
        rm -rf "$LVH_DIR"
    fi
    return "$status"
}

lvh_start() {
    LVH_DIR=$(mktemp -d /tmp/fwneg-lvh.XXXXXX) || lvh_die "mktemp failed"
    trap lvh_teardown EXIT
    # Make signals run the EXIT trap (bash skips it on an untrapped fatal signal).
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    chmod 0755 "$LVH_DIR"
    if [ "$(id -u)" = 0 ]; then
        LVH_UID=${LVH_UID:-65534}
        LVH_GID=${LVH_GID:-65534}
        LVH_USER=$(getent passwd "$LVH_UID" | cut -d: -f1)
        LVH_USER=${LVH_USER:-nobody}
    else
        LVH_UID=$(id -u)
        LVH_GID=$(id -g)
        LVH_USER=$(id -un)
    fi
    LVH_HOME="$LVH_DIR/home"
    LVH_RUNTIME_DIR="$LVH_DIR/run"
    LVH_QEMU_RUN_DIR="$LVH_RUNTIME_DIR/libvirt/qemu/run"
    LVH_NVRAM_DIR="$LVH_HOME/.config/libvirt/qemu/nvram"
    install -d -o "$LVH_UID" -g "$LVH_GID" -m 0700 "$LVH_HOME" "$LVH_RUNTIME_DIR"
    install -d -m 0755 "$LVH_DIR/staged"
    _lvh_write_config
    _lvh_etc_overlay
    _lvh_private_etc_libvirt
    if declare -F lvh_pre_start >/dev/null; then
        lvh_pre_start || lvh_die "lvh_pre_start failed"
    fi

    _lvh_start_daemon virtlogd "$LVH_RUNTIME_DIR/libvirt/virtlogd.pid" \
        "$LVH_RUNTIME_DIR/libvirt/virtlogd-sock"
    _lvh_start_daemon libvirtd "$LVH_RUNTIME_DIR/libvirt/libvirtd.pid" \
        "$LVH_RUNTIME_DIR/libvirt/libvirt-sock"
    local uri
    uri=$(LVH_VIRSH_TIMEOUT=$LVH_START_TIMEOUT lvh_virsh uri 2>&1) ||
        lvh_die "the private libvirtd does not answer: $uri"
    lvh_log "libvirtd-harness: private libvirtd ${LVH_PIDS[*]} uid $LVH_UID in $LVH_DIR ($uri)"
}

# Stops libvirtd by PID (its guests keep running) and starts it again: libvirt then
# reconnects to the running QEMUs (the qemu hook's `reconnect` op).
lvh_restart_libvirtd() {
    local entry pid kept=()
    for entry in "${LVH_PIDS[@]}"; do
        if [ "${entry%%:*}" = libvirtd ]; then
            _lvh_stop_pid "${entry#*:}" libvirtd
        else
            kept+=("$entry")
        fi
    done
    LVH_PIDS=("${kept[@]}")
    rm -f "$LVH_RUNTIME_DIR/libvirt/libvirtd.pid"
    _lvh_start_daemon libvirtd "$LVH_RUNTIME_DIR/libvirt/libvirtd.pid" \
        "$LVH_RUNTIME_DIR/libvirt/libvirt-sock"
    LVH_VIRSH_TIMEOUT=$LVH_START_TIMEOUT lvh_virsh uri >/dev/null ||
        lvh_die "the restarted libvirtd does not answer"
}

# Prints the tail of the daemon's log and a guest's QEMU log as TAP diagnostics.
lvh_dump_logs() {
    local name=${1:-}
    if [ -n "$name" ] && [ -r "$(lvh_qemu_log "$name")" ]; then
        tail -n 20 "$(lvh_qemu_log "$name")" | sed 's/^/#   qemu log: /' >&2
    fi
    if [ -r "$LVH_DIR/libvirtd.log" ]; then
        tail -n 20 "$LVH_DIR/libvirtd.log" | sed 's/^/#   libvirtd log: /' >&2
    fi
}
