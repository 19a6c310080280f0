#!/bin/sh
# Builds cfgreportd and cfgreportctl into BUILDDIR statically against the
# device libraries (tests/device/libs.sh) built from Debian's source
# packages, and strips them. HOST (a GNU triplet) makes a cross build;
# CC=musl-gcc a musl one. Beside the programs, the test programs the peer
# scripts drive (tests/receiver, tests/transfer_drive), and with UNIT=1
# every unit test (cmocka, static, from its Debian source too).
# Usage: sh tests/device/build.sh BUILDDIR [HOST]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bdir=$1 host=${2:-}
jobs=${JOBS:-2}
src=${CFGREPORT_DEVICE_SRC:-$top/build-src}
mkdir -p "$bdir"
bdir=$(cd "$bdir" && pwd)

sh "$top/tests/device/sources.sh" "$src"
WITH_CMOCKA=1
export WITH_CMOCKA
nice sh "$top/tests/device/libs.sh" "$src" "$bdir/libs-src" "$bdir/libs" "$host"

cd "$top"
if [ ! -x configure ] || [ configure -ot configure.ac ] ||
    [ Makefile.in -ot Makefile.am ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
cd "$bdir"
hostflag= strip=strip
[ -z "$host" ] || { hostflag="--host=$host"; strip=$host-strip; }
# Debian's musl-gcc sees musl's headers only; the kernel's (linux/, asm/)
# are libc-independent: give it those of linux-libc-dev.
cppflags=
case ${CC:-} in
*musl-gcc*)
	mkdir -p kernel-headers
	ln -sfn /usr/include/linux kernel-headers/linux
	ln -sfn /usr/include/asm-generic kernel-headers/asm-generic
	ln -sfn "/usr/include/$(gcc -print-multiarch)/asm" kernel-headers/asm
	cppflags="-isystem $bdir/kernel-headers"
	;;
esac
# pkg-config --static: the archives' own dependencies (curl's -lwolfssl
# -lm); PKG_CONFIG_LIBDIR: our .pc files only, never the machine's.
"$top/configure" -q --enable-werror $hostflag \
    PKG_CONFIG="pkg-config --static" \
    PKG_CONFIG_LIBDIR="$bdir/libs/lib/pkgconfig" PKG_CONFIG_PATH= \
    CPPFLAGS="$cppflags" \
    CFLAGS="-Os -ffunction-sections -fdata-sections" >configure.log 2>&1 ||
    { tail -30 config.log; exit 1; }
sed -n 's/^configure:[0-9]*: \(libcurl TLS backend: .*\)/# \1/p' config.log | tail -1
# -all-static: libtool links the programs with -static.
# A link map per program (PROGRAM.map): tests/device/sizes.sh reads it.
static='-all-static -Wl,--gc-sections -Wl,-Map=$@.map'
progs="cfgreportd cfgreportctl tests/receiver tests/transfer_drive"
# Relinked every time: make does not see the archives change.
rm -f $progs
if [ -n "${UNIT:-}" ]; then
	# The unit tests: TESTS without an extension (the .sh are scripts).
	units=$(printf 'print:\n\t@echo $(TESTS)\n' |
	    make -s -f Makefile -f - print | tr ' ' '\n' | grep -v '\.')
	echo "$units" >units.list
	progs="$progs tests/agent_host $units"
fi
nice make -j"$jobs" LDFLAGS="$static" $progs >make.log 2>&1 ||
    { tail -40 make.log; exit 1; }
for p in cfgreportd cfgreportctl; do
	cp "$p" "$p.unstripped"
	$strip "$p"
done
ls -l cfgreportd cfgreportctl | awk '{ print "# " $9 ": " $5 " bytes, stripped, static" }'
