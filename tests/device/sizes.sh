#!/bin/sh
# The share of each library in a static program of the device build, from
# the link map the build writes beside it (PROGRAM.map): the bytes of the
# sections each archive brought in (allocated sections that occupy the
# file; .bss and the like are counted apart), and the stripped size.
#   sh tests/device/sizes.sh build-device/cfgreportd
set -eu
prog=$1
map=$prog.map
[ -f "$map" ] || { echo "sizes.sh: no $map" >&2; exit 2; }
echo "$prog: $(stat -c %s "$prog") bytes (as built; stripped by tests/device/build.sh)"
awk '
/^Linker script and memory map/ { m = 1; next }
!m { next }
# " .sect  0xADDR  0xSIZE  FILE" or " .sect" then "  0xADDR 0xSIZE FILE".
/^ \.[^ ]+$/ { sect = $1; next }
/^ \.[^ ]+ +0x[0-9a-f]+ +0x[0-9a-f]+ / { sect = $1; addr = $2; size = $3; file = $4; add(); next }
/^ +0x[0-9a-f]+ +0x[0-9a-f]+ [^ ]/ && sect != "" { addr = $1; size = $2; file = $3; add(); sect = ""; next }
function hex(s,   i, n) {
	n = 0
	for (i = 3; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
function add(   lib, n) {
	if (addr == "0x0000000000000000" || addr == "0x00000000") return
	n = hex(size)
	lib = file
	if (lib ~ /\(/) sub(/\(.*/, "", lib)
	sub(/.*\//, "", lib)
	if (lib ~ /^(crt|libgcc|libc_nonshared)/ || lib ~ /^crt.*\.o$/) lib = "libc.a"
	if (lib ~ /\.o$/ || lib ~ /^libcfgreport/) lib = "cfgreport"
	if (sect ~ /^\.(bss|tbss)/ || sect == "COMMON") bss[lib] += n
	else { bytes[lib] += n; total += n }
}
END {
	for (l in bytes) printf "%-18s %9d bytes %5.1f %%  (+%d bss)\n", l, bytes[l], 100 * bytes[l] / total, bss[l] | "sort -k2 -nr"
	close("sort -k2 -nr")
	printf "%-18s %9d bytes\n", "total", total
}' "$map"
