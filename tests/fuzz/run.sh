#!/bin/sh
# libFuzzer harnesses for the parsers and decoders in proto/.
#   sh tests/fuzz/run.sh --list          names of the harnesses
#   sh tests/fuzz/run.sh NAME [SECONDS]  build tests/fuzz/fuzz_NAME.c with
#                                        clang -fsanitize=fuzzer,address,undefined
#                                        and run it (default 20 s) on a copy
#                                        of its seed corpus
# Needs a configured build tree for config.h: BUILD (default ./build).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
fuzzdir=$top/tests/fuzz

if [ "${1:-}" = --list ]; then
	for f in "$fuzzdir"/fuzz_*.c; do
		[ -e "$f" ] || continue
		n=${f##*/fuzz_}; echo "${n%.c}"
	done
	exit 0
fi

name=${1:?usage: run.sh --list | NAME [SECONDS]}
secs=${2:-20}
build=${BUILD:-$top/build}
[ -f "$build/config.h" ] || { echo "run.sh: no $build/config.h: configure first" >&2; exit 2; }
out=${FUZZ_OUT:-$build/fuzz}
mkdir -p "$out/corpus-$name"
[ -d "$fuzzdir/corpus/$name" ] && cp -R "$fuzzdir/corpus/$name/." "$out/corpus-$name/"

# shellcheck disable=SC2046
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I"$build" -I"$top/proto" $(pkg-config --cflags mxml wolfssl) \
    -o "$out/fuzz_$name" "$fuzzdir/fuzz_$name.c" "$top"/proto/*.c \
    $(pkg-config --libs mxml wolfssl)
"$out/fuzz_$name" -max_total_time="$secs" -max_len=70000 -rss_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$out/$name-" "$out/corpus-$name"
