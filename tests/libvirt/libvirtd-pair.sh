# libvirtd-pair.sh: several private libvirt 9.0 daemons on one machine, each as its own
# "host", for live migration through libvirt (sourced by bash tests; root only).
# Recipe verified in /work/notes/r11-facts.md §3 (DESIGN.md "two libvirtds").
#
# Each instance DIR is a session libvirtd under uid LP_UID (65534) with
#   DIR/{home,config,cache,run}   its HOME and XDG dirs; libvirtd.conf has its own host_uuid
#                                 (else libvirt refuses "migration to the same host"),
#                                 qemu.conf stdio_handler=file (no virtlogd needed)
#   DIR/bin                       its PATH: only qemu-system-x86_64 (a PATH with every
#                                 qemu-system-* costs a ~30 s capabilities probe)
#   its own mount namespace, held by an anchor process, in which
#     /etc                        is an overlay whose upper layer is DIR/etc-upper (write
#                                 DIR/etc-upper/fwneg/fwneg.conf before lp_start)
#     /etc/libvirt                is DIR/etc-libvirt: the host's, hooks/ from DIR/hooks
#     each "SRC DST" line of DIR/binds is bind-mounted (a ROM that differs on this "host")
# The daemon is started inside that namespace with nsenter, so a guest's QEMU and hooks
# see the same files.  Hooks must be in DIR/hooks before lp_start (libvirt registers hooks
# it finds at start).
#
#   lp_start DIR…        set up and start (daemons in parallel); dies on failure
#   lp_uri DIR           qemu+unix:///session?socket=DIR/run/libvirt/libvirt-sock
#   lp_virsh DIR ARGS…   virsh as root against DIR's daemon (timeout LP_VIRSH_TIMEOUT)
#   lp_ns DIR CMD…       CMD as root in DIR's mount namespace
#   lp_as_user DIR CMD…  CMD as the daemon's user, in its namespace, with its environment
#   lp_qemu_pid DIR DOM, lp_qemu_log DIR DOM, lp_freeport
#   lp_stop_all          (EXIT trap) every process of every instance, by PID: QEMUs, then
#                        libvirtd, then the rest; SIGTERM, SIGKILL after 10 s
# Processes of an instance are those in its anchor's mount namespace (checked to be ours:
# namespace inode numbers are reused once a namespace dies) and those whose environment
# has HOME=DIR/home (a QEMU left after its anchor died).

LP_UID=${LP_UID:-65534}
LP_GID=${LP_GID:-65534}
LP_START_TIMEOUT=${LP_START_TIMEOUT:-60}
LP_VIRSH_TIMEOUT=${LP_VIRSH_TIMEOUT:-120}
LP_QEMU=${LP_QEMU:-/usr/bin/qemu-system-x86_64}
LP_DIRS=()

lp_log() { printf '# libvirtd-pair: %s\n' "$*" >&2; }
lp_die() {
    lp_log "$*"
    exit 1
}

lp_uri() { printf 'qemu+unix:///session?socket=%s/run/libvirt/libvirt-sock\n' "$1"; }

_lp_pid_of() { awk -v r="$2" '$1 == r { p = $2 } END { if (p != "") print p }' "$1/lp.pids" 2>/dev/null; }
_lp_comm() { cat "/proc/$1/comm" 2>/dev/null; }
# libvirt writes pid files without a newline, which `read` reports as a failure.
_lp_read_pid() {
    local pid=
    read -r pid 2>/dev/null <"$1"
    [[ "$pid" =~ ^[0-9]+$ ]] && printf '%s\n' "$pid"
}

_lp_env() {
    local d=$1
    printf '%s\n' env -i "PATH=$d/bin" "HOME=$d/home" USER=nobody LOGNAME=nobody \
        "XDG_CONFIG_HOME=$d/config" "XDG_CACHE_HOME=$d/cache" "XDG_RUNTIME_DIR=$d/run" \
        "XDG_DATA_HOME=$d/home/.local/share" LIBVIRT_AUTOSTART=0 LC_ALL=C
}

