#!/bin/sh
# libcfgreport's symbol hygiene (docs/library.md): only cfgreport_* is
# global in the static archive and exported from the shared library (when
# built), and tests/host.c — which defines b64_encode, rule_parse,
# store_open, transfer_start, params_new and log_info of its own — links
# against the public library and runs, as C and as C++.
set -u
. "$(dirname "$0")/lib.sh"
b=$top_builddir

# The defined global symbols that are not cfgreport_*.
stray() { awk 'NF == 3 && $3 !~ /^cfgreport_/ { print $3 }' | sort -u; }

a=$b/.libs/libcfgreport.a
n=$(nm -g --defined-only "$a" | grep -c ' T cfgreport_')
[ "$n" -ge 10 ] && ok "$n cfgreport_ functions in libcfgreport.a" ||
    not_ok "only $n cfgreport_ functions in $a"
s=$(nm -g --defined-only "$a" | stray)
[ -z "$s" ] && ok "nothing else global in libcfgreport.a" ||
    not_ok "globals beside cfgreport_* in $a:" $s
for so in "$b"/.libs/libcfgreport.so.*; do
	[ -f "$so" ] && [ ! -h "$so" ] || continue
	s=$(nm -D --defined-only "$so" | stray)
	[ -z "$s" ] && ok "nothing else exported from ${so##*/}" ||
	    not_ok "exported beside cfgreport_* from $so:" $s
done
for h in host_c host_cxx; do
	mkdir "$tmp/$h"
	out=$("$b/tests/$h" "$tmp/$h" 2>&1)
	[ "$out" = "host: ok" ] && ok "$h links beside the library and runs" ||
	    not_ok "$h: $out"
done
finish
