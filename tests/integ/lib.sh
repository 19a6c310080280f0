# Shared by the integration scripts: paths, a private temp dir, checks.
# Sourced; sets top_builddir/top_srcdir when run by hand from the tree.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfgreport-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

ok() { checks=$((checks + 1)); echo "ok - $*"; }
not_ok() { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok - $*"; }

# A peer program the test needs: missing is a failure under CI, a skip
# (exit 77) on a developer's machine.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ -n "${CI:-}" ]; then
		echo "missing $1: .ci/deps installs it"; exit 1
	fi
	echo "SKIP: missing $1"; exit 77
}

finish() {
	echo "$checks checks, $failures failed"
	[ "$failures" -eq 0 ]
}
