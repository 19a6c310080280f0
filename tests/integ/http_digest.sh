#!/bin/sh
# HTTP Digest against a real Apache (mod_auth_digest + mod_dav) with a
# private configuration on free 127.0.0.1 ports: PUT through Digest stores
# the body; a wrong password is a 401; a location that demands Basic over
# plain HTTP gets no credentials at all (Apache's log and a raw capture of
# the bytes on the wire); over HTTPS our Digest|Basic mask picks Digest.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
need apache2
need openssl
need python3
need nc

ap=$tmp/apache www=$tmp/apache/www mods=/usr/lib/apache2/modules
mkdir -p "$ap/lock" "$www/dav" "$www/basic"
realm="cfgreport reports"
user=phone pass='d1gest-pw'

# htdigest's format (user:realm:MD5(user:realm:password)), written
# directly because htdigest only reads passwords from a terminal.
ha1=$(printf '%s:%s:%s' "$user" "$realm" "$pass" | openssl dgst -md5 -r | cut -d' ' -f1)
printf '%s:%s:%s\n' "$user" "$realm" "$ha1" >"$ap/htdigest"
printf '%s:%s\n' "$user" "$(openssl passwd -apr1 "$pass")" >"$ap/htpasswd"

mkdir -p "$ap/pki"
make_pki "$ap/pki" || exit 1

# Apache will not serve as root: as root its children run as www-data,
# which must reach and write the document root.
runas=
if [ "$(id -u)" -eq 0 ]; then
	runas="User www-data
Group www-data"
	chmod 711 "$tmp"
	chown -R www-data:www-data "$www" "$ap/lock"
fi

http=$(free_port) tls=$(free_port)
cat >"$ap/httpd.conf" <<EOF
ServerRoot $ap
ServerName 127.0.0.1
PidFile $ap/httpd.pid
$runas
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authn_file_module $mods/mod_authn_file.so
LoadModule auth_digest_module $mods/mod_auth_digest.so
LoadModule auth_basic_module $mods/mod_auth_basic.so
LoadModule dav_module $mods/mod_dav.so
LoadModule dav_fs_module $mods/mod_dav_fs.so
LoadModule ssl_module $mods/mod_ssl.so
LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so
Listen 127.0.0.1:$http
Listen 127.0.0.1:$tls
ErrorLog $ap/error.log
LogLevel warn
LogFormat "%{local}p %m %U %>s len=%{Content-Length}i auth=\"%{Authorization}i\"" req
CustomLog $ap/access.log req
DocumentRoot $www
DavLockDB $ap/lock/davlock
<Directory $www>
	Require all granted
</Directory>
<Location /dav/>
	Dav On
	AuthType Digest
	AuthName "$realm"
	AuthDigestDomain /dav/
	AuthDigestProvider file
	AuthUserFile $ap/htdigest
	Require valid-user
</Location>
<Location /basic/>
	Dav On
	AuthType Basic
	AuthName "$realm"
	AuthBasicProvider file
	AuthUserFile $ap/htpasswd
	Require valid-user
</Location>
<VirtualHost 127.0.0.1:$tls>
	SSLEngine on
	SSLCertificateFile $ap/pki/localhost.pem
	SSLCertificateKeyFile $ap/pki/localhost.key
</VirtualHost>
EOF
spawn apache2 -f "$ap/httpd.conf" -DFOREGROUND
wait_tcp "$http" && wait_tcp "$tls" || { cat "$ap/error.log"; exit 1; }

body "$tmp/report.bin" 50000

upload digest -u "$user" -p "$pass" "http://127.0.0.1:$http/dav/report.bin" \
    "$tmp/report.bin"
check digest '[ "$rc" = 0 ] && [ "$(field ok)" = 1 ] && [ "$(field http)" = 201 ] &&
    [ "$(field bytes)" = 50000 ] && cmp -s "$tmp/report.bin" "$www/dav/report.bin" &&
    grep -q "^$http PUT /dav/report.bin 201 len=50000 auth=\"Digest username=.\"$user.\"" "$ap/access.log"'

