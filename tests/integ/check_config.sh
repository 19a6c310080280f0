#!/bin/sh
# cfgreportd -n against profiles: the plan it prints, and the errors (with
# parameter, position and reason) that make it exit 1.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
d=$top_builddir/cfgreportd
mac=00:0e:08:aa:bb:cc

# profile NAME BODY: write a flat profile holding BODY.
profile() {
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<flat-profile>\n%s\n</flat-profile>\n' "$2" >"$tmp/$1.xml"
}

# expect_ok NAME EXPECTED [ARGS...]: exit 0 and exactly EXPECTED on stdout.
expect_ok() {
	name=$1 want=$2; shift 2
	out=$("$d" -n -c "$tmp/$name.xml" -m "$mac" "$@" 2>"$tmp/err")
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$out" = "$want" ]; then ok "$name"
	else not_ok "$name (rc $rc)"; printf 'got:\n%s\nwant:\n%s\nstderr:\n' "$out" "$want"; cat "$tmp/err"; fi
}

# expect_fail NAME PATTERN...: exit 1, nothing on stdout, stderr matches
# every PATTERN (fixed strings).
expect_fail() {
	name=$1; shift
	out=$("$d" -n -c "$tmp/$name.xml" -m "$mac" 2>"$tmp/err")
	rc=$?
	good=1
	[ "$rc" -eq 1 ] && [ -z "$out" ] || good=0
	for pat; do grep -qF -- "$pat" "$tmp/err" || good=0; done
	if [ "$good" -eq 1 ]; then ok "$name: $(cat "$tmp/err")"
	else not_ok "$name (rc $rc)"; echo "stdout: $out"; echo "stderr:"; cat "$tmp/err"; fi
}

# The example profile of the demo.
out=$("$d" -n -c "$top_srcdir/examples/cfgreport.xml" -m "$mac")
want="delta http://127.0.0.1:8080/000e08aabbcc-delta.xml plain
status http://127.0.0.1:8080/000e08aabbcc-status.xml.enc aes-256-cbc
configuration OK"
[ "$out" = "$want" ] && ok example || { not_ok example; echo "$out"; }

# Every Report Rule example of the seed document.
profile seed-put '<Report_Rule>http://my_http_server/config-mpp.xml</Report_Rule>'
expect_ok seed-put "full http://my_http_server/config-mpp.xml plain
configuration OK"
profile seed-delta '<Report_Rule>[--delta]http://my_http_server/config-mpp-delta.xml;</Report_Rule>'
expect_ok seed-delta "delta http://my_http_server/config-mpp-delta.xml plain
configuration OK"
profile seed-key '<Report_Rule>[--delta --key test123]http://my_http_server/config-mpp-delta.enc.xml;</Report_Rule>'
expect_ok seed-key "delta http://my_http_server/config-mpp-delta.enc.xml aes-256-cbc
configuration OK"
profile seed-status '<Report_Rule>[--status]http://my_http_server/config-mpp-status.xml;</Report_Rule>'
expect_ok seed-status "status http://my_http_server/config-mpp-status.xml plain
configuration OK"
profile seed-two '<Report_Rule ua="na">
  [--delta]http://my_http_server/config-mpp-delta.xml
  [--status]http://my_http_server/config-mpp-status.xml
</Report_Rule>'
expect_ok seed-two "delta http://my_http_server/config-mpp-delta.xml plain
status http://my_http_server/config-mpp-status.xml plain
configuration OK"
profile seed-post '<Report_Rule>[--delta]http://my_http_server/report_upload.php</Report_Rule>
<HTTP_Report_Method ua="na">POST</HTTP_Report_Method>'
expect_ok seed-post "delta http://my_http_server/report_upload.php plain
configuration OK"
profile seed-toets '<Report_Rule>[--delta --toets "test 123"]http://my_http_server/d.xml</Report_Rule>'
expect_ok seed-toets "delta http://my_http_server/d.xml aes-256-cbc
configuration OK"

