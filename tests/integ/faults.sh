#!/bin/sh
# What goes wrong on the way: nothing listening, a connect that never
# completes, a server that accepts and never answers, one that hangs up
# mid-body.  Each is a failure with curl's reason, inside the time-outs we
# set, and while a transfer hangs the loop goes on serving other events
# (a 100 ms timer keeps ticking) and other transfers.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
need python3

# between VALUE LOW HIGH: LOW <= VALUE < HIGH (decimals).
between() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v < hi) }'
}

body "$tmp/report.bin" 2000
body "$tmp/big.bin" 4000000

# Nothing listens: refused at once.
refused=$(free_port)
upload refused "http://127.0.0.1:$refused/r.bin" "$tmp/report.bin"
check refused '[ "$rc" = 1 ] && [ "$(field ok)" = 0 ] && [ "$(field curl)" = 7 ] &&
    [ "$(field http)" = 0 ] && between "$(field seconds)" 0 1 &&
    grep -q "error=Failed to connect to 127.0.0.1 port $refused" "$tmp/refused.out"'

# Accepts, reads, never answers: the total time-out ends it, and the
# loop ticks on meanwhile (2 s at 100 ms: about 20 ticks).
spawn python3 "$peer_py" hang "$tmp/hang.port"
wait_file "$tmp/hang.port" || exit 1
hang=$(cat "$tmp/hang.port")
upload hang --ticks -c 2 -T 2 "http://127.0.0.1:$hang/r.bin" "$tmp/report.bin"
ticks=$(sed -n 's/^ticks=//p' "$tmp/hang.out")
check hang '[ "$(field ok)" = 0 ] && [ "$(field curl)" = 28 ] &&
    [ "$(field http)" = 0 ] && between "$(field seconds)" 1.9 3.5 &&
    [ "${ticks:-0}" -ge 15 ] && grep -qx "idle_events=0" "$tmp/hang.out"'
echo "# $ticks ticks while the transfer hung"
check hang_reached_server 'grep -q "^PUT /r.bin HTTP/1.1" "$tmp/hang.port.log"'

# The same hanging server and a refused port at once: the refused one is
# reported first, at once; the hanging one still times out on its own.
upload hang_and_refused --ticks -T 2 "http://127.0.0.1:$hang/r.bin" \
    "$tmp/report.bin" "http://127.0.0.1:$refused/r.bin" "$tmp/report.bin"
first=$(grep '^result ' "$tmp/hang_and_refused.out" | head -n 1)
second=$(grep '^result ' "$tmp/hang_and_refused.out" | sed -n 2p)
check hang_and_refused 'case "$first" in "result 2 ok=0 http=0 curl=7 "*) ;; *) false;; esac &&
    case "$second" in "result 1 ok=0 http=0 curl=28 "*) ;; *) false;; esac'

# The accept queue is full, so the connect itself hangs: the connect
# time-out (1 s) ends it well before the total one (10 s).
spawn python3 "$peer_py" full "$tmp/full.port"
wait_file "$tmp/full.port" || exit 1
full=$(cat "$tmp/full.port")
upload connect_timeout --ticks -c 1 -T 10 "http://127.0.0.1:$full/r.bin" \
    "$tmp/report.bin"
check connect_timeout '[ "$(field ok)" = 0 ] && [ "$(field curl)" = 28 ] &&
    between "$(field seconds)" 0.9 2.5 &&
    [ "$(sed -n "s/^ticks=//p" "$tmp/connect_timeout.out")" -ge 7 ]'

# Hangs up after 1000 bytes of a 4 MB body: a send or receive failure,
# or an empty reply, never a success.
spawn python3 "$peer_py" cutoff "$tmp/cutoff.port"
wait_file "$tmp/cutoff.port" || exit 1
cutoff=$(cat "$tmp/cutoff.port")
upload cutoff -T 10 "http://127.0.0.1:$cutoff/r.bin" "$tmp/big.bin"
check cutoff '[ "$(field ok)" = 0 ] && [ "$(field http)" = 0 ] &&
    case "$(field curl)" in 52|55|56) true;; *) false;; esac &&
    between "$(field seconds)" 0 5 && grep -q -- "--- cut ---" "$tmp/cutoff.port.log"'
upload cutoff_post -m POST -T 10 "http://127.0.0.1:$cutoff/r.bin" "$tmp/big.bin"
check cutoff_post '[ "$(field ok)" = 0 ] &&
    case "$(field curl)" in 52|55|56) true;; *) false;; esac'

# Hostile answers (docs/transfer.md): the agent needs only the status line.
# A 200 with an endless chunked body: the report is delivered, the body is
# not read past its cap; before the caps this read for the whole total
# time-out (36 GB in 60 s) and failed.
spawn python3 "$peer_py" endless "$tmp/endless.port"
wait_file "$tmp/endless.port" || exit 1
endless=$(cat "$tmp/endless.port")
upload endless -T 20 "http://127.0.0.1:$endless/r.bin" "$tmp/report.bin"
check endless '[ "$(field ok)" = 1 ] && [ "$(field http)" = 200 ] &&
    [ "$(field bytes)" = 2000 ] && between "$(field seconds)" 0 2'
upload endless_post -m POST -T 20 "http://127.0.0.1:$endless/r.bin" \
    "$tmp/report.bin"
check endless_post '[ "$(field ok)" = 1 ] && between "$(field seconds)" 0 2'

# Endless header lines: a failure once they pass their cap, at once.
spawn python3 "$peer_py" headers "$tmp/headers.port"
wait_file "$tmp/headers.port" || exit 1
headers=$(cat "$tmp/headers.port")
upload headers -T 20 "http://127.0.0.1:$headers/r.bin" "$tmp/report.bin"
check headers '[ "$(field ok)" = 0 ] && [ "$(field curl)" = 23 ] &&
    between "$(field seconds)" 0 2 &&
    grep -q "error=response headers over 16384 bytes: not read" "$tmp/headers.out"'

# Half a status line, then silence on an open connection: a stall, ended
# once no byte moved for the connect time-out (1 s here; curl averages the
# rate over its last 5 s, so 6 s), well before the total one (20 s).
spawn python3 "$peer_py" stall "$tmp/stall.port"
wait_file "$tmp/stall.port" || exit 1
stall=$(cat "$tmp/stall.port")
upload stall -c 1 -T 20 "http://127.0.0.1:$stall/r.bin" "$tmp/report.bin"
check stall '[ "$(field ok)" = 0 ] && [ "$(field curl)" = 28 ] &&
    between "$(field seconds)" 0.9 10'

finish
