#!/bin/sh
# TFTP write requests into a real tftpd-hpa (in.tftpd --create --secure)
# on a free 127.0.0.1 UDP port: the stored file is the body, for sizes on
# both sides of the 512-byte block; a server error is a failure.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
need in.tftpd
need python3

# in.tftpd chroots (--secure) and switches user, which takes root; it runs
# as root throughout (--user root) so it can write into our private dir.
if [ "$(id -u)" -eq 0 ]; then
	asroot=
elif sudo -n true 2>/dev/null; then
	asroot="sudo -n"
elif [ -n "${CI:-}" ]; then
	echo "in.tftpd needs root: run as root or with password-less sudo"
	exit 1
else
	echo "SKIP: in.tftpd needs root"; exit 77
fi

root=$tmp/tftproot
mkdir -p "$root"
port=$(free_port udp)
spawn $asroot in.tftpd --foreground --listen --address "127.0.0.1:$port" \
    --create --secure --user root "$root"
python3 "$peer_py" tftp-ready "$port" ||
    { not_ok "in.tftpd never answered on port $port"; finish; exit 1; }

# 100 bytes: one short block; 1024: two full blocks and an empty one;
# 200000: 391 blocks.
for size in 100 1024 200000; do
	body "$tmp/r$size.bin" "$size"
	upload "tftp_$size" -T 20 "tftp://127.0.0.1:$port/r$size.bin" \
	    "$tmp/r$size.bin"
	check "tftp_$size" '[ "$rc" = 0 ] && [ "$(field ok)" = 1 ] &&
	    [ "$(field http)" = 0 ] && [ "$(field bytes)" = "$size" ] &&
	    cmp -s "$tmp/r$size.bin" "$root/r$size.bin" &&
	    grep -qx "idle_events=0" "$tmp/tftp_$size.out"'
done

# Overwriting is allowed (the same report name every time).
upload tftp_again "tftp://127.0.0.1:$port/r1024.bin" "$tmp/r100.bin"
check tftp_again '[ "$(field ok)" = 1 ] && cmp -s "$tmp/r100.bin" "$root/r1024.bin"'

# Two at once on one loop.
upload tftp_parallel "tftp://127.0.0.1:$port/p1.bin" "$tmp/r200000.bin" \
    "tftp://127.0.0.1:$port/p2.bin" "$tmp/r1024.bin"
check tftp_parallel '[ "$rc" = 0 ] &&
    cmp -s "$tmp/r200000.bin" "$root/p1.bin" && cmp -s "$tmp/r1024.bin" "$root/p2.bin"'

# --create makes files, not folders: the server's error is our failure,
# with curl's TFTP reason in the text.
upload tftp_nodir "tftp://127.0.0.1:$port/no/such/dir.bin" "$tmp/r100.bin"
check tftp_nodir '[ "$rc" = 1 ] && [ "$(field ok)" = 0 ] && [ "$(field curl)" != 0 ] &&
    grep -q "error=TFTP" "$tmp/tftp_nodir.out" && [ ! -e "$root/no" ]'

# No TFTP server on the port: a time-out within the bound we set.
dead=$(free_port udp)
upload tftp_dead -T 2 "tftp://127.0.0.1:$dead/r.bin" "$tmp/r100.bin"
check tftp_dead '[ "$(field ok)" = 0 ] && [ "$(field curl)" = 28 ] &&
    awk -v s="$(field seconds)" "BEGIN { exit !(s >= 1.9 && s < 4) }"'

finish
