#!/bin/sh
# Checks an installed cfgreport as a user and a host developer would:
# the programs' --version/--help, `cfgreportd -n` on the example profile,
# a daemon started on a private state directory and control socket,
# `cfgreportctl set/get/info`, SIGTERM and exit 0; the manual pages; and
# tests/host.c built against the installed header, library and
# libcfgreport.pc with pkg-config alone, then run.
#
# make installcheck runs it with the configured directories (and
# DESTDIR); tests/package.sh runs it on the Debian packages with
#   sbindir=/usr/sbin bindir=/usr/bin libdir=/usr/lib/<triplet> mandir=/usr/share/man
# Ends with "N checks, N failed"; exit 1 on any failure.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
D=${DESTDIR:-}
sbin=$D${sbindir:?}
bin=$D${bindir:?}
lib=$D${libdir:?}
man=$D${mandir:?}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfgreport-installcheck.XXXXXX")
dpid=
trap '[ -n "$dpid" ] && kill "$dpid" 2>/dev/null; rm -rf "$tmp"' EXIT
checks=0 failures=0
ok() { checks=$((checks + 1)); echo "ok - $*"; }
not_ok() { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok - $*"; }
check() { what=$1; shift; if "$@" >"$tmp/out" 2>&1; then ok "$what"; else not_ok "$what: $(cat "$tmp/out")"; fi; }

# Programs in their places, answering -V and --help.
v=$("$sbin/cfgreportd" -V 2>&1)
case $v in "cfgreportd "[0-9]*) ok "cfgreportd -V: $v" ;; *) not_ok "cfgreportd -V: $v" ;; esac
v=$("$bin/cfgreportctl" --version 2>&1)
case $v in "cfgreportctl "[0-9]*) ok "cfgreportctl --version: $v" ;; *) not_ok "cfgreportctl --version: $v" ;; esac
check "cfgreportd --help exits 0" "$sbin/cfgreportd" --help
check "cfgreportctl -h exits 0" "$bin/cfgreportctl" -h
v=$("$bin/cfgreport-fleet" --version 2>&1)
case $v in "cfgreport-fleet "[0-9]*) ok "cfgreport-fleet --version: $v" ;; *) not_ok "cfgreport-fleet --version: $v" ;; esac
check "cfgreport-fleet --help exits 0" "$bin/cfgreport-fleet" --help
"$sbin/cfgreportd" -Q >/dev/null 2>&1
[ $? -eq 1 ] && ok "cfgreportd: a bad option exits 1" || not_ok "cfgreportd: a bad option does not exit 1"
"$bin/cfgreportctl" nosuchcommand >/dev/null 2>&1
[ $? -eq 2 ] && ok "cfgreportctl: a bad command exits 2" || not_ok "cfgreportctl: a bad command does not exit 2"

# The check of the example profile.
cp "$src/examples/cfgreport.xml" "$tmp/profile.xml"
out=$("$sbin/cfgreportd" -n -c "$tmp/profile.xml" -m 000e08aabbcc 2>&1)
case $out in *"configuration OK"*) ok "cfgreportd -n" ;; *) not_ok "cfgreportd -n: $out" ;; esac

# A daemon on a private state directory and socket, no SIP, no server:
# the example's receiver is absent, which only fails uploads.
mkdir "$tmp/state"
sock=$tmp/ctl.sock
"$sbin/cfgreportd" -d -p 0 -m 000e08aabbcc -c "$tmp/profile.xml" \
    -s "$tmp/state" -S "$sock" 2>"$tmp/daemon.log" &
dpid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ] && kill -0 "$dpid" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
check "cfgreportctl set" "$bin/cfgreportctl" -S "$sock" set Station_Name=installcheck
out=$("$bin/cfgreportctl" -S "$sock" get Station_Name 2>&1)
[ "$out" = "Station_Name=installcheck" ] && ok "cfgreportctl get" || not_ok "cfgreportctl get: $out"
out=$("$bin/cfgreportctl" -S "$sock" info 2>&1)
case $out in *000e08aabbcc*|*00:0e:08:aa:bb:cc*) ok "cfgreportctl info" ;; *) not_ok "cfgreportctl info: $out" ;; esac
kill -TERM "$dpid" 2>/dev/null
wait "$dpid"; rc=$?
dpid=
[ $rc -eq 0 ] && ok "cfgreportd stops on SIGTERM, exit 0" ||
    not_ok "cfgreportd exit $rc: $(cat "$tmp/daemon.log")"

# Manual pages.
for p in man8/cfgreportd.8 man1/cfgreportctl.1 man3/libcfgreport.3 \
    man5/cfgreport-profile.5 man1/cfgreport-fleet.1; do
	f=$man/$p
	[ -f "$f" ] || [ -f "$f.gz" ] && ok "installed $p" || not_ok "no $f"
done

# A host built with pkg-config alone against the installed tree (the
# .pc's prefix moved under DESTDIR when there is one).
pcdir=$lib/pkgconfig
if [ -n "$D" ]; then
	pc() { PKG_CONFIG_PATH=$pcdir pkg-config --define-variable=prefix="$D${prefix:?}" "$@"; }
else
	pc() { PKG_CONFIG_PATH=$pcdir pkg-config "$@"; }
fi
if flags=$(pc --cflags --libs libcfgreport libevent libcurl 2>"$tmp/pc.err"); then
	ok "pkg-config libcfgreport: $flags"
	# shellcheck disable=SC2086
	check "a host builds against the installed library" \
	    ${CC:-cc} -o "$tmp/host" "$src/tests/host.c" $flags
	mkdir "$tmp/hoststate"
	out=$(LD_LIBRARY_PATH=$lib "$tmp/host" "$tmp/hoststate" 2>&1)
	[ "$out" = "host: ok" ] && ok "the host runs" || not_ok "the host: $out"
else
	not_ok "pkg-config libcfgreport: $(cat "$tmp/pc.err")"
fi

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
