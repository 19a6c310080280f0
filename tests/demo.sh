#!/bin/sh
# The README's first command ends here: build cfgreport if needed, then
# run its main job on the embedded example profile (examples/cfgreport.xml)
# against a local receiver (tests/receiver, which stores what arrives and
# decrypts the --key report), and show the reports that arrived:
#   1. start-up: the encrypted status report (the delta has nothing yet);
#   2. a local change on the "phone": 10 s later, the delta report;
#   3. the provisioning server asks for a full report.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# Always make: cheap when up to date, and never a stale binary.
echo "== building"
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p build
(cd build && { [ -f Makefile ] || ../configure -q; } &&
    make -j"$(nproc)" -s >/dev/null)
b=$top/build
run=$(mktemp -d "${TMPDIR:-/tmp}/cfgreport-demo.XXXXXX")
cleanup() {
	[ -z "${agent:-}" ] || kill "$agent" 2>/dev/null || true
	[ -z "${recv:-}" ] || kill "$recv" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$run"
}
trap cleanup EXIT
ctl() { "$b/cfgreportctl" -S "$run/ctl.sock" "$@"; }
wait_for() {
	i=0
	until [ -e "$1" ]; do
		i=$((i + 1))
		[ "$i" -lt 300 ] || { echo "demo: $1 never arrived" >&2; exit 1; }
		sleep 0.1
	done
	sleep 0.2
}
show() {
	echo "---- $1"
	cat "$2"
	echo
}

mkdir -p "$run/received" "$run/state"
"$b/tests/receiver" -k test123 "$run/received" >"$run/receiver.log" 2>&1 &
recv=$!
i=0
until grep -q '^listening' "$run/receiver.log"; do
	i=$((i + 1)); [ "$i" -lt 100 ] || exit 1; sleep 0.1
done
port=$(sed -n 's/^listening //p' "$run/receiver.log")
# The example profile names port 8080; the receiver took a free one.
sed "s/127.0.0.1:8080/127.0.0.1:$port/g" examples/cfgreport.xml >"$run/profile.xml"

echo "== cfgreportd -n: the plan"
"$b/cfgreportd" -n -c "$run/profile.xml" -m 00:0e:08:aa:bb:cc
echo "== starting cfgreportd (receiver on 127.0.0.1:$port)"
"$b/cfgreportd" -d -c "$run/profile.xml" -s "$run/state" -S "$run/ctl.sock" \
    -p 0 -m 00:0e:08:aa:bb:cc 2>"$run/agent.log" &
agent=$!
wait_for "$run/received/000e08aabbcc-status.xml.enc"
show "status report (sent at start-up, AES-256-CBC, decrypted by the receiver)" \
    "$run/received/000e08aabbcc-status.xml.enc"

echo "== a user edits two settings on the phone"
echo "\$ cfgreportctl set Station_Name=\"Front desk\" Time_Zone=GMT+02:00"
ctl set "Station_Name=Front desk" "Time_Zone=GMT+02:00"
echo "(Report_To_Server is On Local Change: the delta follows 10 s later)"
wait_for "$run/received/000e08aabbcc-delta.xml"
show "delta report (only what changed)" "$run/received/000e08aabbcc-delta.xml"

echo "== the provisioning server asks for the full configuration"
echo "\$ cfgreportctl set --source provisioning Report_Rule=http://127.0.0.1:$port/\$MA-full.xml"
ctl set --source provisioning "Report_Rule=http://127.0.0.1:$port/\$MA-full.xml"
echo "\$ cfgreportctl report full"
ctl report full
wait_for "$run/received/000e08aabbcc-full.xml"
show "full report (secrets masked)" "$run/received/000e08aabbcc-full.xml"

echo "== cfgreportctl info"
ctl info
echo "== what the agent logged"
cat "$run/agent.log"
