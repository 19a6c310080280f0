#!/bin/sh
# One full report round over HTTPS, side by side: the heap of the device
# build (static, wolfSSL) and of the Debian-linked build (libcurl on
# OpenSSL), each through its tests/bench/bench_round_heap, uploading the
# 2,000-parameter profile (tests/bench/gen_profile.sh) encrypted with
# --key to nginx over TLS on 127.0.0.1 with a private CA.
#   DEVICE=build-device DEBIAN=build sh tests/device/round_tls.sh
# The device program is linked with --allow-multiple-definition: its
# counting malloc replaces static glibc's (tests/device/build.sh does not
# build it; this script does).
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=${DEVICE:-$top_srcdir/build-device}
debian=${DEBIAN:-$top_srcdir/build}
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
need nginx
(cd "$top_builddir" && make -s LDFLAGS='-all-static -Wl,--gc-sections -Wl,--allow-multiple-definition' \
    tests/bench/bench_round_heap >/dev/null 2>&1) || { echo "no device bench_round_heap"; exit 1; }
(cd "$debian" && make -s tests/bench/bench_round_heap >/dev/null 2>&1) ||
    { echo "no Debian bench_round_heap"; exit 1; }

pki=$tmp/pki ngx=$tmp/nginx www=$tmp/www
mkdir -p "$pki" "$ngx" "$www/up"
make_pki "$pki" || exit 1
tls=$(free_port)
cat >"$ngx/nginx.conf" <<CONF
daemon off;
master_process off;
pid $ngx/nginx.pid;
error_log $ngx/error.log info;
events { worker_connections 64; }
http {
	access_log $ngx/access.log;
	client_body_temp_path $ngx/body;
	client_max_body_size 8m;
	root $www;
	server {
		listen 127.0.0.1:$tls ssl;
		ssl_certificate_key $pki/localhost.key;
		ssl_certificate $pki/localhost.pem;
		location /up/ { dav_methods PUT; create_full_put_path on; }
	}
}
CONF
spawn nginx -p "$ngx" -e "$ngx/error.log" -c "$ngx/nginx.conf"
wait_tcp "$tls" || exit 1
sh "$top_srcdir/tests/bench/gen_profile.sh" 1 |
    sed "s,http://127.0.0.1:1/,https://127.0.0.1:$tls/up/,g" >"$tmp/profile.xml"
grep -q "https://127.0.0.1:$tls/up/" "$tmp/profile.xml" || { echo "profile?"; exit 1; }

for b in device debian; do
	[ "$b" = device ] && dir=$top_builddir || dir=$debian
	rm -rf "$tmp/state-$b"
	echo "== $b build ($dir)"
	BENCH_CA_FILE=$pki/ca.pem "$dir/tests/bench/bench_round_heap" round \
	    "$tmp/profile.xml" "$tmp/state-$b" >"$tmp/$b.out" 2>&1
	grep -E "^(round|heap|end):" "$tmp/$b.out" ||
	    { sed "s/^/# /" "$tmp/$b.out"; failures=$((failures + 1)); }
done
[ "$failures" -eq 0 ]
