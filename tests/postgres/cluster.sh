#!/bin/sh
# A throwaway PostgreSQL cluster for the test suite's second pass (`make test`).
#   cluster.sh start DIR   install Debian's postgresql when missing (as root), initdb in
#                          DIR, start it on a free port of 127.0.0.1, print the server URL
#   cluster.sh stop DIR    stop it and remove DIR
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user the
# Debian package creates. Exit status 3 when PostgreSQL cannot be had here (no root, no
# apt-get): `make test` then says so and skips the PostgreSQL pass.
set -eu
action=$1
dir=$(realpath -m "$2")

bin_dir() {
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/postgres" ] && { echo "$d"; return 0; }
    done
    return 1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
    if ! bin_dir >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "installing Debian's postgresql" >&2
            apt-get update -q >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                postgresql >&2
        else
            echo "note: PostgreSQL is not installed and cannot be here (not root or no apt-get)" >&2
            exit 3
        fi
    fi
    bin=$(bin_dir)
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >&2 || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    if bin=$(bin_dir) && [ -d "$dir/data" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
