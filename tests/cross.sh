#!/bin/sh
# Cross build and test for the chips of phones and ATAs: armhf and mipsel
# (32-bit little-endian) and s390x (big-endian, to catch byte-order
# mistakes).
#   1. Installs Debian's cross toolchain, qemu-user and cmake if missing.
#   2. Builds the device libraries from Debian's source packages with
#      --host (tests/device/build.sh; multiarch -dev packages cannot always
#      be co-installed with the build machine's, see docs/device.md), then
#      cfgreport, its unit tests and test programs, static, in build-ARCH/.
#   3. Runs every unit test under qemu-user, then the daemon's delta
#      scenario (tests/integ/daemon_delta.sh: start, set, delta uploads to a
#      local PHP receiver, report, retries, kill -9, SIGTERM) with the
#      daemon, cfgreportctl and the test programs all under qemu-user.
# Ends with "N passed, N failed".
# Usage: sh tests/cross.sh armhf|mipsel|s390x
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
arch=${1:?usage: tests/cross.sh armhf|mipsel|s390x}
case $arch in
armhf) triplet=arm-linux-gnueabihf qemu=qemu-arm ;;
mipsel) triplet=mipsel-linux-gnu qemu=qemu-mipsel ;;
s390x) triplet=s390x-linux-gnu qemu=qemu-s390x ;;
arm64) triplet=aarch64-linux-gnu qemu=qemu-aarch64 ;;
*) echo "cross: unknown ARCH $arch" >&2; exit 2 ;;
esac
bdir=$top/build-$arch
passed=0
failed=0

count() {
	if [ "$1" -eq 0 ]; then passed=$((passed + 1)); echo "PASS: $2"
	else failed=$((failed + 1)); echo "FAIL: $2"; fi
}
end() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=
for p in crossbuild-essential-$arch qemu-user cmake file; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
fi
count $? "toolchain for $arch ($triplet-gcc, $qemu)"

UNIT=1 sh tests/device/build.sh "$bdir" "$triplet"
rc=$?
[ "$rc" -ne 0 ] || file "$bdir/cfgreportd" | grep -q "statically linked" || rc=1
count $rc "cross build for $arch in $bdir"
[ "$rc" -eq 0 ] || end

# Every unit test (TESTS without an extension) under qemu-user.
for u in $(cat "$bdir/units.list"); do
	(cd "$bdir" && "$qemu" "./$u") >"$bdir/$u.qemu.log" 2>&1
	rc=$?
	[ "$rc" -ne 77 ] || { echo "SKIP: $u under $qemu"; continue; }
	grep -E '^\[  (FAILED|ERROR)' "$bdir/$u.qemu.log" | sed 's/^/# /'
	count $rc "$u under $qemu"
done

# The daemon under qemu-user: the scripts find programs in top_builddir,
# so give them one whose programs start the cross-built ones.
q=$bdir/qemu
mkdir -p "$q/tests"
for p in cfgreportd cfgreportctl tests/agent_host tests/receiver; do
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$qemu" "$bdir/$p" >"$q/$p"
	chmod +x "$q/$p"
done
"$q/cfgreportd" -h >/dev/null 2>&1
"$q/cfgreportctl" -h 2>&1 | grep -q . && [ -x "$bdir/tests/agent_host" ]
count $? "cfgreportd and cfgreportctl start under $qemu"
for t in daemon_delta; do
	top_srcdir=$top top_builddir=$q sh "tests/integ/$t.sh" >"$bdir/$t.log" 2>&1
	rc=$?
	grep -E '^(not ok|SKIP)' "$bdir/$t.log" | sed 's/^/# /'
	count $rc "$t under $qemu ($(tail -1 "$bdir/$t.log"))"
done
end
