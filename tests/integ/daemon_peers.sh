#!/bin/sh
# The real daemon uploading to real, independent peers: PUT into nginx
# (plain and HTTPS with -A), POST into PHP running the seed's
# report_upload.php, TFTP into tftpd-hpa; the stored reports decrypted by
# `openssl enc -d` (--key) and the npm http_ece decoder (IKM).  A wrong CA
# fails with nothing stored and no plain-HTTP fallback.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
. "$top_srcdir/tests/integ/daemon_lib.sh"
need nginx
need php
need openssl
need node
need python3
need nc
need in.tftpd
[ "$(id -u)" -eq 0 ] || { [ -n "${CI:-}" ] && exit 1; echo "SKIP: in.tftpd needs root"; exit 77; }
npm_dir=${CFGREPORT_NPM:-$top_srcdir/tests/npm}
[ -d "$npm_dir/node_modules/http_ece" ] ||
    { echo "missing http_ece: run .ci/deps"; [ -n "${CI:-}" ] && exit 1; exit 77; }

pki=$tmp/pki ngx=$tmp/nginx www=$tmp/www phpdir=$tmp/php tftproot=$tmp/tftp
mkdir -p "$pki" "$ngx" "$www/up" "$phpdir" "$tftproot"
make_pki "$pki" || exit 1

http=$(free_port) tls=$(free_port) php=$(free_port) tport=$(free_port udp)
cat >"$ngx/nginx.conf" <<CONF
daemon off;
master_process off;
pid $ngx/nginx.pid;
error_log $ngx/error.log info;
events { worker_connections 64; }
http {
	access_log $ngx/access.log;
	client_body_temp_path $ngx/body;
	root $www;
	server {
		listen 127.0.0.1:$http;
		location /up/ { dav_methods PUT; create_full_put_path on; }
	}
	server {
		listen 127.0.0.1:$tls ssl;
		ssl_certificate_key $pki/localhost.key;
		ssl_certificate $pki/localhost.pem;
		location /up/ { dav_methods PUT; create_full_put_path on; }
	}
}
CONF
spawn nginx -p "$ngx" -e "$ngx/error.log" -c "$ngx/nginx.conf"
cp "$top_srcdir/tests/integ/report_upload.php" "$phpdir/"
spawn php -S "127.0.0.1:$php" -t "$phpdir"
spawn in.tftpd --foreground --listen --address "127.0.0.1:$tport" \
    --create --secure --user root "$tftproot"
for p in $http $tls $php; do wait_tcp "$p" || exit 1; done
python3 "$peer_py" tftp-ready "$tport" || { echo "no tftpd"; exit 1; }

ikm=yqdlZ-tYemfogSmv7Ws5PQ
write_profile "$tmp/p.xml" "<Report_Rule ua=\"na\">
    http://127.0.0.1:$http/up/\$MA-full.xml
    [--status --key k3y-s3cret]https://127.0.0.1:$tls/up/\$MA-status.enc
  </Report_Rule>
  <HTTP_Report_Method ua=\"na\">PUT</HTTP_Report_Method>
  <Station_Name ua=\"rw\">Reception</Station_Name>
  <Password_1_ ua=\"na\">sip-s3cret</Password_1_>"

# --- start-up round: full over HTTP, encrypted status over HTTPS (-A).
start_agent a "$tmp/p.xml" -A "$pki/ca.pem" || exit 1
wait_file "$www/up/$ma-full.xml" && wait_file "$www/up/$ma-status.enc"
full=$www/up/$ma-full.xml
if grep -q '<Station_Name ua="rw">Reception</Station_Name>' "$full" &&
    grep -q '<Password_1_ ua="na">\*\*\*\*\*</Password_1_>' "$full" &&
    ! grep -q 'k3y-s3cret\|sip-s3cret' "$full"; then
	ok "full report PUT into nginx, secrets masked"
else not_ok "full report"; sed 's/^/# /' "$full"; fi

# The seed's own command decrypts the status report (SHA-256 digest).
openssl enc -d -aes-256-cbc -k k3y-s3cret -in "$www/up/$ma-status.enc" \
    -out "$tmp/status.xml" 2>"$tmp/openssl.err"
if grep -q "<MAC_Address>00:0e:08:aa:bb:cc</MAC_Address>" "$tmp/status.xml" &&
    grep -q "<Agent_Version>" "$tmp/status.xml"; then
	ok "status report over HTTPS, decrypted by openssl enc -d"
else not_ok "status decrypt"; cat "$tmp/openssl.err"; fi

# --- POST, RFC 8188: the seed's PHP script stores the body.
ctl a set --source provisioning HTTP_Report_Method=POST \
    "IKM_HTTP_Encrypt_Content=$ikm" \
    "Report_Rule=[--delta]http://127.0.0.1:$php/report_upload.php" ||
    not_ok "set rule"
