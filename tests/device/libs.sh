#!/bin/sh
# Builds the four libraries of the device build -- wolfSSL, libcurl (HTTP,
# HTTPS and TFTP over wolfSSL, nothing else), libevent's core and Mini-XML --
# as static archives from Debian's source packages (tests/device/sources.sh)
# and installs them under PREFIX. HOST is a GNU triplet for a cross build
# (its compiler HOST-gcc), or empty for this machine; CC overrides the
# compiler (musl-gcc). A library already installed under PREFIX is kept.
# Usage: sh tests/device/libs.sh SRCDIR WORKDIR PREFIX [HOST]
# The flags below are the ones docs/device.md gives to vendors.
set -eu
src=$1 work=$2 prefix=$3 host=${4:-}
mkdir -p "$work" "$prefix"
work=$(cd "$work" && pwd) prefix=$(cd "$prefix" && pwd)
src=$(cd "$src" && pwd)
jobs=${JOBS:-2}

hostflag=
[ -z "$host" ] || hostflag="--host=$host"
[ -n "${CC:-}" ] || { [ -z "$host" ] && CC=gcc || CC=$host-gcc; }
export CC
CFLAGS=${CFLAGS:--Os -ffunction-sections -fdata-sections}
export CFLAGS
# Only our own .pc files, never the build machine's.
PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig
PKG_CONFIG_PATH=
export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH

# Libraries built by another version of this script are built again.
stamp="$(cksum <"$0") ${CC} ${CFLAGS}"
if [ "$(cat "$prefix/.stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -f "$prefix"/.done-*
	printf '%s\n' "$stamp" >"$prefix/.stamp"
fi

makeargs=
# lib NAME CONFIGURE-ARGS...: copy the tree, configure, build, install.
lib() {
	name=$1; shift
	[ -f "$prefix/.done-$name" ] && return 0
	tree=$(cat "$src/$name.dir")
	rm -rf "$work/$name"
	cp -a "$src/$tree" "$work/$name"
	echo "libs: $name ($tree) for ${host:-build machine}, CC=$CC"
	(cd "$work/$name" &&
	    ./configure -q $hostflag --prefix="$prefix" "$@" >build.log 2>&1 &&
	    make -j"$jobs" $makeargs >>build.log 2>&1 &&
	    make install $makeargs >>build.log 2>&1) ||
	    { tail -30 "$work/$name/build.log" >&2; echo "libs: $name failed" >&2; exit 1; }
	: >"$prefix/.done-$name"
}

# TLS 1.2 and 1.3 with SNI, verification (IP addresses in subjectAltName
# too: provisioning servers are often named by address) and client
# certificates, the
# OpenSSL-compatible layer curl uses (--enable-curl), and the primitives
# of our payload crypto: EVP_BytesToKey/AES-256-CBC (osslenc.c), AES-GCM
# and HKDF (ece.c), SHA-256, MD5, HMAC and the RNG.
lib wolfssl --enable-static --disable-shared --enable-curl \
    --enable-tls13 --enable-sni --enable-aesgcm --enable-aescbc \
    --enable-hkdf --enable-md5 --enable-ip-alt-name \
    --disable-oldtls --disable-examples --disable-crypttests \
    --disable-benchmark --disable-asm --disable-jobserver \
    --disable-crl-monitor
# HTTP, HTTPS and TFTP over wolfSSL; no other protocol, TLS library or
# codec. LIBS=-lm: curl's wolfSSL probe links the static library, which
# needs pow() and log().
lib curl --enable-static --disable-shared --with-wolfssl="$prefix" \
    --without-openssl --without-gnutls --without-nss --without-mbedtls \
    --without-zlib --without-brotli --without-zstd --without-nghttp2 \
    --without-nghttp3 --without-ngtcp2 --without-libssh2 --without-libssh \
    --without-librtmp --without-libidn2 --without-libpsl --without-libgsasl \
    --without-gssapi --disable-ldap --disable-ldaps --disable-rtsp \
    --disable-dict --disable-telnet --disable-pop3 --disable-imap \
    --disable-smb --disable-smtp --disable-gopher --disable-mqtt \
    --disable-ftp --disable-file --disable-manual --disable-ntlm-wb \
    --enable-http --enable-tftp \
    --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --without-ca-path \
    LIBS=-lm
# The core only: no OpenSSL bufferevents, no samples or regression tests;
# the agent is one thread.
lib libevent --enable-static --disable-shared --disable-openssl \
    --disable-libevent-regress --disable-samples --disable-debug-mode \
    --disable-thread-support
# Debian's 08_cross.patch names a "linmxml.a" among the cross targets.
makeargs=CROSSTARGETS=libmxml.a
lib mxml --disable-shared --disable-threads

# cmocka, for the unit tests of a cross build (not linked by the agent).
if [ -n "${WITH_CMOCKA:-}" ] && [ ! -f "$prefix/.done-cmocka" ]; then
	tree=$(cat "$src/cmocka.dir")
	rm -rf "$work/cmocka" && mkdir -p "$work/cmocka"
	echo "libs: cmocka ($tree) for ${host:-build machine}, CC=$CC"
	sysname=
	[ -z "$host" ] || sysname=-DCMAKE_SYSTEM_NAME=Linux
	(cd "$work/cmocka" &&
	    cmake -S "$src/$tree" -B . $sysname -DCMAKE_C_COMPILER="$CC" \
	    -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
	    -DWITH_STATIC_LIB=ON -DBUILD_SHARED_LIBS=OFF -DWITH_EXAMPLES=OFF \
	    -DUNIT_TESTING=OFF >build.log 2>&1 &&
	    make -j"$jobs" >>build.log 2>&1 && make install >>build.log 2>&1) ||
	    { tail -30 "$work/cmocka/build.log" >&2; echo "libs: cmocka failed" >&2; exit 1; }
	# The static archive alone, so programs link it into themselves.
	rm -f "$prefix"/lib/libcmocka.so*
	mv "$prefix/lib/libcmocka-static.a" "$prefix/lib/libcmocka.a"
	: >"$prefix/.done-cmocka"
fi