_lp_setup() {
    local d=$1 uuid
    mkdir -p "$d" && chmod 0755 "$d"
    install -d -o "$LP_UID" -g "$LP_GID" -m 0700 "$d/home" "$d/config" "$d/cache" "$d/run" \
        "$d/config/libvirt"
    install -d -m 0755 "$d/bin" "$d/etc-upper" "$d/etc-work"
    ln -sfn "$LP_QEMU" "$d/bin/qemu-system-x86_64"
    rm -rf "$d/etc-libvirt" && mkdir -p "$d/etc-libvirt"
    cp -a /etc/libvirt/. "$d/etc-libvirt/" 2>/dev/null
    rm -rf "$d/etc-libvirt/hooks"
    if [ -d "$d/hooks" ]; then cp -a "$d/hooks" "$d/etc-libvirt/hooks"; else mkdir -p "$d/etc-libvirt/hooks"; fi
    chmod -R a+rX "$d/etc-libvirt"
    uuid=$(cat /proc/sys/kernel/random/uuid)
    cat >"$d/config/libvirt/libvirtd.conf" <<EOF
host_uuid = "$uuid"
log_level = 3
log_outputs = "3:file:$d/libvirtd.log"
EOF
    echo 'stdio_handler = "file"' >"$d/config/libvirt/qemu.conf"
    chown "$LP_UID:$LP_GID" "$d/config/libvirt/libvirtd.conf" "$d/config/libvirt/qemu.conf"
    install -o "$LP_UID" -g "$LP_GID" -m 0644 /dev/null "$d/libvirtd.log"
    touch "$d/binds"
    : >"$d/lp.pids"
}

_lp_start_anchor() {
    local d=$1 anchor i
    # shellcheck disable=SC2016
    unshare -m --propagation private -- sh -c '
        d=$1
        mount -t overlay overlay -o "lowerdir=/etc,upperdir=$d/etc-upper,workdir=$d/etc-work" /etc || exit 1
        mount --bind "$d/etc-libvirt" /etc/libvirt || exit 1
        while read -r src dst; do
            [ -n "$src" ] || continue
            mount --bind "$src" "$dst" || exit 1
        done <"$d/binds"
        exec sleep 2147483647' sh "$d" </dev/null >/dev/null 2>"$d/anchor.err" &
    anchor=$!
    echo "anchor $anchor" >>"$d/lp.pids"
    for ((i = 0; i < 200; i++)); do
        if [ "$(_lp_comm "$anchor")" = sleep ] &&
            [ "$(readlink "/proc/$anchor/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]; then
            return 0
        fi
        [ -d "/proc/$anchor" ] || lp_die "the namespace of $d failed: $(cat "$d/anchor.err")"
        sleep 0.05
    done
    lp_die "the namespace of $d is not ready"
}

_lp_start_daemon() {
    local d=$1 anchor pid i
    local -a envargs
    anchor=$(_lp_pid_of "$d" anchor)
    mapfile -t envargs < <(_lp_env "$d")
    rm -f "$d/run/libvirt/libvirtd.pid"
    nsenter -t "$anchor" -m -- setpriv --reuid="$LP_UID" --regid="$LP_GID" --clear-groups \
        "${envargs[@]}" /usr/sbin/libvirtd --daemon --timeout 600 \
        --pid-file "$d/run/libvirt/libvirtd.pid" </dev/null >"$d/libvirtd.stdout" 2>&1 ||
        { lp_log "libvirtd for $d failed: $(tail -3 "$d/libvirtd.stdout" "$d/libvirtd.log")"; return 1; }
    for ((i = 0; i < LP_START_TIMEOUT * 10; i++)); do
        if pid=$(_lp_read_pid "$d/run/libvirt/libvirtd.pid") && [ -S "$d/run/libvirt/libvirt-sock" ]; then
            echo "libvirtd $pid" >>"$d/lp.pids"
            timeout "$LP_START_TIMEOUT" virsh -q -c "$(lp_uri "$d")" uri >/dev/null && return 0
            lp_log "libvirtd for $d (pid $pid) does not answer"
            return 1
        fi
        sleep 0.1
    done
    lp_log "libvirtd for $d wrote no pid file or socket in ${LP_START_TIMEOUT}s"
    return 1
}

