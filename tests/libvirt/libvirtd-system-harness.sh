# libvirtd-system-harness.sh: a private *system-mode* libvirt 9.0 daemon
# (qemu:///system) for the cases the session daemon refuses — virtiofs ("virtiofs
# is not yet supported in session mode") and PCI host devices.  Sourced by bash
# tests; the same function names as libvirtd-harness.sh.
#
# The host's own /run, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and
# /etc/libvirt are never touched: the test re-executes itself under
# `unshare -m -n --propagation private` (its own mount and network namespace, so
# libvirt's network drivers cannot reach the host's bridges or firewall), then
#   /run                tmpfs
#   /var/lib, /var/cache overlayfs over the host's (writes land in the temp dir)
#   /var/log/libvirt    bind of the temp dir's log/
#   /etc/libvirt        bind of a copy with empty hooks/ and qemu/networks/ and
#                       this qemu.conf: user/group root, no security driver, no
#                       cgroups, no namespaces (as the project's DESIGN notes)
# libvirtd runs with a PATH whose only emulators are the ones the test names
# (LVH_EMULATORS), so it does not probe every qemu-system-* at start.  Every
# process is stopped by the PID it recorded (guests, virtiofsd children of
# libvirt, libvirtd, virtlogd), then the mounts are dropped with the namespace.
#
# Usage: source it, lvh_reexec_in_private_mount_ns "$0" "$@", then
# reason=$(lvh_unusable_reason) && lvh_skip_all "$reason", LVH_EMULATORS=(…),
# lvh_start.  Emulator wrappers for reading fw_cfg from libvirt's own QEMU:
# lvh_qtest_wrapper BINARY (prints the wrapper's path; the guest NAME's qtest
# socket is lvh_qtest_socket NAME).

LVH_URI=qemu:///system
LVH_START_TIMEOUT=${LVH_START_TIMEOUT:-60}
LVH_VIRSH_TIMEOUT=${LVH_VIRSH_TIMEOUT:-60}
LVH_DIR=
LVH_PIDS=()

lvh_log() { printf '# %s\n' "$*" >&2; }
lvh_die() {
    lvh_log "libvirtd-system-harness: $*"
    exit 1
}
lvh_skip_all() {
    printf '1..0 # SKIP %s\n' "$*"
    exit 0
}

lvh_unusable_reason() {
    local tool
    [ "$(id -u)" = 0 ] || {
        echo "needs root (a private system-mode libvirtd)"
        return 0
    }
    for tool in libvirtd virtlogd virsh unshare timeout; do
        if ! command -v "$tool" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$tool" ]; then
            echo "$tool not installed (packages libvirt-daemon, libvirt-daemon-driver-qemu, libvirt-clients)"
            return 0
        fi
    done
    if [ -z "${LVH_IN_PRIVATE_MOUNT_NS:-}" ]; then
        echo "no private mount and network namespace (unshare -m -n failed)"
        return 0
    fi
    if ! grep -qw overlay /proc/filesystems && ! modprobe overlay 2>/dev/null; then
        echo "no overlayfs for a private /var/lib"
        return 0
    fi
    return 1
}

lvh_reexec_in_private_mount_ns() {
    local script=$1
    shift
    [ -n "${LVH_IN_PRIVATE_MOUNT_NS:-}" ] && return 0
    [ "$(id -u)" = 0 ] || return 0
    unshare -m -n --propagation private true 2>/dev/null || return 0
    LVH_IN_PRIVATE_MOUNT_NS=1 exec unshare -m -n --propagation private bash "$script" "$@"
}

lvh_virsh() { timeout --kill-after=5 "$LVH_VIRSH_TIMEOUT" virsh --quiet -c "$LVH_URI" "$@"; }

