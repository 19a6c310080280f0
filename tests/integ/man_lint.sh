#!/bin/sh
# The manual pages (man/*.in, substituted by configure) pass mandoc's lint
# at warning level and above.  Its style notes are left out: they include
# "referenced manual not found" for our own pages, which are not
# installed while make check runs.
set -u
. "$(dirname "$0")/lib.sh"
need mandoc
for p in cfgreportd.8 cfgreportctl.1 libcfgreport.3 cfgreport-profile.5 \
    cfgreport-fleet.1; do
	f=$top_builddir/man/$p
	out=$(mandoc -T lint -W warning "$f" 2>&1)
	[ -z "$out" ] && ok "mandoc -T lint $p" || not_ok "mandoc -T lint $p: $out"
done
finish