ctl a set Station_Name=Lobby "Speed_Dial_2_2_=+31 20 555 0100" || not_ok "set"
ctl a report delta || not_ok "report delta"
# The script appends to request.log after report_cfg.xml is written whole.
wait_grep "$phpdir/request.log" '^POST '
NODE_PATH=$npm_dir/node_modules node -e '
const e=require("http_ece"),fs=require("fs");
process.stdout.write(e.decrypt(fs.readFileSync(process.argv[1]),
    {keymap:{"":Buffer.from(process.argv[2],"base64url")}}))' \
    "$phpdir/report_cfg.xml" "$ikm" >"$tmp/delta.xml" 2>"$tmp/node.err"
if grep -q '<Station_Name ua="rw">Lobby</Station_Name>' "$tmp/delta.xml" &&
    grep -q '<Speed_Dial_2_2_>+31 20 555 0100</Speed_Dial_2_2_>' "$tmp/delta.xml" &&
    ! grep -q 'Report_Rule\|IKM' "$tmp/delta.xml" &&
    grep -q 'POST ct=application/xml ce=aes128gcm' "$phpdir/request.log"; then
	ok "delta POSTed to PHP as aes128gcm, decoded by http_ece"
else not_ok "delta via PHP"; sed 's/^/# /' "$tmp/delta.xml" "$tmp/node.err" "$phpdir/request.log"; fi

# --- TFTP, with and without the scheme.
ctl a set --source provisioning IKM_HTTP_Encrypt_Content= \
    "Report_Rule=[--status]tftp://127.0.0.1:$tport/\$MA-status.xml 127.0.0.1:$tport/\$MAU.xml" ||
    not_ok "set tftp rule"
ctl a report || not_ok "report tftp"
# tftpd-hpa writes as blocks arrive: wait for the content, not the name.
wait_grep "$tftproot/$ma-status.xml" '</flat-profile>' &&
    wait_grep "$tftproot/000E08AABBCC.xml" '</flat-profile>'
if grep -q "<MAC_Address>" "$tftproot/$ma-status.xml" &&
    grep -q '<Station_Name ua="rw">Lobby</Station_Name>' "$tftproot/000E08AABBCC.xml"; then
	ok "status and full reports written to tftpd-hpa"
else not_ok "tftp"; ls -la "$tftproot"; fi

# --- a second agent without -A: the system bundle does not know our CA.
write_profile "$tmp/q.xml" "<Report_Rule>https://127.0.0.1:$tls/up/wrongca.xml</Report_Rule>
  <HTTP_Report_Method>PUT</HTTP_Report_Method>"
start_agent b "$tmp/q.xml" || exit 1
wait_grep "$tmp/b.log" "upload full .*failed" || true
ctl b info >"$tmp/b.info"
if grep -q "last-result failed: .*\(SSL\|certificate\|CA signer\)" "$tmp/b.info" &&
    grep -q "next-retry in" "$tmp/b.info" && [ ! -e "$www/up/wrongca.xml" ] &&
    ! grep -q wrongca "$ngx/access.log"; then
	ok "wrong CA: failed, retry scheduled, nothing stored, no HTTP fallback"
else not_ok "wrong CA"; sed 's/^/# /' "$tmp/b.info" "$tmp/b.log"; fi

# --- a URL holding a secret, $SA's value.  The transfer uses the real URL
# (nginx stores the file under the real name); info, the log and the
# status report's Report_N_Destination show *****.  (A password in the
# URL is refused by the transfer; -n's masking of it: check_config.sh.)
ctl a set --source provisioning GPP_SA=TOPSECRET HTTP_Report_Method=PUT \
    "Report_Rule=[--status]http://127.0.0.1:$http/up/\$SA-status.xml" ||
    not_ok "set secret rule"
ctl a report status || not_ok "report status"
wait_file "$www/up/TOPSECRET-status.xml"
ctl a report status || not_ok "report status again"
wait_grep "$tmp/a.log" "upload status .*: ok" 2 || true
ctl a info >"$tmp/a.info"
sdoc=$www/up/TOPSECRET-status.xml
if [ -s "$sdoc" ] &&
    grep -q "Report_1_Destination>status http://127.0.0.1:$http/up/\*\*\*\*\*-status.xml<" "$sdoc" &&
    ! grep -q 'TOPSECRET\|PW0rd' "$sdoc" &&
    grep -q "destination 1 status http://127.0.0.1:$http/up/\*\*\*\*\*-status.xml" "$tmp/a.info" &&
    ! grep -q 'TOPSECRET\|PW0rd' "$tmp/a.info"; then
	ok "secret URL: the real one used, ***** shown in info and the report"
else not_ok "secret URL"; sed 's/^/# /' "$tmp/a.info" "$sdoc"; fi

# Secrets never reach the log.
if grep -q 'k3y-s3cret\|sip-s3cret\|yqdlZ\|TOPSECRET\|PW0rd' "$tmp/a.log" "$tmp/b.log"; then
	not_ok "a secret in the log"
else ok "no secret in the logs"; fi
grep -c '^upload .*: ok' "$tmp/a.log" | sed 's/^/# uploads logged: /'
finish
