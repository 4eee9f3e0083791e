#!/usr/bin/env bash
# The base images stack/Dockerfile and stack/compose.yaml name, for an engine that cannot pull.
#
#   scripts/base-images.sh            make every missing image (python:3.11-slim, postgres:15,
#                                     redis:7); an image whose tag exists is left alone
#   scripts/base-images.sh --rebuild  remove the locally built ones first, then make them again
#
# Each missing tag is pulled when a registry answers. Otherwise it is built from Debian bookworm
# (debootstrap from the mirror apt uses, then `docker import`), with the entrypoints, environment
# and defaults of the official image that compose.yaml relies on: POSTGRES_PASSWORD/USER/DB and
# first-start initialisation, pg_isready and redis-cli on PATH, Redis reachable from other
# containers (protected mode off), `python` and `pip` first on PATH. The machine's extra CA
# certificates go into the images so that `pip install` in a build can reach PyPI through the
# machine's TLS proxy. Locally built images carry the label org.signoff.local-base=1.
# Needs: root (debootstrap), DOCKER_HOST of a running engine (scripts/docker-engine.sh start).
set -euo pipefail

DEBIAN_TAG=signoff/debian:bookworm
MIRROR=${SIGNOFF_DEBIAN_MIRROR:-}
PULL_TIMEOUT_S=${SIGNOFF_PULL_TIMEOUT_S:-15}
LABEL=org.signoff.local-base=1
WORK=$(mktemp -d /tmp/signoff-base-images.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export DOCKER_BUILDKIT=0 # the engine's own builder: no buildx plugin is needed

step() { echo "base-images: $*" >&2; }
fail() {
    echo "base-images: $1" >&2
    [[ -n "${2:-}" ]] && echo "Tip: $2" >&2
    exit 1
}
has_image() { docker image inspect "$1" >/dev/null 2>&1; }

mirror() {
    if [[ -n $MIRROR ]]; then
        echo "$MIRROR"
        return
    fi
    # the first Debian mirror apt itself uses (deb822 or one-line sources)
    local found
    found=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list 2>/dev/null | grep -E '^(URIs:|deb )' |
        grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ' || true)
    echo "${found:-http://deb.debian.org/debian}"
}

debian_base() {
    has_image "$DEBIAN_TAG" && return 0
    command -v debootstrap >/dev/null || {
        step "installing debootstrap…"
        apt-get install -y -q debootstrap >"$WORK/apt.log" 2>&1 ||
            fail "apt-get install debootstrap failed; see $WORK/apt.log." "apt-get update, then retry."
    }
    local url
    url=$(mirror)
    step "debootstrap Debian bookworm (minbase) from $url…"
    local rootfs=$WORK/rootfs
    local began=$SECONDS
    if ! debootstrap --variant=minbase bookworm "$rootfs" "$url" >"$WORK/debootstrap.log" 2>&1; then
        tail -n 15 "$WORK/debootstrap.log" >&2
        fail "debootstrap of bookworm from $url failed." \
            "check the mirror answers, or set SIGNOFF_DEBIAN_MIRROR to one that does."
    fi
    local security=${url%/debian*}/debian-security
    cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $url bookworm main
deb $url bookworm-updates main
deb $security bookworm-security main
EOF
    step "  debootstrap done in $((SECONDS - began)) s"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    step "importing the root filesystem as $DEBIAN_TAG…"
    tar -C "$rootfs" -c . | docker import -c "LABEL $LABEL" -c 'CMD ["bash"]' - "$DEBIAN_TAG" \
        >/dev/null || fail "docker import of the Debian root filesystem failed."
}

# The build context shared by the derived images: entrypoints and the machine's CA certificates.
context() {
    local ctx=$WORK/context
    [[ -d $ctx ]] && return 0
    mkdir -p "$ctx/certs"
    cp /usr/local/share/ca-certificates/*.crt "$ctx/certs/" 2>/dev/null || true
    cat >"$ctx/postgres-entrypoint.sh" <<'EOF'
#!/bin/sh
# The official postgres image's contract: first start initialises $PGDATA with POSTGRES_USER,
# POSTGRES_PASSWORD and POSTGRES_DB, then the server runs as postgres and listens on every address.
set -e
if [ "${1#-}" != "$1" ]; then set -- postgres "$@"; fi
if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    user=${POSTGRES_USER:-postgres}
    db=${POSTGRES_DB:-$user}
    if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
        echo "Error: the database is uninitialized and POSTGRES_PASSWORD is not set." >&2
        exit 1
    fi
    pwfile=$(mktemp)
    printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
    initdb --username="$user" --pwfile="$pwfile" -D "$PGDATA" --auth-local=trust \
        --auth-host="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >/dev/null
    rm -f "$pwfile"
    echo "host all all all ${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    if [ "$db" != postgres ]; then
        psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres \
            -c "CREATE DATABASE \"$db\"" >/dev/null
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
        *.sql) psql -v ON_ERROR_STOP=1 --username "$user" --dbname "$db" -f "$f" ;;
        *.sh) . "$f" ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"
EOF
    cat >"$ctx/redis-entrypoint.sh" <<'EOF'
#!/bin/sh
# The official redis image's contract: `redis-server ARGS` (or only ARGS) runs as redis in
# /data, reachable from other containers (the official build turns protected mode off).
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
if [ "$1" = redis-server ]; then
    case " $* " in *" --protected-mode "*) ;; *) set -- "$@" --protected-mode no ;; esac
fi
exec "$@"
EOF
    chmod +x "$ctx"/*.sh
}

# The image $1 from the Dockerfile text on stdin, in the shared context.
build() {
    local tag=$1 began=$SECONDS
    cat >"$WORK/context/Dockerfile"
    step "building $tag (apt-get from the Debian mirror)…"
    if ! docker build --network host --label "$LABEL" -t "$tag" "$WORK/context" \
        >"$WORK/build.log" 2>&1; then
        tail -n 20 "$WORK/build.log" >&2
        fail "building $tag failed (log above)." \
            "the build fetches Debian packages over the host's network; check the mirror answers."
    fi
    step "  $tag built in $((SECONDS - began)) s"
}

COMMON='FROM signoff/debian:bookworm
ENV LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
COPY certs/ /usr/local/share/ca-certificates/
'

python_image() {
    build python:3.11-slim <<EOF
$COMMON
RUN apt-get update -q && apt-get install -y -q --no-install-recommends \
        python3 python3-venv ca-certificates \
    && update-ca-certificates && python3 -m venv /usr/local/python \
    && rm -rf /var/lib/apt/lists/*
# pip trusts the system bundle (with the machine's CAs), as pip does behind a TLS proxy
ENV PATH=/usr/local/python/bin:\$PATH PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
EOF
}

postgres_image() {
    build postgres:15 <<EOF
$COMMON
RUN mkdir -p /etc/postgresql-common \
    && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
    && apt-get update -q && apt-get install -y -q --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* && mkdir /docker-entrypoint-initdb.d
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:\$PATH PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
EOF
}

redis_image() {
    build redis:7 <<EOF
$COMMON
RUN apt-get update -q && apt-get install -y -q --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* && mkdir -p /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
VOLUME /data
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
EOF
}

pulled() {
    step "trying to pull $1 (at most ${PULL_TIMEOUT_S} s)…"
    timeout "$PULL_TIMEOUT_S" docker pull -q "$1" >/dev/null 2>&1
}

main() {
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
        fail "no Docker engine answers at ${DOCKER_HOST:-the default socket}." \
            'eval "$(scripts/docker-engine.sh start)" and export DOCKER_HOST.'
    if [[ ${1:-} == --rebuild ]]; then
        for tag in python:3.11-slim postgres:15 redis:7 "$DEBIAN_TAG"; do
            if [[ $(docker image inspect -f '{{index .Config.Labels "org.signoff.local-base"}}' \
                "$tag" 2>/dev/null) == 1 ]]; then
                step "removing $tag"
                docker image rm -f "$tag" >/dev/null
            fi
        done
    fi
    local began=$SECONDS registry=unknown
    for pair in python:3.11-slim:python_image postgres:15:postgres_image redis:7:redis_image; do
        local tag=${pair%:*} maker=${pair##*:}
        if has_image "$tag"; then
            step "$tag is present"
            continue
        fi
        if [[ $registry != no ]] && pulled "$tag"; then
            registry=yes
            step "  pulled $tag"
            continue
        fi
        registry=no
        debian_base
        context
        $maker
    done
    step "all base images ready ($((SECONDS - began)) s)"
}

main "$@"
