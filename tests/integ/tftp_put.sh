#!/bin/sh
# TFTP write requests into a real tftpd-hpa (in.tftpd --create --secure)
# on a free 127.0.0.1 UDP port: the stored file is the body, for sizes on
# both sides of the 512-byte block; a server error is a failure.  Then
# servers that refuse RFC 2347 options: atftpd --no-tsize --no-blksize
# --no-timeout (an empty OACK) and peer.py's (ERROR 8): the upload goes
# again as a plain RFC 1350 write request (docs/transfer.md).
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

# A plain RFC 1350 write request on demand (transfer_req.tftp_plain).
upload tftp_plain --tftp-plain "tftp://127.0.0.1:$port/plain.bin" "$tmp/r1024.bin"
check tftp_plain '[ "$(field ok)" = 1 ] && cmp -s "$tmp/r1024.bin" "$root/plain.bin"'

# peer.py answers options with ERROR 8 and takes a plain request: one
# refused request with options, then the plain one, stored.
refroot=$tmp/refroot
mkdir -p "$refroot"
spawn python3 "$peer_py" tftp-refuse "$tmp/refuse.port" "$refroot"
wait_file "$tmp/refuse.port" || exit 1
refuse=$(cat "$tmp/refuse.port")
upload tftp_err8_fallback "tftp://127.0.0.1:$refuse/r.bin" "$tmp/r1024.bin"
check tftp_err8_fallback '[ "$(field ok)" = 1 ] &&
    cmp -s "$tmp/r1024.bin" "$refroot/r.bin" &&
    [ "$(grep -c "^wrq r.bin options=tsize,1024,blksize,512,.*: refused\$" "$tmp/refuse.port.log")" = 1 ] &&
    [ "$(grep -c "^wrq r.bin plain\$" "$tmp/refuse.port.log")" = 1 ]'
upload tftp_plain_only --tftp-plain "tftp://127.0.0.1:$refuse/p.bin" "$tmp/r100.bin"
check tftp_plain_only '[ "$(field ok)" = 1 ] && cmp -s "$tmp/r100.bin" "$refroot/p.bin" &&
    ! grep -q "^wrq p.bin options" "$tmp/refuse.port.log"'

# One that refuses everything with ERROR 8: the error says so (it read
# "aborted by an application callback (curl error 42)" before).
spawn python3 "$peer_py" tftp-refuse "$tmp/refall.port" -
wait_file "$tmp/refall.port" || exit 1
refall=$(cat "$tmp/refall.port")
upload tftp_err8 "tftp://127.0.0.1:$refall/r.bin" "$tmp/r100.bin"
check tftp_err8 '[ "$(field ok)" = 0 ] && [ "$(field curl)" = 42 ] &&
    grep -q "error=TFTP: the server refused the request (error code 8, options refused, or another beyond RFC 1350) (curl error 42), sent without options after the server refused them\$" "$tmp/tftp_err8.out"'

# atftpd with every option turned off answers an empty OACK; curl 7.88
# cannot use it ("Couldn't connect to server" before the fallback).
atftpd=${CFGREPORT_ATFTPD:-$top_srcdir/tests/atftpd/usr/sbin/atftpd}
if [ -x "$atftpd" ]; then
	aroot=$tmp/atftproot
	mkdir -p "$aroot"
	chmod 777 "$aroot"
	aport=$(free_port udp)
	spawn $asroot "$atftpd" --daemon --no-fork --port "$aport" \
	    --bind-address 127.0.0.1 --no-tsize --no-blksize --no-timeout \
	    --user root --group root --logfile "$tmp/atftpd.log" "$aroot"
	python3 "$peer_py" tftp-ready "$aport" ||
	    { not_ok "atftpd never answered on port $aport"; finish; exit 1; }
	for size in 100 1024 200000; do
		upload "atftpd_$size" "tftp://127.0.0.1:$aport/a$size.bin" \
		    "$tmp/r$size.bin"
		check "atftpd_$size" '[ "$(field ok)" = 1 ] &&
		    [ "$(field bytes)" = "$size" ] &&
		    cmp -s "$tmp/r$size.bin" "$aroot/a$size.bin"'
	done
elif [ -n "${CI:-}" ]; then
	not_ok "atftpd: $atftpd is missing (.ci/deps unpacks it)"
else
	echo "# atftpd not unpacked (sh .ci/deps): its checks skipped"
fi

finish