# Macros, TFTP without a scheme, RFC 8188 when only the IKM is set.
profile macros '<Report_Rule>[--status]https://prov.example/$(A)/$MAU/$(MA:6)-$$.xml prov.example/$MAC.xml</Report_Rule>
<GPP_A>acme</GPP_A>
<IKM_HTTP_Encrypt_Content>yqdlZ-tYemfogSmv7Ws5PQ</IKM_HTTP_Encrypt_Content>'
expect_ok macros "status https://prov.example/acme/000E08AABBCC/aabbcc-\$.xml aes128gcm
full tftp://prov.example/00:0e:08:aa:bb:cc.xml aes128gcm
configuration OK"
# Secrets never shown: $SA..$SD values and a URL's password are *****.
profile secrets '<Report_Rule>[--status]http://prov/$SA-status.xml [--delta]http://u:PW0rd@prov/$SB/d.xml</Report_Rule>
<GPP_SA>TOPSECRET</GPP_SA>
<GPP_SB>HIDDEN</GPP_SB>'
expect_ok secrets "status http://prov/*****-status.xml plain
delta http://u:*****@prov/*****/d.xml plain
configuration OK"
if grep -q 'TOPSECRET\|PW0rd\|HIDDEN' "$tmp/err"; then
	not_ok "secrets: stderr shows a secret"
else ok "secrets: stderr shows none"; fi
profile empty '<Station_Name>x</Station_Name>'
expect_ok empty "configuration OK"
profile lower '<report_rule>[--delta]http://h/x.xml</report_rule>
<periodic_upload_to_server ua="na">600</periodic_upload_to_server>
<Report_to_Server ua="na">Periodically</Report_to_Server>'
expect_ok lower "delta http://h/x.xml plain
configuration OK"

# Errors: parameter, value, range; rule position and reason; XML line.
profile badperiod '<Periodic_Upload_To_Server>30</Periodic_Upload_To_Server>'
expect_fail badperiod Periodic_Upload_To_Server 30 600 259200
profile badmethod '<HTTP_Report_Method>GET</HTTP_Report_Method>'
expect_fail badmethod HTTP_Report_Method GET PUT POST
profile badrule '<Report_Rule>[--delta --status]http://h/x.xml</Report_Rule>'
expect_fail badrule Report_Rule
profile unknownarg '<Report_Rule>[--bogus]http://h/x.xml</Report_Rule>'
expect_fail unknownarg Report_Rule --bogus
profile three '<Report_Rule>http://a/1 http://a/2 http://a/3</Report_Rule>'
expect_fail three Report_Rule
profile noopt66 '<Report_Rule>[--delta]/reports/x.xml</Report_Rule>'
expect_fail noopt66 Report_Rule
profile tftpauth '<Report_Rule>[--uid u --pwd p]tftp://h/x.xml</Report_Rule>'
expect_fail tftpauth Report_Rule "entry 1" TFTP
printf '<flat-profile>\n<A>1</A>\n<B>2</C>\n</flat-profile>\n' >"$tmp/malformed.xml"
expect_fail malformed "line"
printf '<profile><A>1</A></profile>\n' >"$tmp/wrongroot.xml"
expect_fail wrongroot flat-profile

# A secret never shows in an error: the IKM below is not base64url.
profile badikm '<IKM_HTTP_Encrypt_Content>not base64 at all!</IKM_HTTP_Encrypt_Content>'
expect_fail badikm IKM_HTTP_Encrypt_Content
grep -qF 'not base64 at all' "$tmp/err" && not_ok "IKM echoed in error" || ok "IKM not echoed"

# Flags.
"$d" -n -c "$top_srcdir/examples/cfgreport.xml" -m 00:0e:08:aa:bb >/dev/null 2>&1
[ $? -eq 1 ] && ok "bad -m refused" || not_ok "bad -m accepted"
"$d" -n -c "$top_srcdir/examples/cfgreport.xml" -i lo >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "hardware address" "$tmp/err" && ok "-i lo refused" || not_ok "-i lo"
"$d" -n -c "$tmp/nonexistent.xml" -m "$mac" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "nonexistent.xml" "$tmp/err" && ok "missing profile" || not_ok "missing profile"
"$d" -n -c "$top_srcdir/examples/cfgreport.xml" -p 70000 >/dev/null 2>&1
[ $? -eq 1 ] && ok "bad -p refused" || not_ok "bad -p accepted"

finish
