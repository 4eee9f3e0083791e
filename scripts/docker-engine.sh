#!/usr/bin/env bash
# A Docker engine for this project's own tests and CI, on a machine that has none running.
#
#   scripts/docker-engine.sh start   install docker.io when missing, start dockerd, wait until it
#                                    answers, print DOCKER_HOST=... (eval-able)
#   scripts/docker-engine.sh env     print DOCKER_HOST=... of the running engine (exit 1 if none)
#   scripts/docker-engine.sh stop    stop the engine this script started
#
# The engine keeps images and build cache under SIGNOFF_DOCKER_DIR (default
# /var/cache/signoff-docker, or $XDG_CACHE_HOME/signoff-docker), so images survive between runs.
# It runs without dockerd's iptables management and without the default bridge (neither works in
# these sandboxes): compose's own networks still resolve containers by name and publish ports to
# loopback. Their addresses come from POOL, and one NAT rule of this script's own lets them reach
# the machine's DNS server: without it every lookup of a stopped container's name waits 10 s for
# an upstream that cannot answer, where a normal engine says "no such host" at once.
# signoff itself never starts an engine: it uses the one DOCKER_HOST names.
set -euo pipefail

if [[ -n "${SIGNOFF_DOCKER_DIR:-}" ]]; then
    DIR=$SIGNOFF_DOCKER_DIR
elif [[ -n "${XDG_CACHE_HOME:-}" ]]; then
    DIR=$XDG_CACHE_HOME/signoff-docker
else
    DIR=/var/cache/signoff-docker
fi
SOCK=$DIR/docker.sock
PIDFILE=$DIR/docker.pid
LOG=$DIR/dockerd.log
WAIT_S=${SIGNOFF_DOCKER_WAIT_S:-60}
POOL=172.28.0.0/14
NAT=(POSTROUTING -s "$POOL" ! -d "$POOL" -j MASQUERADE -m comment --comment signoff-docker-engine)

fail() {
    echo "docker-engine: $1" >&2
    [[ -n "${2:-}" ]] && echo "Tip: $2" >&2
    exit 1
}

answers() {
    DOCKER_HOST=unix://$SOCK timeout 3 docker version --format '{{.Server.Version}}' \
        >/dev/null 2>&1
}

running_pid() {
    [[ -f $PIDFILE ]] || return 1
    local pid
    pid=$(cat "$PIDFILE")
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# The engine, and a compose CLI when the docker CLI has no compose plugin (Debian bookworm
# packages only the standalone docker-compose).
install_engine() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
        missing+=(docker-compose)
    fi
    ((${#missing[@]})) || return 0
    [[ $(id -u) == 0 ]] || fail "${missing[*]} not installed, and installing needs root." \
        "run as root, or: sudo apt-get install -y ${missing[*]}"
    echo "docker-engine: installing ${missing[*]} (Debian)…" >&2
    if ! apt-get install -y -q "${missing[@]}" >"$DIR/apt.log" 2>&1; then
        apt-get update -q >>"$DIR/apt.log" 2>&1 || true
        apt-get install -y -q "${missing[@]}" >>"$DIR/apt.log" 2>&1 ||
            fail "apt-get install ${missing[*]} failed; read $DIR/apt.log." \
                "check that the Debian mirror answers (apt-get update)."
    fi
    command -v docker >/dev/null || fail "docker.io installed but no docker client is on PATH."
}

start() {
    mkdir -p "$DIR"
    install_engine
    if answers; then
        echo "DOCKER_HOST=unix://$SOCK"
        return 0
    fi
    [[ $(id -u) == 0 ]] || fail "dockerd must run as root here." "run this script as root."
    rm -f "$SOCK" "$PIDFILE"
    echo "docker-engine: starting dockerd (data in $DIR, log $LOG)…" >&2
    # setsid: the engine must not share the caller's process group, so a Ctrl-C in the
    # terminal reaches the harness (which then removes its containers), not the engine
    if ! iptables -t nat -C "${NAT[@]}" 2>/dev/null; then
        iptables -t nat -A "${NAT[@]}" 2>/dev/null ||
            echo "docker-engine: no NAT rule (iptables failed): lookups of stopped containers" \
                "will be slow." >&2
    fi
    setsid dockerd --iptables=false --ip-masq=false --bridge=none \
        --default-address-pool "base=$POOL,size=24" \
        --data-root "$DIR/root" --exec-root "$DIR/exec" \
        -H "unix://$SOCK" --pidfile "$PIDFILE" >>"$LOG" 2>&1 </dev/null &
    local deadline=$((SECONDS + WAIT_S))
    until answers; do
        if ((SECONDS > deadline)); then
            tail -n 20 "$LOG" >&2 || true
            fail "dockerd did not answer within ${WAIT_S} s; read $LOG." \
                "another engine may hold $DIR (stop it), or raise SIGNOFF_DOCKER_WAIT_S."
        fi
        sleep 0.3
    done
    echo "docker-engine: dockerd answers at unix://$SOCK" >&2
    echo "DOCKER_HOST=unix://$SOCK"
}

# dockerd leaves its network namespace mounted under the exec root when it stops; unmounted,
# the folder can be removed whole
release_mounts() {
    local mount
    awk -v dir="$DIR/" 'index($2, dir) == 1 { print $2 }' /proc/self/mounts | sort -r |
        while read -r mount; do
            umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true
        done
}

stop() {
    local pid
    iptables -t nat -D "${NAT[@]}" 2>/dev/null || true
    if ! pid=$(running_pid); then
        release_mounts
        echo "docker-engine: no engine of this script is running." >&2
        return 0
    fi
    kill -TERM "$pid"
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || {
            release_mounts
            echo "docker-engine: stopped." >&2
            return 0
        }
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    release_mounts
    echo "docker-engine: dockerd ignored SIGTERM for 20 s and was killed." >&2
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env)
    answers || fail "no engine answers at unix://$SOCK." "scripts/docker-engine.sh start"
    echo "DOCKER_HOST=unix://$SOCK"
    ;;
*) fail "usage: $0 start|stop|env" ;;
esac
