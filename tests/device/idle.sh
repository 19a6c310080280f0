#!/bin/sh
# Side by side in one run: the idle cfgreportd of the device build (static,
# wolfSSL only) and of the Debian-linked build, each with the same
# 2,000-parameter profile (tests/bench/gen_profile.sh) once its start-up
# round has reached the receiver (tests/receiver, 127.0.0.1):
#   VmRSS, RssAnon, threads, open fds, shared objects mapped, TLS
#   libraries in the process, and the stripped size of each cfgreportd.
#   DEVICE=build-device DEBIAN=build [MUSL=build-musl] sh tests/device/idle.sh
# A third column for MUSL when that build exists. obuspa is not packaged
# in Debian 12, so it is not measured here (docs/benchmarks-agent.md).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
device=${DEVICE:-$top/build-device}
debian=${DEBIAN:-$top/build}
musl=${MUSL:-$top/build-musl}
die() { echo "idle.sh: $*" >&2; exit 2; }
for p in "$device/cfgreportd" "$debian/cfgreportd" "$device/tests/receiver"; do
	[ -x "$p" ] || die "no $p: build it first"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/device-idle.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

wait_for() {
	n=$1; shift
	until "$@"; do
		n=$((n - 1)); [ "$n" -gt 0 ] || return 1; sleep 0.1
	done
}
field() { sed -n "s/^$2:[^0-9]*\\([0-9]*\\).*/\\1/p" "/proc/$1/status"; }

mkdir "$tmp/recv"
"$device/tests/receiver" -k benchkey "$tmp/recv" >"$tmp/recv.out" 2>&1 &
pids="$pids $!"
wait_for 50 grep -q '^listening ' "$tmp/recv.out" || die "no receiver"
port=$(sed -n 's/^listening //p' "$tmp/recv.out")
sh "$top/tests/bench/gen_profile.sh" "$port" >"$tmp/profile.xml"

# start NAME BUILD: the daemon of BUILD, until its start-up round is done.
start() {
	mkdir "$tmp/$1.state"
	"$2/cfgreportd" -d -c "$tmp/profile.xml" -s "$tmp/$1.state" \
	    -S "$tmp/$1.sock" -p 0 -m 00:0e:08:aa:bb:cc 2>"$tmp/$1.log" &
	eval "pid_$1=$!"
	pids="$pids $!"
	settled() {
		"$2/cfgreportctl" -S "$tmp/$1.sock" info >"$tmp/$1.info" \
		    2>/dev/null && ! grep -q 'in-flight yes' "$tmp/$1.info" &&
		    [ "$(grep -c 'last-result ok' "$tmp/$1.info")" -eq 2 ]
	}
	wait_for 300 settled "$1" "$2" || { cat "$tmp/$1.log" >&2;
	    die "$1: the start-up round did not finish"; }
}
names="device debian"
start device "$device"
start debian "$debian"
if [ -x "$musl/cfgreportd" ]; then
	start musl "$musl"
	names="$names musl"
fi
sleep 1

printf '%-8s %9s %9s %8s %4s %12s %-28s %10s\n' build VmRSS RssAnon \
    threads fds "shared objs" "TLS libraries" "stripped"
for n in $names; do
	eval "pid=\$pid_$n"
	case $n in device) b=$device ;; debian) b=$debian ;; musl) b=$musl ;; esac
	sos=$(awk '$6 ~ /\.so/ { print $6 }' "/proc/$pid/maps" | sort -u)
	nso=$(printf '%s' "$sos" | grep -c . || :)
	tls=$(printf '%s\n' "$sos" | sed -n 's,.*/\(libssl\|libgnutls\|libwolfssl\|libmbedtls\|libcrypto\|libnettle\)[^/]*$,\1,p' |
	    sort -u | tr '\n' ' ')
	[ -n "$tls" ] || tls="wolfSSL (static)"
	size=$(cp "$b/cfgreportd" "$tmp/s" && strip "$tmp/s" && stat -c %s "$tmp/s")
	printf '%-8s %6s kB %6s kB %8s %4s %12s %-28s %10s\n' "$n" \
	    "$(field "$pid" VmRSS)" "$(field "$pid" RssAnon)" \
	    "$(field "$pid" Threads)" "$(ls "/proc/$pid/fd" | wc -l)" \
	    "$nso" "$tls" "$size"
done
for n in $names; do
	eval "pid=\$pid_$n"
	kill -TERM "$pid"
	wait "$pid" || die "$n: exit $?"
done
pids=${pids%% *}
echo "stopped: every cfgreportd exit 0"
