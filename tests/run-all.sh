#!/bin/sh
# Builds cfgreport and runs every test:
#   1. a -Werror build and `make check` (unit and integration tests);
#   2. the same under -fsanitize=address,undefined;
#   3. each libFuzzer harness for a short smoke run;
#   4. `make distcheck` (with `make installcheck` on its install);
#   5. the Debian packages: built, lintian, installed, smoke-tested,
#      purged (tests/package.sh; needs root or sudo);
#   6. the device build and its peer tests (tests/device.sh), on glibc
#      and on musl, and the cross builds for armhf, s390x and mipsel
#      under qemu-user (tests/cross.sh).
# Ends with one line "N passed, N failed" (test programs and phases).
# FUZZ_SECONDS (default 20) sets the length of each fuzz run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0
log=$top/tests/run-all.log
: >"$log"
# npm test peers live in the checkout (installed by .ci/deps); distcheck's
# read-only copy of the sources has none, so point every run here.
CFGREPORT_NPM=$top/tests/npm
export CFGREPORT_NPM
# Likewise atftpd, unpacked by .ci/deps (its package conflicts with
# tftpd-hpa's).
CFGREPORT_ATFTPD=$top/tests/atftpd/usr/sbin/atftpd
export CFGREPORT_ATFTPD

note() { printf '%s\n' "$*" | tee -a "$log"; }

# phase NAME COMMAND...: one counted step that is not a test suite.
phase() {
	name=$1; shift
	if "$@" >>"$log" 2>&1; then
		passed=$((passed + 1)); note "PASS: $name"
	else
		failed=$((failed + 1)); note "FAIL: $name (see $log)"
	fi
}

# suite DIR: run make check in DIR and add its counts.
suite() {
	dir=$1
	out=$(cd "$dir" && make -j"$jobs" check 2>&1)
	rc=$?
	printf '%s\n' "$out" >>"$log"
	printf '%s\n' "$out" | grep -E '^(PASS|FAIL|XPASS|ERROR):'
	p=$(printf '%s\n' "$out" | sed -n 's/^# PASS: *//p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^# FAIL: *//p' | tail -1)
	e=$(printf '%s\n' "$out" | sed -n 's/^# ERROR: *//p' | tail -1)
	if [ -z "$p" ]; then
		note "FAIL: make check in $dir did not run (see $log)"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + p))
	failed=$((failed + ${f:-0} + ${e:-0}))
	[ "$rc" -eq 0 ] || [ "${f:-0}${e:-0}" != 00 ] ||
	    { failed=$((failed + 1)); note "FAIL: make check in $dir exited $rc"; }
}

build() {
	dir=$1; shift
	rm -rf "$dir" && mkdir -p "$dir" &&
	(cd "$dir" && "$top/configure" --enable-werror "$@" && make -j"$jobs")
}

phase autoreconf autoreconf -fi
phase build build "$top/build"
[ -x build/cfgreportd ] && suite build

# CXXFLAGS too: tests/host_cxx links the instrumented library.
san="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
phase "asan+ubsan build" build "$top/build-asan" CFLAGS="$san" CXXFLAGS="$san"
[ -x build-asan/cfgreportd ] && ASAN_OPTIONS=detect_leaks=1 suite build-asan

for h in $(sh tests/fuzz/run.sh --list); do
	phase "fuzz $h" sh tests/fuzz/run.sh "$h" "${FUZZ_SECONDS:-20}"
done

phase distcheck sh -c "cd build && make -j$jobs distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror"

phase "debian package" sh tests/package.sh

# scripted NAME COMMAND...: a script that ends with "N passed, N failed";
# its counts are added, and a non-zero exit without a failure counts one.
scripted() {
	name=$1; shift
	t0=$(date +%s)
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" >>"$log"
	printf '%s\n' "$out" | grep -E '^(FAIL|SKIP):' | sed "s|^|$name: |"
	sum=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
	p=${sum%% passed*}
	f=${sum#*passed, }
	f=${f%% failed*}
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ -z "$sum" ] || { [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
		failed=$((failed + 1))
		note "FAIL: $name exited $rc (see $log)"
	else
		note "$name: ${sum:-no summary} ($(($(date +%s) - t0)) s)"
	fi
}

# The static wolfSSL-only device build and the cross builds under
# qemu-user (docs/device.md); their libraries come from Debian's source
# packages, fetched once into build-src/ and shared by all four.
scripted "device build" sh tests/device.sh
scripted "device build, musl" env CC=musl-gcc BUILD_DEVICE=build-musl \
    sh tests/device.sh
for arch in armhf s390x mipsel; do
	scripted "cross $arch" sh tests/cross.sh "$arch"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
