#!/usr/bin/env bash
# Install the Debian 12 packages dnsprop needs, only those missing.
# Build: c-ares, jansson, libcsv, Criterion, pkg-config; clang for the
# libFuzzer targets, valgrind and clang-format for the checks.
# Lab and tests: PowerDNS (sqlite3), Knot, BIND, NSD, dnsperf, dig/kdig, curl.
# Run time: gnuplot (gnuplot-nox: the pngcairo terminal, no X) for the plots.
# Service tests and bench: python3-requests (a Digaas-style client), wrk.
# Metrics tests: prometheus (and its promtool), the Python client's parser.
# Install test: man-db and mandoc render and lint the man pages.
# The Designate lab (tests/lab/designate.sh): Designate 15's services, run from
# their packages' commands with the lab's own config, MariaDB and RabbitMQ.
set -euo pipefail

pkgs=(build-essential pkg-config libc-ares-dev libjansson-dev libcsv-dev
      libcriterion-dev libhiredis-dev libinih-dev libcurl4-openssl-dev libldns-dev
      libmicrohttpd-dev redis-server
      redis-tools chrony
      pdns-server pdns-backend-sqlite3 sqlite3 knot knot-dnsutils bind9
      bind9-dnsutils nsd dnsperf curl python3 iproute2 procps valgrind gnuplot-nox
      python3-requests wrk prometheus python3-prometheus-client man-db mandoc
      designate-common designate-api designate-central designate-worker
      designate-producer designate-mdns mariadb-server rabbitmq-server
      clang-format clang libclang-rt-14-dev)

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "dnsprop: missing Debian packages: ${missing[*]}" >&2
    echo "dnsprop: run 'make deps' as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "dnsprop: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Debian starts installed daemons; the lab runs its own on other ports, so
# keep the packaged services from starting where a policy layer allows it.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    made_policy=1
fi
status=0
apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
if [ "$made_policy" = 1 ]; then
    rm -f "$policy"
fi
exit "$status"
