#!/usr/bin/env bash
# lab.sh - start and stop a throw-away lab of REAL nameservers on loopback for
# dnsprop's integration tests: a PowerDNS Authoritative primary (sqlite backend,
# HTTP API, producer catalog zone "catalog.invalid.") and three secondaries of
# it: Knot (catalog consumer, also on ::1), BIND (catalog consumer) and NSD
# (no catalog support: a small follower process mirrors the pdns zone list into
# NSD with nsd-control). Every daemon listens on free ports on 127.0.0.1 (Knot
# also on ::1) and only ever talks to 127.0.0.1.
#
# Usage:
#   eval "$(tests/lab/lab.sh up)"     start; prints lab.env (export lines) on stdout
#   tests/lab/lab.sh env  [DIR]        print DIR/lab.env
#   tests/lab/lab.sh ini  [DIR]        print DIR/lab.ini (dnsprop config fragment)
#   tests/lab/lab.sh down [DIR]        stop exactly what up started, remove DIR
#   tests/lab/lab.sh zone-create NAME [--dnssec] [DIR]   create a primary zone (in the
#                        catalog) via the API; --dnssec: signed online by PowerDNS
#   tests/lab/lab.sh zone-delete NAME [DIR]   delete a zone via the API
#   tests/lab/lab.sh knot-stop [DIR]           stop the Knot secondary (a server down)
#   tests/lab/lab.sh knot-start [DIR]          start it again, wait until it serves
#   eval "$(tests/lab/lab.sh anycast-up [DIR])"  two NSD instances, secondaries of
#                        lab.test., sharing one new port on 127.0.0.1 (SO_REUSEPORT):
#                        NSID "fast" (refresh 1 s) and "slow" (5 s); prints
#                        export LAB_ANYCAST_ADDR=127.0.0.1:PORT
#   tests/lab/lab.sh anycast-down [DIR]        stop them
#   eval "$(tests/lab/lab.sh second-up ZONE [--slow] [DIR])"  a second provider of
#                        ZONE: a BIND primary taking RFC 2136 UPDATEs (TSIG) and an
#                        NSD secondary of it (--slow: no NOTIFY, a refresh every
#                        3 s); prints LAB_B_PRIMARY_ADDR,
#                        LAB_B_SECONDARY_ADDR, LAB_B_TSIG (ALG:NAME:SECRET)
#   tests/lab/lab.sh second-down [DIR]         stop it
# DIR defaults to $LAB_DIR. `up` uses $LAB_DIR if set (must be absent or empty),
# else a new mktemp dir under ${TMPDIR:-/tmp}. Progress goes to stderr only.
# LAB_WAIT_SECS (default 30) bounds how long `up` waits for the servers. If
# `up` fails it stops what it started, keeps DIR (logs) for inspection, prints
# `false` on stdout (so the eval fails as well) and exits non-zero.
# Files in DIR: lab.env, lab.ini, api.key (no trailing newline), pids, and one
# log per server: pdns.log knot.log bind.log nsd.log follower.log.
set -euo pipefail

readonly LAB_CATALOG_NAME=catalog.invalid.
readonly LAB_ZONE_NAME=lab.test.
readonly NSD_PATTERN=lab-secondary
readonly MARKER=.dnsprop-lab
SELF=$(readlink -f "${BASH_SOURCE[0]}")
readonly SELF

log() { printf 'lab: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF" >&2
	exit 2
}

# resolve_dir [DIR]: the lab dir from the argument or $LAB_DIR.
resolve_dir() {
	local d=${1:-${LAB_DIR:-}}
	[[ -n $d ]] || die "no lab dir: pass DIR or set LAB_DIR"
	readlink -m -- "$d"
}

# load_env DIR: source DIR/lab.env into the current shell.
load_env() {
	[[ -f $1/lab.env ]] || die "$1/lab.env not found (is the lab up?)"
	# shellcheck source=/dev/null
	source "$1/lab.env"
}

# ---------------------------------------------------------------- processes

# cmdline_has PID DIR: true if process PID is alive and its command line
# mentions DIR (guards against killing a recycled pid).
cmdline_has() {
	local cmd
	[[ -r /proc/$1/cmdline ]] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ $cmd == *"$2/"* || $cmd == *"$2 "* ]]
}

# live_groups PGID...: print those of the given process groups that still
# have a non-zombie member.
live_groups() {
	local -A want=()
	local g
	for g in "$@"; do want[$g]=1; done
	ps -e -o pgid=,stat= | while read -r g st; do
		[[ -n ${want[$g]:-} && $st != Z* ]] && printf '%s\n' "$g"
	done | sort -u
}

