#!/bin/sh
# Many agents on one loop (cfgreport-fleet, issue 11), against one nginx
# (dav_methods PUT) on a free 127.0.0.1 port:
#   1. RssAnon of a fleet idling after its start-up rounds (all reports
#      arrived, then 2 s for the fleet's once-a-second trim), for K=SMALL
#      and K=LARGE in one run: the cost per extra agent (goal: <= 8 KiB);
#      and the fds each fleet holds then (goal: one per agent, plus a few);
#   2. instructions (callgrind's Ir) of a whole fleet run, creation to
#      clean stop, for K and 2K at two scales: the cost per extra agent at
#      each (goal: within 1.2x from the small scale to the large);
#   3. a round of ROUND agents: wall time, and the server's request rate
#      from nginx's own $msec stamps (first to last request).
#   BUILD=/path/to/build [SMALL=200] [LARGE=2000] [IR_SMALL=10]
#   [IR_LARGE=1000] [ROUND=10000] [INFLIGHT=64] sh tests/bench/fleet.sh
# The figures go to docs/benchmarks-agent.md.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
fleet=$build/cfgreport-fleet
small=${SMALL:-200} large=${LARGE:-2000}
ir_small=${IR_SMALL:-10} ir_large=${IR_LARGE:-1000}
round=${ROUND:-10000} inflight=${INFLIGHT:-64}
die() { echo "fleet.sh: $*" >&2; exit 2; }
[ -x "$fleet" ] || die "no $fleet: make first"
command -v nginx >/dev/null || PATH=$PATH:/usr/sbin:/sbin
command -v nginx >/dev/null || die "no nginx"
command -v valgrind >/dev/null || die "no valgrind"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-fleet.XXXXXX")
npid='' fpid=''
cleanup() {
	for p in $fpid $npid; do kill "$p" 2>/dev/null || :; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

port=$(python3 "$top/tests/integ/peer.py" port tcp)
mkdir -p "$tmp/ngx" "$tmp/www/up"
cat >"$tmp/ngx/nginx.conf" <<EOF
daemon off;
master_process off;
pid $tmp/ngx/nginx.pid;
error_log $tmp/ngx/error.log warn;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
	log_format t '\$msec \$status';
	access_log $tmp/ngx/access.log t;
	client_body_temp_path $tmp/ngx/body;
	proxy_temp_path $tmp/ngx/proxy;
	fastcgi_temp_path $tmp/ngx/fastcgi;
	uwsgi_temp_path $tmp/ngx/uwsgi;
	scgi_temp_path $tmp/ngx/scgi;
	root $tmp/www;
	server {
		listen 127.0.0.1:$port backlog=4096;
		location /up/ { dav_methods PUT; create_full_put_path on; }
	}
}
EOF
nginx -p "$tmp/ngx" -e "$tmp/ngx/error.log" -c "$tmp/ngx/nginx.conf" &
npid=$!
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
	i=$((i + 1)); [ "$i" -lt 100 ] || die "nginx did not start"; sleep 0.1
done
rule="http://127.0.0.1:$port/up/\$MA.xml"
echo "nginx on 127.0.0.1:$port; $(nproc) CPUs; $(uname -r)"

# kB of FIELD in /proc/PID/status
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# idle K: a fleet of K after its start-up round; sets rss_K and fds_K.
idle() {
	k=$1
	rm -rf "$tmp/www/up" "$tmp/state"; mkdir -p "$tmp/www/up"
	"$fleet" -n "$k" -s "$tmp/state" -M PUT --duration 3600 \
	    --max-in-flight "$inflight" -r "$rule" >"$tmp/idle.out" 2>&1 &
	fpid=$!
	i=0
	until [ "$(ls "$tmp/www/up" | wc -l)" -ge "$k" ]; do
		i=$((i + 1)); [ "$i" -lt 3000 ] || die "fleet of $k: reports missing"
		sleep 0.1
	done
	sleep 2.5
	eval "rss_$k=$(status_kb "$fpid" RssAnon)"
	eval "fds_$k=$(ls "/proc/$fpid/fd" | wc -l)"
	kill -TERM "$fpid"; wait "$fpid" || die "fleet of $k: $(cat "$tmp/idle.out")"
	fpid=''
	echo "idle fleet of $k: RssAnon $(eval echo \$rss_$k) kB, $(eval echo \$fds_$k) fds; $(cat "$tmp/idle.out")"
}
idle "$small"
idle "$large"
per=$(awk -v a="$(eval echo \$rss_$small)" -v b="$(eval echo \$rss_$large)" \
    -v k1="$small" -v k2="$large" 'BEGIN { printf "%.2f", (b - a) / (k2 - k1) }')
echo "RssAnon per extra agent ($small -> $large): $per KiB (goal: <= 8 KiB)"

# ir K: callgrind's Ir of a fleet of K, creation to clean stop.
ir() {
	rm -rf "$tmp/www/up" "$tmp/state"; mkdir -p "$tmp/www/up"
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
	    "$fleet" -n "$1" -s "$tmp/state" -M PUT --max-in-flight "$inflight" \
	    -r "$rule" >"$tmp/ir.out" 2>"$tmp/ir.err" ||
	    die "callgrind fleet of $1: $(tail -3 "$tmp/ir.err")"
	callgrind_annotate "$tmp/cg.$1" 2>/dev/null |
	    awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'
}
for s in "$ir_small" "$ir_large"; do
	a=$(ir "$s"); b=$(ir $((2 * s)))
	eval "mar_$s=$(( (b - a) / s ))"
	echo "Ir: fleet of $s $a, of $((2 * s)) $b; per extra agent $(( (b - a) / s ))"
done
awk -v a="$(eval echo \$mar_$ir_small)" -v b="$(eval echo \$mar_$ir_large)" \
    'BEGIN { printf "per-agent Ir at %s vs %s: ratio %.3f (goal: within 1.2)\n", "'"$ir_large"'", "'"$ir_small"'", b / a }'

# A round of ROUND agents, timed, with the server's request rate.
rm -rf "$tmp/www/up" "$tmp/state"; mkdir -p "$tmp/www/up"
: >"$tmp/ngx/access.log"
t0=$(date +%s.%N)
out=$("$fleet" -n "$round" -s "$tmp/state" -M PUT --max-in-flight "$inflight" \
    -r "$rule" 2>"$tmp/round.err") || die "round of $round: $out $(head -3 "$tmp/round.err")"
t1=$(date +%s.%N)
echo "round of $round: $out"
awk -v t0="$t0" -v t1="$t1" -v n="$round" '
	$2 ~ /^2/ { if (first == "" || $1 < first) first = $1; if ($1 > last) last = $1; ok++ }
	END { printf "round of %d: wall %.2f s (creation to clean stop); server: %d requests 2xx in %.2f s, %.0f requests/s\n",
	    n, t1 - t0, ok, last - first, ok / (last - first) }' "$tmp/ngx/access.log"
echo "files: $(ls "$tmp/www/up" | wc -l)"
