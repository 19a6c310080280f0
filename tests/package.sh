#!/bin/sh
# The Debian packages (debian/, docs/packaging.md), as CI checks them:
#   1. dpkg-buildpackage -us -uc -b in a copy of the checkout (its unit
#      tests and symbol check run inside);
#   2. lintian on the result: no errors;
#   3. both packages installed on this machine (root or sudo);
#   4. systemd-analyze verify on the installed unit;
#   5. tests/installcheck.sh against /usr: -V/--help, -n, a daemon on a
#      private state directory with set/get/info and SIGTERM, the pages,
#      a host built with pkg-config from libcfgreport-dev;
#   6. cfgreportd -n on the installed default profile, and a daemon on the
#      package's default control socket that cfgreportctl finds without -S;
#   7. both packages purged again.
# Ends with "package: OK"; exit 1 on any failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfgreport-package.XXXXXX")
dpid=
installed=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null
	[ -n "$installed" ] &&
	    $SUDO dpkg --purge cfgreport libcfgreport-dev >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "package: $*" >&2; exit 1; }

# 1. Build from the tracked files only (no build trees, no npm modules).
mkdir "$tmp/src"
(cd "$top" && git ls-files -z | tar --null -T - -cf -) | (cd "$tmp/src" && tar xf -)
(cd "$tmp/src" && DEB_BUILD_OPTIONS="parallel=$(nproc 2>/dev/null || echo 2)" \
    dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 ||
    { tail -40 "$tmp/build.log"; die "dpkg-buildpackage failed"; }
changes=$(ls "$tmp"/cfgreport_*.changes)
for p in cfgreport libcfgreport-dev; do
	ls "$tmp/${p}_"*.deb >/dev/null 2>&1 || die "no $p package"
done
echo "ok - dpkg-buildpackage: $(cd "$tmp" && echo *.deb)"

# 2. lintian: errors fail; warnings are printed.
lintian --fail-on error --tag-display-limit 0 "$changes" ||
    die "lintian found errors"
echo "ok - lintian: no errors"

# 3. Installed on this machine (the build dependencies of .ci/deps cover
# the run-time ones).
installed=1
$SUDO dpkg -i "$tmp/cfgreport_"*.deb "$tmp/libcfgreport-dev_"*.deb >/dev/null ||
    die "dpkg -i failed"
echo "ok - installed"

# 4. The installed unit.
unit=$(dpkg -L cfgreport | grep '/cfgreportd\.service$') || die "no unit"
out=$(systemd-analyze verify "$unit" 2>&1) && [ -z "$out" ] ||
    die "systemd-analyze verify $unit: $out"
echo "ok - systemd-analyze verify $unit"

# 5. The installed tree, as make installcheck checks a --prefix.
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
sbindir=/usr/sbin bindir=/usr/bin libdir=/usr/lib/$multiarch \
    mandir=/usr/share/man prefix=/usr sh "$top/tests/installcheck.sh" ||
    die "installcheck on the package failed"

# 6. The package's own profile and default socket.
out=$(/usr/sbin/cfgreportd -n -m 000e08aabbcc -c /etc/cfgreport/cfgreport.xml 2>&1)
[ "$out" = "configuration OK" ] || die "cfgreportd -n on the default profile: $out"
echo "ok - cfgreportd -n -c /etc/cfgreport/cfgreport.xml"
sock=/run/cfgreportd/cfgreportd.sock
if [ -e "$sock" ]; then
	echo "skip - $sock in use (the service runs?)"
else
	$SUDO mkdir -p /run/cfgreportd
	cp /etc/cfgreport/cfgreport.xml "$tmp/profile.xml" 2>/dev/null ||
	    $SUDO cat /etc/cfgreport/cfgreport.xml >"$tmp/profile.xml"
	mkdir "$tmp/state"
	$SUDO /usr/sbin/cfgreportd -d -p 0 -m 000e08aabbcc -c "$tmp/profile.xml" \
	    -s "$tmp/state" 2>"$tmp/daemon.log" &
	dpid=$!
	i=0
	while ! $SUDO test -S "$sock" && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	out=$($SUDO /usr/bin/cfgreportctl info 2>&1) ||
	    die "cfgreportctl info (default socket): $out"
	case $out in *000e08aabbcc*|*00:0e:08:aa:bb:cc*) ;;
	*) die "cfgreportctl info: $out" ;; esac
	$SUDO /usr/bin/cfgreportctl report >/dev/null 2>&1 || true
	$SUDO kill -TERM "$dpid"
	wait "$dpid" || die "cfgreportd exit $?: $(cat "$tmp/daemon.log")"
	dpid=
	echo "ok - start, cfgreportctl info on $sock, stop"
fi
echo "package: OK"