# stop_pids DIR: TERM every process group recorded in DIR/pids (newest
# first), wait up to ~5 s, then KILL what is left. Each recorded pid was
# started with setsid, so it leads its own group (nsd's children, the
# follower's nsd-control calls). Safe to run twice.
stop_pids() {
	local dir=$1 pid i
	local -a groups=() left=()
	[[ -f $dir/pids ]] || return 0
	while read -r pid; do
		[[ $pid =~ ^[0-9]+$ ]] || continue
		if cmdline_has "$pid" "$dir"; then
			groups+=("$pid")
			kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
		fi
	done < <(tac "$dir/pids")
	((${#groups[@]})) || return 0
	for ((i = 0; i < 50; i++)); do
		mapfile -t left < <(live_groups "${groups[@]}")
		((${#left[@]})) || return 0
		sleep 0.1
	done
	for pid in "${left[@]}"; do
		log "pid $pid did not stop on TERM, sending KILL"
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	done
	sleep 0.2
}

# alive PID: the process exists and is not a zombie.
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ -n $st && $st != Z* ]]
}

# close_fds: close every fd above 2 of the current (sub)shell. Daemons must
# not inherit `up`'s stdout (fd 3 here) or any pipe of the caller, or
# "$(lab.sh up)" would wait for them forever.
close_fds() {
	local fd
	for fd in "/proc/$BASHPID/fd/"*; do
		fd=${fd##*/}
		if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then
			eval "exec $fd>&-"
		fi
	done
}

# spawn DIR LOG CMD...: start CMD in its own session, detached from all our
# fds, with stdout+stderr appended to LOG; record its pid.
spawn() {
	local dir=$1 logf=$2
	shift 2
	(
		close_fds
		exec setsid "$@" </dev/null >>"$logf" 2>&1
	) &
	printf '%s\n' "$!" >>"$dir/pids"
	SPAWNED=$!
}

# ---------------------------------------------------------------- ports

# pick_ports N: print N distinct free ports (TCP+UDP on 127.0.0.1, and on
# ::1 when IPv6 loopback exists), outside the kernel's ephemeral range. A
# small flock-protected registry in $TMPDIR keeps concurrent `up`s apart.
pick_ports() {
	python3 - "$1" "${TMPDIR:-/tmp}/dnsprop-lab-ports.reg" <<'PY'
import fcntl, os, random, socket, sys, time
n, reg = int(sys.argv[1]), sys.argv[2]
try:
    lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
except OSError:
    lo, hi = 32768, 60999
cands = [p for p in range(15000, 65000) if not lo <= p <= hi]

def has_v6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False

addrs = [(socket.AF_INET, "127.0.0.1")] + ([(socket.AF_INET6, "::1")] if has_v6() else [])

def free(p):
    for fam, a in addrs:
        for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(fam, typ)
            try:
                s.bind((a, p))
            except OSError:
                return False
            finally:
                s.close()
    return True

with open(reg, "a+") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    f.seek(0)
    now = time.time()
    recent = {}
    for line in f:
        try:
            p, t = line.split()
            if now - float(t) < 600:
                recent[int(p)] = float(t)
        except ValueError:
            pass
    got = []
    random.shuffle(cands)
    for p in cands:
        if p in recent or p in got:
            continue
        if free(p):
            got.append(p)
            if len(got) == n:
                break
    if len(got) < n:
        sys.exit("no free ports found")
    for p in got:
        recent[p] = now
    f.seek(0)
    f.truncate()
    f.writelines(f"{p} {t:.0f}\n" for p, t in recent.items())
print(" ".join(map(str, got)))
print("1" if len(addrs) > 1 else "0")
PY
}

# ---------------------------------------------------------------- config

write_pdns() {
	local dir=$1
	mkdir -p "$dir/pdns"
	sqlite3 "$dir/pdns/pdns.sqlite3" <"$PDNS_SCHEMA"
	cat >"$dir/pdns/pdns.conf" <<EOF
# generated by lab.sh
launch=gsqlite3
# zones are signed only when keys are added (pdnsutil secure-zone, or the
# API's "dnssec": true): the DNSSEC tests sign their own zone
gsqlite3-dnssec=yes
gsqlite3-database=$dir/pdns/pdns.sqlite3
gsqlite3-pragma-synchronous=0
local-address=127.0.0.1
local-port=$PDNS_PORT
query-local-address=127.0.0.1
socket-dir=$dir/pdns
daemon=no
guardian=no
write-pid=no
disable-syslog=yes
log-timestamp=yes
loglevel=5
# never look anything up outside (default would poll secpoll.powerdns.com)
security-poll-suffix=
primary=yes
secondary=no
xfr-cycle-interval=1
# NOTIFY goes only to the also-notify list: an empty only-notify disables
# NS-record based notifications, which would resolve NS names through
# /etc/resolv.conf. also-notify is not filtered by only-notify.
only-notify=
also-notify=127.0.0.1:$KNOT_PORT,127.0.0.1:$BIND_PORT,127.0.0.1:$NSD_PORT
allow-axfr-ips=127.0.0.0/8,::1
disable-axfr=no
# no caching: what the API/db says is what the primary answers at once
cache-ttl=0
query-cache-ttl=0
negquery-cache-ttl=0
receiver-threads=1
distributor-threads=1
signing-threads=1
api=yes
api-key=$API_KEY
webserver=yes
webserver-address=127.0.0.1
webserver-port=$PDNS_WEB_PORT
webserver-allow-from=127.0.0.0/8,::1
webserver-loglevel=none
default-soa-content=ns1.lab.test. hostmaster.@ 1 60 10 604800 60
EOF
	cat >"$dir/pdns/lab.test.zone" <<'EOF'
$ORIGIN lab.test.
$TTL 300
@       IN SOA  ns1.lab.test. hostmaster.lab.test. 1 60 10 604800 60
@       IN NS   ns1.lab.test.
ns1     IN A    127.0.0.1
www     IN A    192.0.2.1
multi   IN A    192.0.2.10
multi   IN A    192.0.2.11
txt     IN TXT  "hello, world"
mx      IN MX   10 mail.lab.test.
mail    IN A    192.0.2.25
v6      IN AAAA 2001:db8::1
EOF
	cat >"$dir/pdns/catalog.invalid.zone" <<'EOF'
$ORIGIN catalog.invalid.
@       0 IN SOA invalid. invalid. 1 60 10 604800 0
EOF
	local -a pu=(pdnsutil "--config-dir=$dir/pdns")
	{
		"${pu[@]}" load-zone catalog.invalid "$dir/pdns/catalog.invalid.zone"
		"${pu[@]}" set-kind catalog.invalid producer
		"${pu[@]}" load-zone lab.test "$dir/pdns/lab.test.zone"
		"${pu[@]}" set-kind lab.test primary
		"${pu[@]}" set-meta lab.test SOA-EDIT-API INCREASE
		"${pu[@]}" set-catalog lab.test catalog.invalid
	} >>"$dir/pdnsutil.log" 2>&1 || die "pdnsutil failed, see $dir/pdnsutil.log"
}

write_knot() {
	local dir=$1 listen="127.0.0.1@$KNOT_PORT"
	[[ $HAVE_V6 == 1 ]] && listen+=", ::1@$KNOT_PORT"
	mkdir -p "$dir/knot/db" "$dir/knot/zones"
	cat >"$dir/knot/knot.conf" <<EOF
# generated by lab.sh
server:
    rundir: "$dir/knot"
    pidfile: "$dir/knot/knot.pid"
    listen: [ $listen ]
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1

log:
  - target: stderr
    any: info

database:
    storage: "$dir/knot/db"

control:
    listen: "$dir/knot/knot.sock"

remote:
  - id: pdns
    address: 127.0.0.1@$PDNS_PORT
    via: 127.0.0.1

acl:
  - id: notify-from-pdns
    address: 127.0.0.1
    action: notify

template:
  - id: default
    storage: "$dir/knot/zones"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
  - id: catalog-member
    storage: "$dir/knot/zones"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
    master: pdns
    acl: notify-from-pdns

zone:
  - domain: $LAB_CATALOG_NAME
    master: pdns
    acl: notify-from-pdns
    catalog-role: interpret
    catalog-template: catalog-member
EOF
}

write_bind() {
	local dir=$1 b=$1/bind
	mkdir -p "$b/catz"
	rndc-confgen -a -k rndc-key -A hmac-sha256 -c "$b/rndc.key" >>"$dir/bind.log" 2>&1 ||
		die "rndc-confgen failed, see $dir/bind.log"
	cat >"$b/named.conf" <<EOF
// generated by lab.sh
include "$b/rndc.key";
controls {
    inet 127.0.0.1 port $RNDC_PORT allow { 127.0.0.1; } keys { "rndc-key"; };
};
options {
    directory "$b";
    pid-file "$b/named.pid";
    session-keyfile "$b/session.key";
    managed-keys-directory "$b";
    listen-on port $BIND_PORT { 127.0.0.1; };
    listen-on-v6 { none; };
    query-source address 127.0.0.1;
    transfer-source 127.0.0.1;
    notify-source 127.0.0.1;
    recursion no;
    notify no;
    dnssec-validation no;
    allow-query { any; };
    allow-transfer { 127.0.0.1; };
    allow-notify { 127.0.0.1; };
    allow-new-zones yes;
    min-refresh-time 10;
    min-retry-time 5;
    catalog-zones {
        zone "$LAB_CATALOG_NAME"
            default-primaries { 127.0.0.1 port $PDNS_PORT; }
            zone-directory "catz"
            in-memory no
            min-update-interval 1;
    };
};
zone "$LAB_CATALOG_NAME" {
    type secondary;
    primaries { 127.0.0.1 port $PDNS_PORT; };
    file "catalog.invalid.db";
    allow-notify { 127.0.0.1; };
};
EOF
	cat >"$b/rndc.conf" <<EOF
include "$b/rndc.key";
options { default-server 127.0.0.1; default-port $RNDC_PORT; default-key "rndc-key"; };
EOF
}

write_nsd() {
	local dir=$1 n=$1/nsd
	mkdir -p "$n/zones" "$n/xfr"
	cat >"$n/nsd.conf" <<EOF
# generated by lab.sh
server:
    ip-address: 127.0.0.1
    port: $NSD_PORT
    do-ip4: yes
    do-ip6: no
    server-count: 1
    reuseport: no
    username: ""
    chroot: ""
    zonesdir: "$n/zones"
    database: ""
    zonelistfile: "$n/zone.list"
    xfrdfile: "$n/xfrd.state"
    xfrdir: "$n/xfr"
    pidfile: "$n/nsd.pid"
    verbosity: 2
    hide-version: yes

remote-control:
    control-enable: yes
    control-interface: 127.0.0.1
    control-port: $NSD_CTL_PORT
    server-key-file: "$n/nsd_server.key"
    server-cert-file: "$n/nsd_server.pem"
    control-key-file: "$n/nsd_control.key"
    control-cert-file: "$n/nsd_control.pem"

pattern:
    name: "$NSD_PATTERN"
    zonefile: "%s.zone"
    request-xfr: 127.0.0.1@$PDNS_PORT NOKEY
    allow-notify: 127.0.0.1 NOKEY
    outgoing-interface: 127.0.0.1

# NSD cannot interpret catalogs, but serving the catalog as a plain secondary
# keeps pdns's NOTIFYs for it answered. Member zones come from the follower.
zone:
    name: "$LAB_CATALOG_NAME"
    include-pattern: "$NSD_PATTERN"
EOF
}

write_env_ini() {
	local dir=$1 knot6=""
	[[ $HAVE_V6 == 1 ]] && knot6="[::1]:$KNOT_PORT"
	local api="http://127.0.0.1:$PDNS_WEB_PORT/api/v1/servers/localhost"
	local -a kv=(
		LAB_DIR "$dir"
		LAB_PDNS_ADDR "127.0.0.1:$PDNS_PORT"
		LAB_PDNS_API "$api"
		LAB_PDNS_API_KEY "$API_KEY"
		LAB_PDNS_API_KEY_FILE "$dir/api.key"
		LAB_KNOT_ADDR "127.0.0.1:$KNOT_PORT"
		LAB_KNOT_ADDR6 "$knot6"
		LAB_BIND_ADDR "127.0.0.1:$BIND_PORT"
		LAB_NSD_ADDR "127.0.0.1:$NSD_PORT"
		LAB_CATALOG "$LAB_CATALOG_NAME"
		LAB_ZONE "$LAB_ZONE_NAME"
		LAB_INI "$dir/lab.ini"
		LAB_KNOT_CONF "$dir/knot/knot.conf"
		LAB_BIND_RNDC_CONF "$dir/bind/rndc.conf"
		LAB_NSD_CONF "$dir/nsd/nsd.conf"
	)
	local i
	: >"$dir/lab.env"
	for ((i = 0; i < ${#kv[@]}; i += 2)); do
		[[ ${kv[i + 1]} != *"'"* ]] || die "unsupported quote character in ${kv[i]}: ${kv[i + 1]}"
		printf "export %s='%s'\n" "${kv[i]}" "${kv[i + 1]}" >>"$dir/lab.env"
	done
	cat >"$dir/lab.ini" <<EOF
[target pdns]
type = powerdns
url = $api
api_key_file = $dir/api.key
catalog = $LAB_CATALOG_NAME

[nameserver primary]
address = 127.0.0.1:$PDNS_PORT
role = primary
target = pdns

[nameserver knot]
address = 127.0.0.1:$KNOT_PORT
role = secondary
target = pdns

[nameserver bind]
address = 127.0.0.1:$BIND_PORT
role = secondary
target = pdns

[nameserver nsd]
address = 127.0.0.1:$NSD_PORT
role = secondary
target = pdns
EOF
}

# ---------------------------------------------------------------- waiting

# soa_ok ADDR PORT: the server answers authoritatively for lab.test. SOA.
soa_ok() {
	local out
	out=$(dig +norec +short +time=1 +tries=1 -p "$2" "@$1" "$LAB_ZONE_NAME" SOA 2>/dev/null) || return 1
	[[ $out == *hostmaster.lab.test.* ]]
}

# wait_soa NAME ADDR PORT LOG PID: wait (until $DEADLINE) for soa_ok.
wait_soa() {
	local name=$1 addr=$2 port=$3 logf=$4 pid=$5
	while ! soa_ok "$addr" "$port"; do
		if ! alive "$pid"; then
			FAILED="$name (pid $pid) exited; see $logf"
			return 1
		fi
		if ((SECONDS >= DEADLINE)); then
			FAILED="$name on $addr port $port did not serve $LAB_ZONE_NAME SOA within ${WAIT_SECS}s; see $logf"
			return 1
		fi
		sleep 0.1
	done
	log "$name answers on $addr#$port"
}

# ---------------------------------------------------------------- commands

cmd_up() {
	local t0=$SECONDS dir tool f
	exec 3>&1 1>&2 # stdout is reserved for lab.env
	FAILED=""
	UP_DIR=""
	trap 'up_exit $?' EXIT
	trap 'exit 130' INT TERM
	for tool in pdns_server pdnsutil sqlite3 knotd knotc named rndc rndc-confgen \
		nsd nsd-control nsd-control-setup dig curl python3 setsid ps tac; do
		command -v "$tool" >/dev/null || die "missing tool: $tool"
	done
	PDNS_SCHEMA=""
	for f in /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql \
		/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql; do
		[[ -r $f ]] && PDNS_SCHEMA=$f && break
	done
	[[ -n $PDNS_SCHEMA ]] || die "pdns sqlite3 schema not found (pdns-backend-sqlite3)"

	if [[ -n ${LAB_DIR:-} ]]; then
		dir=$(readlink -m -- "$LAB_DIR")
		if [[ -e $dir ]]; then
			[[ -d $dir && -z $(ls -A -- "$dir") ]] || die "LAB_DIR $dir exists and is not empty"
		fi
		mkdir -p -- "$dir"
	else
		dir=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-lab.XXXXXX")
	fi
	: >"$dir/$MARKER"
	: >"$dir/pids"
	UP_DIR=$dir
	log "lab dir $dir"

	local ports
	mapfile -t ports < <(pick_ports 7)
	((${#ports[@]} == 2)) || die "could not pick free ports"
	read -r PDNS_PORT PDNS_WEB_PORT KNOT_PORT BIND_PORT RNDC_PORT NSD_PORT NSD_CTL_PORT <<<"${ports[0]}"
	HAVE_V6=${ports[1]}
	log "ports: pdns=$PDNS_PORT api=$PDNS_WEB_PORT knot=$KNOT_PORT bind=$BIND_PORT rndc=$RNDC_PORT nsd=$NSD_PORT nsd-control=$NSD_CTL_PORT"

	API_KEY=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	(umask 077 && printf '%s' "$API_KEY" >"$dir/api.key")

	# NSD's TLS keys take ~2 s to generate: do it while the rest is set up.
	mkdir -p "$dir/nsd"
	(
		close_fds
		exec nsd-control-setup -d "$dir/nsd" </dev/null >"$dir/nsd-control-setup.log" 2>&1
	) &
	local keygen=$!

	write_pdns "$dir"
	write_knot "$dir"
	write_bind "$dir"
	write_nsd "$dir"
	write_env_ini "$dir"

	WAIT_SECS=${LAB_WAIT_SECS:-30}
	DEADLINE=$((SECONDS + WAIT_SECS))
	local p_pdns p_knot p_bind p_nsd p_follow
	spawn "$dir" "$dir/pdns.log" pdns_server "--config-dir=$dir/pdns"
	p_pdns=$SPAWNED
	log "started pdns_server (pid $p_pdns)"
	# Secondaries bootstrap right away, so let the primary answer first.
	wait_soa pdns 127.0.0.1 "$PDNS_PORT" "$dir/pdns.log" "$p_pdns" || die "$FAILED"

	spawn "$dir" "$dir/knot.log" knotd -c "$dir/knot/knot.conf"
	p_knot=$SPAWNED
	log "started knotd (pid $p_knot)"
	spawn "$dir" "$dir/bind.log" named -4 -g -n 1 -c "$dir/bind/named.conf"
	p_bind=$SPAWNED
	log "started named (pid $p_bind)"
	wait "$keygen" || die "nsd-control-setup failed, see $dir/nsd-control-setup.log"
	spawn "$dir" "$dir/nsd.log" nsd -d -c "$dir/nsd/nsd.conf"
	p_nsd=$SPAWNED
	log "started nsd (pid $p_nsd)"
	spawn "$dir" "$dir/follower.log" "$SELF" _follow "$dir"
	p_follow=$SPAWNED
	log "started nsd follower (pid $p_follow)"

	wait_soa knot 127.0.0.1 "$KNOT_PORT" "$dir/knot.log" "$p_knot" || die "$FAILED"
	if [[ $HAVE_V6 == 1 ]]; then
		wait_soa knot ::1 "$KNOT_PORT" "$dir/knot.log" "$p_knot" || die "$FAILED"
	fi
	wait_soa bind 127.0.0.1 "$BIND_PORT" "$dir/bind.log" "$p_bind" || die "$FAILED"
	wait_soa nsd 127.0.0.1 "$NSD_PORT" "$dir/nsd.log" "$p_nsd" || die "$FAILED"
	alive "$p_follow" || die "nsd follower exited; see $dir/follower.log"

	trap - EXIT INT TERM
	log "lab up in $((SECONDS - t0))s: $dir"
	cat "$dir/lab.env" >&3
}

# up_exit STATUS: EXIT trap of `up`; on failure stop whatever was started.
up_exit() {
	(($1 == 0)) && return 0
	trap '' INT TERM # a second signal (e.g. sent to the whole group) must not cut cleanup short
	if [[ -n $FAILED ]]; then
		local f=${FAILED##*see }
		if [[ -f $f ]]; then
			log "last lines of $f:"
			tail -n 15 "$f" | sed 's/^/    /' >&2
		fi
	fi
	# Make `eval "$(lab.sh up)"` fail too: eval of an empty string succeeds.
	printf 'false\n' >&3 2>/dev/null || true
	[[ -n $UP_DIR ]] || return 0
	log "up failed: stopping what was started; state kept in $UP_DIR (remove with: $SELF down $UP_DIR)"
	stop_pids "$UP_DIR"
}

cmd_down() {
	local dir
	dir=$(resolve_dir "${1:-}")
	if [[ ! -e $dir ]]; then
		log "$dir does not exist: nothing to do"
		return 0
	fi
	[[ -f $dir/$MARKER ]] || die "$dir is not a lab dir (no $MARKER): refusing to touch it"
	stop_pids "$dir"
	rm -rf -- "$dir"
	log "lab $dir stopped and removed"
}

cmd_cat() {
	local dir
	dir=$(resolve_dir "${2:-}")
	[[ -f $dir/$1 ]] || die "$dir/$1 not found (is the lab up?)"
	cat "$dir/$1"
}

# fqdn NAME: validated, lower-cased, with trailing dot.
fqdn() {
	local z=${1,,}
	[[ $z =~ ^([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.?$ ]] ||
		die "invalid zone name: $1"
	[[ $z == *. ]] || z+=.
	printf '%s' "$z"
}

api() { # api METHOD PATH [DATA]: call the pdns API, print the body
	local -a args=(-sS --noproxy '*' --max-time 10 --fail-with-body -X "$1"
		-H "X-API-Key: $LAB_PDNS_API_KEY" -H 'Content-Type: application/json')
	[[ -n ${3:-} ]] && args+=(--data "$3")
	curl "${args[@]}" "$LAB_PDNS_API$2"
}

cmd_zone_create() {
	local z dir body out dnssec=false
	[[ -n ${1:-} ]] || die "usage: zone-create NAME [--dnssec] [DIR]"
	z=$(fqdn "$1")
	shift
	if [[ ${1:-} == --dnssec ]]; then
		dnssec=true # signed online by PowerDNS (a key made by the API)
		shift
	fi
	dir=$(resolve_dir "${1:-}")
	load_env "$dir"
	body=$(
		cat <<EOF
{"name": "$z", "kind": "Master", "catalog": "$LAB_CATALOG", "soa_edit_api": "INCREASE",
 "dnssec": $dnssec, "nameservers": [],
 "rrsets": [
  {"name": "$z", "type": "SOA", "ttl": 60, "records": [{"content": "ns1.lab.test. hostmaster.$z 1 60 10 604800 60", "disabled": false}]},
  {"name": "$z", "type": "NS", "ttl": 300, "records": [{"content": "ns1.lab.test.", "disabled": false}]}
 ]}
EOF
	)
	out=$(api POST /zones "$body" 2>&1) || die "zone-create $z failed: $out"
	log "created zone $z (catalog $LAB_CATALOG)"
}

cmd_zone_delete() {
	local z dir out
	[[ -n ${1:-} ]] || die "usage: zone-delete NAME [DIR]"
	z=$(fqdn "$1")
	dir=$(resolve_dir "${2:-}")
	load_env "$dir"
	out=$(api DELETE "/zones/$z" 2>&1) || die "zone-delete $z failed: $out"
	log "deleted zone $z"
}

# _follow DIR: keep NSD's zone list equal to pdns's primary zones (minus the
# catalog), polling the API every 0.3 s. Runs until DIR disappears or killed.
cmd_follow() {
	local dir=$1
	load_env "$dir"
	exec python3 - "$dir" "$LAB_PDNS_API" "$LAB_CATALOG" "$NSD_PATTERN" <<'PY'
import json, os, subprocess, sys, time, urllib.request
d, api, catalog, pattern = sys.argv[1:5]
key = open(os.path.join(d, "api.key")).read().strip()
nsdc = ["nsd-control", "-c", os.path.join(d, "nsd", "nsd.conf")]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def log(msg):
    print(time.strftime("%H:%M:%S"), msg, file=sys.stderr, flush=True)

def norm(z):
    return z.rstrip(".").lower()

def nsdctl(*args):
    r = subprocess.run(nsdc + list(args), capture_output=True, text=True, timeout=10)
    return r.returncode == 0, (r.stdout + r.stderr).strip()

have, last_err = None, None
while os.path.isdir(d):
    try:
        if have is None:
            ok, out = nsdctl("zonestatus")
            if not ok:
                raise RuntimeError("nsd-control zonestatus: " + out)
            have = {norm(l.split()[1]) for l in out.splitlines() if l.startswith("zone:")}
            have.discard(norm(catalog))  # configured statically in nsd.conf
            log("nsd serves %s" % sorted(have))
        req = urllib.request.Request(api + "/zones", headers={"X-API-Key": key})
        with opener.open(req, timeout=2) as r:
            zones = json.load(r)
        want = {norm(z["name"]) for z in zones
                if z.get("kind") == "Master" and norm(z["name"]) != norm(catalog)}
        for z in sorted(want - have):
            ok, out = nsdctl("addzone", z, pattern)
            log("addzone %s: %s" % (z, out))
            if ok:
                have.add(z)
        for z in sorted(have - want):
            ok, out = nsdctl("delzone", z)
            log("delzone %s: %s" % (z, out))
            if ok:
                have.discard(z)
        last_err = None
    except Exception as e:  # keep following whatever happens
        if str(e) != last_err:
            log("error: %s" % e)
            last_err = str(e)
    time.sleep(0.3)
log("lab dir gone, exiting")
PY
}

# knot_pids DIR: the recorded pids that are knotd (this lab's).
knot_pids() {
	local pid
	while read -r pid; do
		[[ $pid =~ ^[0-9]+$ ]] && cmdline_has "$pid" "$1" &&
			grep -q knotd "/proc/$pid/cmdline" 2>/dev/null && printf '%s\n' "$pid"
	done <"$1/pids"
	return 0
}

cmd_knot_stop() {
	local dir pid i
	dir=$(resolve_dir "${1:-}")
	for pid in $(knot_pids "$dir"); do
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			alive "$pid" || break
			sleep 0.1
		done
	done
	log "knotd stopped"
}

cmd_knot_start() {
	local dir
	dir=$(resolve_dir "${1:-}")
	load_env "$dir"
	[[ -z $(knot_pids "$dir") ]] || die "knotd is running already"
	WAIT_SECS=${LAB_WAIT_SECS:-30}
	DEADLINE=$((SECONDS + WAIT_SECS))
	spawn "$dir" "$dir/knot.log" knotd -c "$dir/knot/knot.conf"
	wait_soa knot 127.0.0.1 "${LAB_KNOT_ADDR##*:}" "$dir/knot.log" "$SPAWNED" || die "$FAILED"
	log "knotd started again (pid $SPAWNED)"
}

# nsd_instance DIR NAME PORT REFRESH: an NSD secondary of lab.test. from
# the primary, NSID NAME, on 127.0.0.1:PORT shared with SO_REUSEPORT (NSD
# sets it only with several servers, hence server-count 2), refreshing
# the zone every REFRESH seconds and taking no NOTIFY.
nsd_instance() {
	local d=$1/anycast/$2 port=$3 refresh=$4
	mkdir -p "$d/zones"
	cat >"$d/nsd.conf" <<EOF
# generated by lab.sh anycast-up
server:
    ip-address: 127.0.0.1@$port
    do-ip6: no
    server-count: 2
    reuseport: yes
    nsid: "ascii_$2"
    username: ""
    chroot: ""
    zonesdir: "$d/zones"
    database: ""
    zonelistfile: "$d/zone.list"
    xfrdfile: "$d/xfrd.state"
    xfrdir: "$d"
    pidfile: "$d/nsd.pid"
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "$LAB_ZONE_NAME"
    zonefile: ""
    request-xfr: 127.0.0.1@${LAB_PDNS_ADDR##*:} NOKEY
    min-refresh-time: $refresh
    max-refresh-time: $refresh
    min-retry-time: 1
    max-retry-time: $refresh
EOF
	spawn "$1" "$d/nsd.log" nsd -d -c "$d/nsd.conf"
	printf '%s\n' "$SPAWNED" >>"$1/anycast.pids"
}

# anycast_seen PORT: the NSIDs answering lab.test. SOA on 127.0.0.1:PORT
# over 16 queries, each from a new source port (which the kernel hashes
# to an instance).
anycast_seen() {
	local i
	for ((i = 0; i < 16; i++)); do
		dig +norec +nsid +time=1 +tries=1 -p "$1" @127.0.0.1 "$LAB_ZONE_NAME" SOA 2>/dev/null |
			sed -n '/status: NOERROR/,$s/.*NSID: .*("\(.*\)")/\1/p'
	done | sort -u | tr '\n' ' '
}

cmd_anycast_up() {
	local dir port seen=
	dir=$(resolve_dir "${1:-}")
	load_env "$dir"
	[[ ! -s $dir/anycast.pids ]] || die "the anycast pair is up already"
	# its first line (the second says whether ::1 exists); read whole, not
	# through head, which may close the pipe before the second is written
	port=$(pick_ports 1)
	port=${port%%$'\n'*}
	nsd_instance "$dir" fast "$port" 1
	nsd_instance "$dir" slow "$port" 5
	DEADLINE=$((SECONDS + ${LAB_WAIT_SECS:-30}))
	while [[ $seen != "fast slow " ]]; do
		((SECONDS < DEADLINE)) || {
			cmd_anycast_down "$dir"
			die "the anycast pair on 127.0.0.1#$port does not both answer ('$seen'); see $dir/anycast/*/nsd.log"
		}
		sleep 0.2
		seen=$(anycast_seen "$port")
	done
	log "anycast: NSD fast and slow answer on 127.0.0.1#$port"
	printf 'export LAB_ANYCAST_ADDR=127.0.0.1:%s\n' "$port"
}

# stop_extra DIR NAME WHAT: stop the processes DIR/NAME.pids lists (an
# extra that up did not start: the anycast pair, the second provider).
stop_extra() {
	local pid
	[[ -f $1/$2.pids ]] || return 0
	while read -r pid; do
		if cmdline_has "$pid" "$1"; then
			kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
		fi
	done <"$1/$2.pids"
	rm -f "$1/$2.pids"
	log "$3 stopped"
}

cmd_anycast_down() {
	stop_extra "$(resolve_dir "${1:-}")" anycast "anycast pair"
}

# A second, independent provider for ZONE (issue 16, several targets): a
# BIND primary that takes RFC 2136 UPDATEs signed with a TSIG key of its
# own and NOTIFYs an NSD secondary of it; nothing of the PowerDNS side.
# Both on new ports of 127.0.0.1; stopped by second-down (and by down).
second_conf() { # DIR ZONE BPORT NPORT SECRET SLOW
	local d=$1/second zone=${2%.} notify="notify explicit;" refresh=
	if [[ $6 == yes ]]; then
		# no NOTIFY: the secondary sees a change at its next refresh (3 s)
		notify="notify no;"
		refresh=$'    min-refresh-time: 3\n    max-refresh-time: 3'
	fi
	mkdir -p "$d/bind" "$d/nsd/zones"
	cat >"$d/bind/$zone.zone" <<EOF
\$TTL 60
@ IN SOA ns1.$zone. hostmaster.$zone. 1 1 1 3600 60
@ IN NS ns1.$zone.
ns1 IN A 127.0.0.1
EOF
	cat >"$d/bind/named.conf" <<EOF
key "second-key" { algorithm hmac-sha256; secret "$5"; };
controls { };
options {
    directory "$d/bind";
    pid-file "$d/bind/named.pid";
    session-keyfile "$d/bind/session.key";
    managed-keys-directory "$d/bind";
    listen-on port $3 { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    $notify
    also-notify { 127.0.0.1 port $4; };
    allow-transfer { 127.0.0.1; };
    notify-source 127.0.0.1;
    transfer-source 127.0.0.1;
};
zone "$zone" {
    type primary;
    file "$zone.zone";
    allow-update { key second-key; };
};
EOF
	cat >"$d/nsd/nsd.conf" <<EOF
# generated by lab.sh second-up
server:
    ip-address: 127.0.0.1@$4
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$d/nsd/zones"
    database: ""
    zonelistfile: "$d/nsd/zone.list"
    xfrdfile: "$d/nsd/xfrd.state"
    xfrdir: "$d/nsd"
    pidfile: "$d/nsd/nsd.pid"
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "$zone."
    zonefile: ""
    request-xfr: 127.0.0.1@$3 NOKEY
    allow-notify: 127.0.0.1 NOKEY
$refresh
EOF
}

cmd_second_up() {
	local zone=${1:?second-up needs ZONE} slow=no dir ports bport nport secret i
	shift
	if [[ ${1:-} == --slow ]]; then
		slow=yes
		shift
	fi
	dir=$(resolve_dir "${1:-}")
	[[ ! -s $dir/second.pids ]] || die "the second provider is up already"
	mapfile -t ports < <(pick_ports 2)
	bport=${ports[0]%% *}
	nport=${ports[0]##* }
	secret=$(head -c 32 /dev/urandom | base64)
	second_conf "$dir" "$zone" "$bport" "$nport" "$secret" "$slow"
	spawn "$dir" "$dir/second/bind/named.log" named -4 -g -n 1 -c "$dir/second/bind/named.conf"
	printf '%s\n' "$SPAWNED" >>"$dir/second.pids"
	spawn "$dir" "$dir/second/nsd/nsd.log" nsd -d -c "$dir/second/nsd/nsd.conf"
	printf '%s\n' "$SPAWNED" >>"$dir/second.pids"
	for ((i = 0; i < 300; i++)); do
		[[ -n $(dig +norec +short +time=1 +tries=1 -p "$nport" @127.0.0.1 "$zone" SOA 2>/dev/null) &&
			-n $(dig +norec +short +time=1 +tries=1 -p "$bport" @127.0.0.1 "$zone" SOA 2>/dev/null) ]] && break
		sleep 0.1
	done
	((i < 300)) || {
		cmd_second_down "$dir"
		die "the second provider does not serve $zone; see $dir/second/*/*.log"
	}
	log "second provider: BIND primary 127.0.0.1#$bport, NSD secondary 127.0.0.1#$nport ($zone)"
	printf 'export LAB_B_PRIMARY_ADDR=127.0.0.1:%s\n' "$bport"
	printf 'export LAB_B_SECONDARY_ADDR=127.0.0.1:%s\n' "$nport"
	printf 'export LAB_B_TSIG=hmac-sha256:second-key:%s\n' "$secret"
}

cmd_second_down() {
	stop_extra "$(resolve_dir "${1:-}")" second "second provider"
}

main() {
	local cmd=${1:-}
	(($#)) && shift
	case $cmd in
	up) cmd_up ;;
	down) cmd_down "${1:-}" ;;
	env) cmd_cat lab.env "${1:-}" ;;
	ini) cmd_cat lab.ini "${1:-}" ;;
	zone-create) cmd_zone_create "$@" ;;
	zone-delete) cmd_zone_delete "$@" ;;
	knot-stop) cmd_knot_stop "${1:-}" ;;
	knot-start) cmd_knot_start "${1:-}" ;;
	anycast-up) cmd_anycast_up "${1:-}" ;;
	anycast-down) cmd_anycast_down "${1:-}" ;;
	second-up) cmd_second_up "$@" ;;
	second-down) cmd_second_down "${1:-}" ;;
	_follow) cmd_follow "${1:?_follow needs DIR}" ;;
	-h | --help | help) usage ;;
	*) usage ;;
	esac
}

# tests/lab/designate.sh sources this file for its helpers: run only when executed.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
