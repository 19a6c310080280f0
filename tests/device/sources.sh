#!/bin/sh
# Fetches the Debian source packages of the four libraries the device build
# links (curl, wolfssl, libevent, mxml), and cmocka for the unit tests of
# cross builds, into DIR (default build-src/ in the
# checkout, git-ignored), once: later runs reuse the unpacked trees.
# The deb-src entries are derived from the machine's own apt sources (same
# URIs, suites and keys, "Types: deb-src") into a file of our own, so no
# archive host is named here.
# Usage: sh tests/device/sources.sh [DIR]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$top/build-src}
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
PKGS="curl wolfssl libevent mxml cmocka"

have() {
	for p in $PKGS; do
		[ -f "$dir/$p.dir" ] && [ -f "$dir/$(cat "$dir/$p.dir")/.cfgreport-ready" ] || return 1
	done
}
# apt-get source unpacks with dpkg-source; cmocka builds with CMake; the
# device checks use file(1).
need=
command -v dpkg-source >/dev/null || need="$need dpkg-dev"
command -v cmake >/dev/null || need="$need cmake"
command -v file >/dev/null || need="$need file"
[ -z "$need" ] ||
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $need
have && exit 0

list=/etc/apt/sources.list.d/cfgreport-deb-src.sources
if ! grep -qs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources \
    /etc/apt/sources.list 2>/dev/null; then
	tmp=$(mktemp)
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed -n 's/^Types:.*deb\b.*/Types: deb-src/;p' "$f"
		echo
	done >"$tmp"
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list |
		    grep . >"$tmp.list" && $SUDO cp "$tmp.list" \
		    /etc/apt/sources.list.d/cfgreport-deb-src.list
		rm -f "$tmp.list"
	fi
	$SUDO cp "$tmp" "$list"
	rm -f "$tmp"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
fi
mkdir -p "$dir"
cd "$dir"
for p in $PKGS; do
	[ -f "$p.dir" ] && [ -d "$(cat "$p.dir")" ] && continue
	apt-get source -qq "$p" >/dev/null 2>&1 || apt-get source "$p"
	# The unpacked tree: "<source>-<upstream version>".
	d=$(ls -d "$p"-[0-9]*/ 2>/dev/null | sed 's,/$,,' | sort -V | tail -1)
	[ -n "$d" ] || { echo "sources: no tree for $p" >&2; exit 1; }
	echo "$d" >"$p.dir"
done

# Debian builds its GnuTLS and NSS flavours of libcurl by the last two
# patches of the series; its OpenSSL build pops them first, and so do we.
# Then regenerate the build system as dh does (wolfssl ships none).
for p in $PKGS; do
	d=$(cat "$p.dir")
	[ -f "$d/.cfgreport-ready" ] && continue
	if [ "$p" = curl ] && [ -d "$d/.pc/99_nss.patch" ]; then
		(cd "$d" && patch -s -R -p1 <debian/patches/99_nss.patch &&
		    patch -s -R -p1 <debian/patches/90_gnutls.patch &&
		    rm -rf .pc/99_nss.patch .pc/90_gnutls.patch)
	fi
	if [ "$p" = cmocka ]; then
		: # CMake
	elif [ "$p" = mxml ]; then
		(cd "$d" && autoconf -f) >/dev/null
	else
		(cd "$d" && autoreconf -fi) >/dev/null 2>&1 ||
		    (cd "$d" && autoreconf -fi)
	fi
	: >"$d/.cfgreport-ready"
done
