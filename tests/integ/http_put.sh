#!/bin/sh
# HTTP(S) PUT into a real nginx (dav_methods PUT) on free 127.0.0.1 ports:
# the stored file is the body; 503 and 301 are failures; HTTPS verifies the
# CA and the host name and presents a client certificate; Basic is used
# inside TLS and never offered credentials over plain HTTP.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
need nginx
need openssl
need python3
need nc

pki=$tmp/pki ngx=$tmp/nginx www=$tmp/www
mkdir -p "$pki" "$ngx" "$www/up" "$www/basic"

# --- a throw-away PKI: CAs, server certificates, a client certificate.
make_pki "$pki" &&
pki_cert "$pki" other.example ca "subjectAltName=DNS:other.example
extendedKeyUsage=serverAuth" &&
pki_cert "$pki" phone ca "extendedKeyUsage=clientAuth" ||
    { sed 's/^/# /' "$pki/log"; echo "openssl could not make the test PKI"; exit 1; }
# The client key and certificate in one PEM file, as devices often ship.
cat "$pki/phone.pem" "$pki/phone.key" >"$pki/phone-both.pem"
# An htpasswd entry for auth_basic.
printf 'phone:%s\n' "$(openssl passwd -apr1 'b4sic-pw')" >"$ngx/htpasswd"

http=$(free_port) tls=$(free_port) other=$(free_port) mtls=$(free_port)