# Processes of instance @1 (see the header).
_lp_pids() {
    local d=$1 ns="" anchor
    anchor=$(_lp_pid_of "$d" anchor)
    if [ -n "$anchor" ] && [ "$(_lp_comm "$anchor")" = sleep ] &&
        grep -qF " $d/etc-libvirt /etc/libvirt " "/proc/$anchor/mountinfo" 2>/dev/null; then
        ns=$(readlink "/proc/$anchor/ns/mnt")
        [ "$ns" != "$(readlink /proc/self/ns/mnt)" ] || ns=""
    fi
    {
        if [ -n "$ns" ]; then
            ns=${ns#mnt:[}
            ns=${ns%]}
            stat -L -c '%n %i' /proc/[0-9]*/ns/mnt 2>/dev/null |
                awk -v ino="$ns" '$2 == ino { split($1, a, "/"); print a[3] }'
        fi
        grep -lzxF "HOME=$d/home" /proc/[0-9]*/environ 2>/dev/null | awk -F/ '{ print $3 }'
    } | sort -un | while read -r p; do
        [ "$p" != $$ ] && [ "$p" != "$BASHPID" ] && printf '%s\n' "$p"
    done
}

_lp_kill_wait() {
    local p i alive
    [ $# -gt 0 ] || return 0
    for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
    for ((i = 0; i < 100; i++)); do
        alive=0
        for p in "$@"; do
            [ -d "/proc/$p" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null && alive=1
        done
        [ $alive = 0 ] && return 0
        sleep 0.1
    done
    for p in "$@"; do kill -KILL "$p" 2>/dev/null; done
}

_lp_stop() {
    local d=$1 p qemus=() daemons=() pids
    [ -s "$d/lp.pids" ] || return 0
    pids=$(_lp_pids "$d")
    for p in $pids; do
        case "$(_lp_comm "$p")" in
        qemu-system-*) qemus+=("$p") ;;
        libvirtd) daemons+=("$p") ;;
        esac
    done
    p=$(_lp_pid_of "$d" libvirtd)
    if [ -n "$p" ] && [ "$(_lp_comm "$p")" = libvirtd ] && ! [[ " ${daemons[*]} " == *" $p "* ]]; then
        daemons+=("$p")
    fi
    _lp_kill_wait "${qemus[@]}"
    _lp_kill_wait "${daemons[@]}"
    # shellcheck disable=SC2046
    _lp_kill_wait $(_lp_pids "$d")
    : >"$d/lp.pids"
}

lp_stop_all() {
    local d
    for d in "${LP_DIRS[@]}"; do _lp_stop "$d"; done
}

lp_start() {
    local d pids=() p rc=0
    for d in "$@"; do
        LP_DIRS+=("$d")
        _lp_setup "$d"
        _lp_start_anchor "$d"
    done
    for d in "$@"; do
        _lp_start_daemon "$d" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    # The daemons' PIDs were recorded by the subshells in DIR/lp.pids.
    [ $rc = 0 ] || lp_die "a daemon did not start"
}

lp_virsh() {
    local d=$1
    shift
    timeout --kill-after=5 "$LP_VIRSH_TIMEOUT" virsh -q -c "$(lp_uri "$d")" "$@"
}

lp_ns() {
    local d=$1
    shift
    nsenter -t "$(_lp_pid_of "$d" anchor)" -m -- "$@"
}

lp_as_user() {
    local d=$1
    local -a envargs
    shift
    mapfile -t envargs < <(_lp_env "$d")
    nsenter -t "$(_lp_pid_of "$d" anchor)" -m -- setpriv --reuid="$LP_UID" --regid="$LP_GID" \
        --clear-groups "${envargs[@]}" "$@"
}

lp_qemu_pid() {
    local pid
    pid=$(_lp_read_pid "$1/run/libvirt/qemu/run/$2.pid") && [ -d "/proc/$pid" ] && printf '%s\n' "$pid"
}

lp_qemu_log() { printf '%s/cache/libvirt/qemu/log/%s.log\n' "$1" "$2"; }

lp_freeport() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
