#!/bin/sh
# The device build and its peer tests.
#   1. tests/device/build.sh: wolfSSL, libcurl (HTTP, HTTPS, TFTP over
#      wolfSSL), libevent's core and Mini-XML from Debian's source packages,
#      static; cfgreportd and cfgreportctl linked statically against them
#      and stripped, in build-device/ (BUILD_DEVICE overrides; CC=musl-gcc
#      with BUILD_DEVICE=build-musl gives the musl variant, installing
#      Debian's musl-tools if needed).
#   2. The integration scripts that matter on a device, run against those
#      binaries (top_builddir): HTTPS PUT with the right CA, a wrong CA, a
#      wrong host name, client certificates to nginx (http_put.sh, through
#      tests/transfer_drive linked like the daemon); the daemon itself over
#      HTTP, HTTPS, POST to PHP and TFTP to tftpd-hpa, its bodies opened by
#      `openssl enc -d` and http_ece, a wrong CA refused with no plain-HTTP
#      fallback (daemon_peers.sh); POST, TFTP, and cfgreportctl's
#      encryption against openssl and http_ece.
#   3. The binaries are static and hold no TLS library but wolfSSL.
#   4. Every unit test, linked the same way.
# Ends with "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bdir=$top/${BUILD_DEVICE:-build-device}
passed=0
failed=0
CFGREPORT_NPM=${CFGREPORT_NPM:-$top/tests/npm}
export CFGREPORT_NPM

count() {
	if [ "$1" -eq 0 ]; then passed=$((passed + 1)); echo "PASS: $2"
	else failed=$((failed + 1)); echo "FAIL: $2"; fi
}

case ${CC:-} in
*musl-gcc*)
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	command -v musl-gcc >/dev/null ||
	    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends musl-tools >/dev/null
	;;
esac
UNIT=1 sh tests/device/build.sh "$bdir"
count $? "device build ($bdir)"
if [ ! -x "$bdir/cfgreportd" ]; then
	echo "$passed passed, $failed failed"
	exit 1
fi

# Static, and no other TLS library inside.
ok=0
for p in cfgreportd cfgreportctl; do
	file "$bdir/$p" | grep -q 'statically linked' || { echo "# $p: not static"; ok=1; }
done
if grep -qa 'OpenSSL [0-9]\|GnuTLS\|libgnutls\|nghttp2\|libssh2\|librtmp' \
    "$bdir/cfgreportd.unstripped"; then
	echo "# another TLS or protocol library inside cfgreportd"; ok=1
fi
grep -qa 'wolfSSL' "$bdir/cfgreportd" || { echo "# no wolfSSL inside"; ok=1; }
count $ok "static, wolfSSL the only TLS library"

# The unit tests, linked like the agent: the static libraries' own
# allocations meet the fail-malloc wrapper here, unlike Debian's.
for u in $(cat "$bdir/units.list"); do
	(cd "$bdir" && "./$u") >"$bdir/$u.log" 2>&1
	rc=$?
	[ "$rc" -ne 77 ] || { echo "SKIP: $u"; continue; }
	grep -E '^\[  (FAILED|ERROR)' "$bdir/$u.log" | sed 's/^/# /'
	count $rc "$u on the device build"
done

for t in http_put http_post tftp_put daemon_peers openssl_interop ece_interop; do
	top_srcdir=$top top_builddir=$bdir sh "tests/integ/$t.sh" \
	    >"$bdir/$t.log" 2>&1
	rc=$?
	grep -E '^(not ok|SKIP)' "$bdir/$t.log" | sed 's/^/# /'
	count $rc "$t on the device build ($(tail -1 "$bdir/$t.log"))"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