lvh_qemu_pid() {
    local f="/run/libvirt/qemu/$1.pid" pid=
    [ -r "$f" ] || return 1
    read -r pid <"$f" 2>/dev/null || true
    [[ "$pid" =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] && printf '%s\n' "$pid"
}
lvh_qemu_argv() {
    local pid
    pid=$(lvh_qemu_pid "$1") || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline"
}
lvh_qemu_log() { printf '%s\n' "/var/log/libvirt/qemu/$1.log"; }
lvh_dump_logs() {
    [ -n "${1:-}" ] && [ -r "$(lvh_qemu_log "$1")" ] &&
        tail -n 20 "$(lvh_qemu_log "$1")" | sed 's/^/#   qemu log: /' >&2
    [ -r "$LVH_DIR/libvirtd.log" ] && tail -n 20 "$LVH_DIR/libvirtd.log" | sed 's/^/#   libvirtd log: /' >&2
}

lvh_qtest_socket() { printf '%s\n' "$LVH_DIR/qtest/$1.sock"; }

# An <emulator> that runs BINARY and, when libvirt starts a guest (-name
# guest=NAME,…), also serves qtest on lvh_qtest_socket NAME: fw_cfg is then read
# from the very QEMU libvirt started (its vCPUs stay paused with start --paused).
lvh_qtest_wrapper() {
    local binary=$1 wrapper
    wrapper="$LVH_DIR/bin-wrap/$(basename "$binary")"
    mkdir -p "$LVH_DIR/bin-wrap" "$LVH_DIR/qtest"
    cat >"$wrapper" <<EOF
#!/bin/bash
for a in "\$@"; do case "\$a" in guest=*) n=\${a#guest=}; n=\${n%%,*} ;; esac; done
if [ -n "\${n:-}" ]; then
    exec $binary "\$@" -qtest "unix:$LVH_DIR/qtest/\$n.sock,server=on,wait=off" -qtest-log none
fi
exec $binary "\$@"
EOF
    chmod 0755 "$wrapper"
    printf '%s\n' "$wrapper"
}

_lvh_stop_pid() {
    local pid=$1 i
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        [ -d "/proc/$pid" ] || return 0
        grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null && return 0
        sleep 0.1
    done
    lvh_log "libvirtd-system-harness: pid $pid ignored SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

# The daemon's children it left running (virtiofsd), found by parent PID.
_lvh_children_of() {
    local parent=$1 stat
    for stat in /proc/[0-9]*/stat; do
        read -r -a fields <"$stat" 2>/dev/null || continue
        [ "${fields[3]:-}" = "$parent" ] && printf '%s\n' "${fields[0]}"
    done
}

lvh_teardown() {
    local status=$? f pid child
    trap - EXIT INT TERM HUP
    [ -n "$LVH_DIR" ] || return "$status"
    for f in /run/libvirt/qemu/*.pid; do
        [ -e "$f" ] || continue
        read -r pid <"$f" 2>/dev/null || continue
        [[ "$pid" =~ ^[0-9]+$ ]] && _lvh_stop_pid "$pid"
    done
    for pid in "${LVH_PIDS[@]}"; do
        for child in $(_lvh_children_of "$pid"); do
            _lvh_stop_pid "$child"
        done
        _lvh_stop_pid "$pid"
    done
    for f in /etc/libvirt /var/log/libvirt /var/cache /var/lib /run; do
        umount -l "$f" 2>/dev/null
    done
    if [ "${LVH_KEEP:-0}" = 1 ]; then
        lvh_log "libvirtd-system-harness: kept $LVH_DIR"
    else
        rm -rf "$LVH_DIR"
    fi
    return "$status"
}

_lvh_wait_pid() {
    local f=$1 i pid=
    for ((i = 0; i < LVH_START_TIMEOUT * 10; i++)); do
        [ -s "$f" ] && break
        sleep 0.1
    done
    read -r pid <"$f" 2>/dev/null || true
    [[ "$pid" =~ ^[0-9]+$ ]] || lvh_die "no pid in $f"
    LVH_PIDS+=("$pid")
}

# A PATH with every /usr/bin tool but the emulators not in LVH_EMULATORS.
_lvh_make_path() {
    local bin="$LVH_DIR/bin" f name
    mkdir -p "$bin"
    for f in /usr/bin/*; do
        name=${f##*/}
        case "$name" in qemu-system-*) continue ;; esac
        ln -s "$f" "$bin/$name"
    done
    for f in "${LVH_EMULATORS[@]}"; do
        ln -sf "$(command -v "$f")" "$bin/$f"
    done
    printf '%s:/usr/sbin:/sbin\n' "$bin"
}