# Every request's headers that matter here, one line each.
cat >"$ngx/nginx.conf" <<EOF
# One process, in the foreground, as whoever runs the test: no worker
# user to switch to, nothing outside \$tmp.
daemon off;
master_process off;
pid $ngx/nginx.pid;
error_log $ngx/error.log info;
events { worker_connections 64; }
http {
	log_format req '\$server_port \$request_method \$uri \$status '
	    'ct="\$content_type" ce="\$http_content_encoding" '
	    'expect="\$http_expect" auth="\$http_authorization" '
	    'len=\$content_length';
	access_log $ngx/access.log req;
	client_body_temp_path $ngx/body;
	proxy_temp_path $ngx/proxy;
	fastcgi_temp_path $ngx/fastcgi;
	uwsgi_temp_path $ngx/uwsgi;
	scgi_temp_path $ngx/scgi;
	root $www;
	ssl_certificate_key $pki/localhost.key;
	ssl_certificate $pki/localhost.pem;

	server {
		listen 127.0.0.1:$http;
		location /up/ { dav_methods PUT; create_full_put_path on; }
		location /busy/ { return 503; }
		location /moved/ { return 301 http://127.0.0.1:$http/up/moved.bin; }
		location /basic/ {
			auth_basic "cfgreport"; auth_basic_user_file $ngx/htpasswd;
			dav_methods PUT; create_full_put_path on;
		}
	}
	server {
		listen 127.0.0.1:$tls ssl;
		location /up/ { dav_methods PUT; create_full_put_path on; }
		location /basic/ {
			auth_basic "cfgreport"; auth_basic_user_file $ngx/htpasswd;
			dav_methods PUT; create_full_put_path on;
		}
	}
	server {
		listen 127.0.0.1:$other ssl;
		ssl_certificate_key $pki/other.example.key;
		ssl_certificate $pki/other.example.pem;
		location /up/ { dav_methods PUT; create_full_put_path on; }
	}
	server {
		listen 127.0.0.1:$mtls ssl;
		ssl_client_certificate $pki/ca.pem;
		ssl_verify_client on;
		location /up/ { dav_methods PUT; create_full_put_path on; }
	}
}
EOF
spawn nginx -p "$ngx" -e "$ngx/error.log" -c "$ngx/nginx.conf"
for p in $http $tls $other $mtls; do
	wait_tcp "$p" || { cat "$ngx/error.log"; exit 1; }
done

body "$tmp/report.bin" 70000
body "$tmp/small.bin" 1000

# --- plain HTTP
upload put "http://127.0.0.1:$http/up/dir/report.bin" "$tmp/report.bin"
check put '[ "$rc" = 0 ] && [ "$(field ok)" = 1 ] && [ "$(field http)" = 201 ] &&
    [ "$(field bytes)" = 70000 ] && cmp -s "$tmp/report.bin" "$www/up/dir/report.bin"'

# Overwriting an existing report is a 204, still a success.
upload overwrite "http://127.0.0.1:$http/up/dir/report.bin" "$tmp/small.bin"
check overwrite '[ "$(field ok)" = 1 ] && [ "$(field http)" = 204 ] &&
    cmp -s "$tmp/small.bin" "$www/up/dir/report.bin"'

# What nginx saw: our Content-Type and Content-Encoding, no Expect, the
# whole length, no credentials.
upload headers -t application/octet-stream -e aes128gcm \
    "http://127.0.0.1:$http/up/enc.bin" "$tmp/small.bin"
line=$(grep "PUT /up/enc.bin" "$ngx/access.log")
check headers '[ "$(field ok)" = 1 ] &&
    [ "$line" = "$http PUT /up/enc.bin 201 ct=\"application/octet-stream\" ce=\"aes128gcm\" expect=\"-\" auth=\"-\" len=1000" ]'
[ -n "$line" ] && echo "# $line"

# An empty report is still a report.
: >"$tmp/empty.bin"
upload empty "http://127.0.0.1:$http/up/empty.bin" "$tmp/empty.bin"
check empty '[ "$(field ok)" = 1 ] && [ -f "$www/up/empty.bin" ] &&
    [ ! -s "$www/up/empty.bin" ]'

upload busy "http://127.0.0.1:$http/busy/report.bin" "$tmp/small.bin"
check busy '[ "$rc" = 1 ] && [ "$(field ok)" = 0 ] &&
    [ "$(field http)" = 503 ] && [ "$(field curl)" = 0 ] &&
    grep -q "error=HTTP 503\$" "$tmp/busy.out"'

# Redirects are not followed: a 3xx fails and nothing lands anywhere.
upload moved "http://127.0.0.1:$http/moved/report.bin" "$tmp/small.bin"
check moved '[ "$(field ok)" = 0 ] && [ "$(field http)" = 301 ] &&
    [ ! -e "$www/up/moved.bin" ]'

# Several at once on one loop, each to its own file.
upload parallel "http://127.0.0.1:$http/up/p1.bin" "$tmp/report.bin" \
    "http://127.0.0.1:$http/up/p2.bin" "$tmp/small.bin" \
    "http://127.0.0.1:$http/up/p3.bin" "$tmp/report.bin"
check parallel '[ "$rc" = 0 ] && [ "$(grep -c "^result .* ok=1 " "$tmp/parallel.out")" = 3 ] &&
    cmp -s "$tmp/report.bin" "$www/up/p1.bin" &&
    cmp -s "$tmp/small.bin" "$www/up/p2.bin" &&
    cmp -s "$tmp/report.bin" "$www/up/p3.bin" &&
    grep -qx "idle_events=0" "$tmp/parallel.out"'

# Basic over plain HTTP: refused by us, so the server's 401 stands and
# no Authorization header was ever sent.
upload basic_http -u phone -p b4sic-pw \
    "http://127.0.0.1:$http/basic/report.bin" "$tmp/small.bin"
check basic_http '[ "$(field ok)" = 0 ] && [ "$(field http)" = 401 ] &&
    [ ! -e "$www/basic/report.bin" ] &&
    ! grep "^$http PUT /basic/" "$ngx/access.log" | grep -qv "auth=\"-\""'
check basic_http_no_secret '! grep -q b4sic-pw "$tmp/basic_http.out"'

# --- HTTPS
upload tls -A "$pki/ca.pem" "https://127.0.0.1:$tls/up/report.bin" \
    "$tmp/report.bin"
check tls '[ "$(field ok)" = 1 ] && [ "$(field http)" = 201 ] &&
    cmp -s "$tmp/report.bin" "$www/up/report.bin"'

upload tls_localhost -A "$pki/ca.pem" \
    "https://localhost:$tls/up/localhost.bin" "$tmp/small.bin"
check tls_localhost '[ "$(field ok)" = 1 ] &&
    cmp -s "$tmp/small.bin" "$www/up/localhost.bin"'

upload tls_wrong_ca -A "$pki/otherca.pem" \
    "https://127.0.0.1:$tls/up/wrongca.bin" "$tmp/small.bin"
# curl says 60 on OpenSSL, 77 on wolfSSL (no signer known): both refuse.
check tls_wrong_ca '[ "$(field ok)" = 0 ] && { [ "$(field curl)" = 60 ] || [ "$(field curl)" = 77 ]; } &&
    [ "$(field http)" = 0 ] && [ ! -e "$www/up/wrongca.bin" ]'

# Without -A the system bundle applies, which knows nothing of our CA.
upload tls_system_ca "https://127.0.0.1:$tls/up/sysca.bin" "$tmp/small.bin"
check tls_system_ca '[ "$(field ok)" = 0 ] && { [ "$(field curl)" = 60 ] || [ "$(field curl)" = 77 ]; } &&
    [ ! -e "$www/up/sysca.bin" ]'

upload tls_wrong_host -A "$pki/ca.pem" \
    "https://127.0.0.1:$other/up/wronghost.bin" "$tmp/small.bin"
check tls_wrong_host '[ "$(field ok)" = 0 ] && [ "$(field curl)" = 60 ] &&
    [ ! -e "$www/up/wronghost.bin" ]'

upload mtls -A "$pki/ca.pem" --client-cert "$pki/phone.pem" \
    --client-key "$pki/phone.key" \
    "https://127.0.0.1:$mtls/up/mtls.bin" "$tmp/report.bin"
check mtls '[ "$(field ok)" = 1 ] && cmp -s "$tmp/report.bin" "$www/up/mtls.bin"'

upload mtls_one_file -A "$pki/ca.pem" --client-cert "$pki/phone-both.pem" \
    "https://127.0.0.1:$mtls/up/mtls1.bin" "$tmp/small.bin"
check mtls_one_file '[ "$(field ok)" = 1 ] &&
    cmp -s "$tmp/small.bin" "$www/up/mtls1.bin"'

# nginx answers 400 "No required SSL certificate was sent".
upload mtls_no_cert -A "$pki/ca.pem" \
    "https://127.0.0.1:$mtls/up/nocert.bin" "$tmp/small.bin"
check mtls_no_cert '[ "$(field ok)" = 0 ] && [ "$(field http)" = 400 ] &&
    [ ! -e "$www/up/nocert.bin" ]'

# Inside TLS, Basic is allowed: curl answers the server's challenge.
upload basic_https -A "$pki/ca.pem" -u phone -p b4sic-pw \
    "https://127.0.0.1:$tls/basic/report.bin" "$tmp/small.bin"
check basic_https '[ "$(field ok)" = 1 ] &&
    cmp -s "$tmp/small.bin" "$www/basic/report.bin" &&
    grep "^$tls PUT /basic/report.bin 201 " "$ngx/access.log" | grep -q "auth=\"Basic "'

upload basic_https_bad -A "$pki/ca.pem" -u phone -p wrong-pw \
    "https://127.0.0.1:$tls/basic/bad.bin" "$tmp/small.bin"
check basic_https_bad '[ "$(field ok)" = 0 ] && [ "$(field http)" = 401 ] &&
    [ ! -e "$www/basic/bad.bin" ] && ! grep -q wrong-pw "$tmp/basic_https_bad.out"'

finish