# POST takes the same path through the challenge: an empty probe, then
# the whole body with Digest, which Apache accepts (mod_dav has no POST
# handler, so the answer after authentication is a 404, not a 401).
upload digest_post -m POST -u "$user" -p "$pass" \
    "http://127.0.0.1:$http/dav/" "$tmp/report.bin"
check digest_post '[ "$(field http)" = 404 ] &&
    grep -q "^$http POST /dav/ 401 len=0 auth=\"-\"" "$ap/access.log" &&
    grep -q "^$http POST /dav/ 404 len=50000 auth=\"Digest username=" "$ap/access.log"'

upload digest_wrong -u "$user" -p wrong-pw \
    "http://127.0.0.1:$http/dav/wrong.bin" "$tmp/report.bin"
check digest_wrong '[ "$rc" = 1 ] && [ "$(field ok)" = 0 ] &&
    [ "$(field http)" = 401 ] && [ "$(field curl)" = 0 ] &&
    [ ! -e "$www/dav/wrong.bin" ] &&
    ! grep -q -e wrong-pw -e "$user" "$tmp/digest_wrong.out"'

upload digest_none "http://127.0.0.1:$http/dav/none.bin" "$tmp/report.bin"
check digest_none '[ "$(field ok)" = 0 ] && [ "$(field http)" = 401 ] &&
    [ ! -e "$www/dav/none.bin" ]'

# Basic demanded over plain HTTP: we refuse, the 401 stands, and not one
# request to /basic/ carried an Authorization header.
upload basic_http -u "$user" -p "$pass" \
    "http://127.0.0.1:$http/basic/report.bin" "$tmp/report.bin"
check basic_http '[ "$(field ok)" = 0 ] && [ "$(field http)" = 401 ] &&
    [ ! -e "$www/basic/report.bin" ] &&
    grep -q "^$http PUT /basic/report.bin 401 len=0 auth=\"-\"" "$ap/access.log" &&
    ! grep "^$http PUT /basic/" "$ap/access.log" | grep -qv "auth=\"-\""'

# The same through a raw capture: a peer that answers 401 Basic and keeps
# every byte it receives.  Neither the password nor any Authorization
# header may appear on the wire.
cap=$(free_port)
spawn python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
log = open(sys.argv[2], "ab", buffering=0)
while True:
    c, _ = s.accept(); c.settimeout(2); data = b""
    try:
        while b"\r\n\r\n" not in data:
            d = c.recv(65536)
            if not d: break
            data += d
    except socket.timeout: pass
    log.write(data)
    c.sendall(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    c.close()
' "$cap" "$tmp/capture.raw"
wait_tcp "$cap" || exit 1
upload capture -u "$user" -p "$pass" "http://127.0.0.1:$cap/r.bin" "$tmp/report.bin"
check capture '[ "$(field ok)" = 0 ] && [ "$(field http)" = 401 ] &&
    grep -q "^PUT /r.bin HTTP/1.1" "$tmp/capture.raw" &&
    ! grep -qi "^authorization:" "$tmp/capture.raw" &&
    ! grep -q -e "$pass" -e "$(printf "%s:%s" "$user" "$pass" | openssl base64)" "$tmp/capture.raw"'

# HTTPS: Digest and Basic are both allowed; Apache offers Digest here and
# curl answers with it.
upload digest_tls -A "$ap/pki/ca.pem" -u "$user" -p "$pass" \
    "https://127.0.0.1:$tls/dav/tls.bin" "$tmp/report.bin"
check digest_tls '[ "$(field ok)" = 1 ] && cmp -s "$tmp/report.bin" "$www/dav/tls.bin" &&
    grep "^$tls PUT /dav/tls.bin 201 " "$ap/access.log" | grep -q "auth=\"Digest "'

upload basic_tls -A "$ap/pki/ca.pem" -u "$user" -p "$pass" \
    "https://127.0.0.1:$tls/basic/tls.bin" "$tmp/report.bin"
check basic_tls '[ "$(field ok)" = 1 ] && cmp -s "$tmp/report.bin" "$www/basic/tls.bin" &&
    grep "^$tls PUT /basic/tls.bin 201 " "$ap/access.log" | grep -q "auth=\"Basic "'

finish