lvh_start() {
    LVH_DIR=$(mktemp -d /tmp/fwneg-lvhs.XXXXXX) || lvh_die "mktemp failed"
    trap lvh_teardown EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    chmod 0755 "$LVH_DIR"
    mkdir -p "$LVH_DIR"/{varlib-up,varlib-work,varcache-up,varcache-work,log,etc-libvirt,staged}
    cp -a /etc/libvirt/. "$LVH_DIR/etc-libvirt/"
    rm -rf "$LVH_DIR/etc-libvirt/hooks" "$LVH_DIR/etc-libvirt/qemu/networks"
    mkdir -p "$LVH_DIR/etc-libvirt/hooks" "$LVH_DIR/etc-libvirt/qemu/networks/autostart"
    cat >"$LVH_DIR/etc-libvirt/qemu.conf" <<'EOF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
EOF
    cat >"$LVH_DIR/etc-libvirt/libvirtd.conf" <<EOF
log_level = 3
log_outputs = "3:file:$LVH_DIR/libvirtd.log"
EOF
    cat >"$LVH_DIR/etc-libvirt/virtlogd.conf" <<EOF
log_level = 3
log_outputs = "3:file:$LVH_DIR/virtlogd.log"
EOF
    local path
    path=$(_lvh_make_path)
    mount -t tmpfs -o mode=0755 tmpfs /run || lvh_die "tmpfs /run"
    mount -t overlay overlay \
        -o "lowerdir=/var/lib,upperdir=$LVH_DIR/varlib-up,workdir=$LVH_DIR/varlib-work" /var/lib ||
        lvh_die "overlay /var/lib"
    mount -t overlay overlay \
        -o "lowerdir=/var/cache,upperdir=$LVH_DIR/varcache-up,workdir=$LVH_DIR/varcache-work" \
        /var/cache || lvh_die "overlay /var/cache"
    mkdir -p /var/log/libvirt 2>/dev/null
    mount --bind "$LVH_DIR/log" /var/log/libvirt || lvh_die "bind /var/log/libvirt"
    mount --bind "$LVH_DIR/etc-libvirt" /etc/libvirt || lvh_die "bind /etc/libvirt"
    ip link set lo up 2>/dev/null
    env -i PATH="$path" LC_ALL=C virtlogd --daemon --pid-file "$LVH_DIR/virtlogd.pid" ||
        lvh_die virtlogd
    _lvh_wait_pid "$LVH_DIR/virtlogd.pid"
    env -i PATH="$path" LC_ALL=C LIBVIRT_AUTOSTART=0 \
        libvirtd --daemon --pid-file "$LVH_DIR/libvirtd.pid" || lvh_die libvirtd
    _lvh_wait_pid "$LVH_DIR/libvirtd.pid"
    local i
    for ((i = 0; i < LVH_START_TIMEOUT * 10; i++)); do
        [ -S /run/libvirt/libvirt-sock ] && break
        sleep 0.1
    done
    LVH_VIRSH_TIMEOUT=$LVH_START_TIMEOUT lvh_virsh uri >/dev/null ||
        lvh_die "libvirtd does not answer; see $LVH_DIR/libvirtd.log"
    lvh_log "libvirtd-system-harness: private system libvirtd ${LVH_PIDS[*]} in $LVH_DIR"
}
