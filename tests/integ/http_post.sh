#!/bin/sh
# HTTP POST of a raw body into the seed document's report_upload.php,
# served by PHP's built-in server on a free 127.0.0.1 port: the file the
# script writes is the body byte for byte, with no form encoding.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
need php
need python3
need nc

doc=$tmp/php
mkdir -p "$doc"
cp "$top_srcdir/tests/integ/report_upload.php" "$doc/"
port=$(free_port)
spawn php -n -S "127.0.0.1:$port" -t "$doc" 2>"$tmp/php.log"
wait_tcp "$port" || { cat "$tmp/php.log"; exit 1; }
url=http://127.0.0.1:$port/report_upload.php

# A report with what a form encoder would mangle: &, =, +, %, newlines.
printf '<?xml version="1.0" encoding="UTF-8"?>\n<flat-profile>\n  <GPP_A ua="rw">a=b&amp;c+d%%20e</GPP_A>\n</flat-profile>\n' >"$tmp/report.xml"
upload post -m POST "$url" "$tmp/report.xml"
check post '[ "$rc" = 0 ] && [ "$(field ok)" = 1 ] && [ "$(field http)" = 200 ] &&
    [ "$(field bytes)" = "$(wc -c <"$tmp/report.xml" | tr -d " ")" ] &&
    cmp -s "$tmp/report.xml" "$doc/report_cfg.xml"'

# Binary (an encrypted report), with its Content-Type and -Encoding.
body "$tmp/report.bin" 2000000
upload post_binary -m POST -t application/octet-stream -e aes128gcm \
    "$url" "$tmp/report.bin"
check post_binary '[ "$(field ok)" = 1 ] && cmp -s "$tmp/report.bin" "$doc/report_cfg.xml"'

: >"$tmp/empty.bin"
upload post_empty -m POST "$url" "$tmp/empty.bin"
check post_empty '[ "$(field ok)" = 1 ] && [ -f "$doc/report_cfg.xml" ] &&
    [ ! -s "$doc/report_cfg.xml" ]'

# What PHP saw: our headers, no Expect, never a form type.
want="POST ct=application/xml ce=- expect=- len=$(wc -c <"$tmp/report.xml" | tr -d ' ')
POST ct=application/octet-stream ce=aes128gcm expect=- len=2000000
POST ct=application/xml ce=- expect=- len=0"
got=$(cat "$doc/request.log" 2>/dev/null)
if [ "$got" = "$want" ]; then ok "request headers"
else not_ok "request headers"; printf 'got:\n%s\nwant:\n%s\n' "$got" "$want"; fi

# A 404 from the same server is a failure.
upload post_404 -m POST "http://127.0.0.1:$port/nonexistent.php" "$tmp/report.xml"
check post_404 '[ "$(field ok)" = 0 ] && [ "$(field http)" = 404 ]'

finish
