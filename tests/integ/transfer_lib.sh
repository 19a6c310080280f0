# Shared by the transfer scripts (http_put, http_post, http_digest,
# tftp_put, faults): the upload driver, free ports, peers started in the
# background and stopped on exit, readiness checks.  Sourced after lib.sh.

# Servers live in sbin, which a non-root PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
export PATH
drive=$top_builddir/tests/transfer_drive
peer_py=$top_srcdir/tests/integ/peer.py

pids=
stop_peers() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	pids=
}
trap 'stop_peers; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# spawn CMD...: start a peer in the background; stopped on exit.
spawn() {
	"$@" &
	pids="$pids $!"
}

# free_port [tcp|udp]: a port nobody uses on 127.0.0.1 right now.
free_port() {
	python3 "$peer_py" port "${1:-tcp}"
}

# wait_tcp PORT: until something accepts on 127.0.0.1:PORT (at most 10 s).
wait_tcp() {
	i=0
	until nc -z 127.0.0.1 "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || { echo "nothing listens on port $1"; return 1; }
		sleep 0.1
	done
}

# wait_file PATH: until PATH exists (at most 10 s).
wait_file() {
	i=0
	until [ -e "$1" ]; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || { echo "$1 never appeared"; return 1; }
		sleep 0.1
	done
}

# upload NAME DRIVER-ARGS...: run the driver; its output is in
# $tmp/NAME.out and .err, its first result line in $res, its status in $rc.
upload() {
	name=$1; shift
	"$drive" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	res=$(grep '^result ' "$tmp/$name.out" | head -n 1)
	# In the sanitizer build a report may come with an expected failure.
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$tmp/$name.err"; then
		not_ok "$name: sanitizer report"
		sed 's/^/# /' "$tmp/$name.err"
	fi
}

# field KEY: KEY's value in $res ("ok", "http", "curl", "bytes", ...).
field() {
	printf '%s\n' "$res" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# check NAME CONDITION: ok when the shell CONDITION holds; else not_ok,
# with the driver's output for NAME.
check() {
	if eval "$2"; then
		ok "$1: $res"
	else
		not_ok "$1 [$2]"
		cat "$tmp/$1.out" "$tmp/$1.err" 2>/dev/null | sed 's/^/# /'
	fi
}

# body FILE SIZE: SIZE random bytes, a stand-in for a report.
body() {
	head -c "$2" /dev/urandom >"$1"
}

# A throw-away PKI for the HTTPS peers; openssl's complaints go to DIR/log.
pki_ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
# pki_ca DIR NAME: a self-signed CA, DIR/NAME.pem and .key.
pki_ca() {
	openssl req -x509 $pki_ec -keyout "$1/$2.key" -out "$1/$2.pem" \
	    -days 2 -subj "/CN=cfgreport test $2" 2>>"$1/log"
}
# pki_cert DIR NAME CA EXTENSIONS: a certificate with CN NAME signed by CA.
pki_cert() {
	openssl req $pki_ec -keyout "$1/$2.key" -out "$1/$2.csr" \
	    -subj "/CN=$2" 2>>"$1/log" &&
	printf '%s\n' "$4" >"$1/$2.ext" &&
	openssl x509 -req -in "$1/$2.csr" -CA "$1/$3.pem" -CAkey "$1/$3.key" \
	    -CAcreateserial -days 2 -extfile "$1/$2.ext" -out "$1/$2.pem" \
	    2>>"$1/log"
}
# make_pki DIR: two CAs (ca, otherca) and a server certificate signed by
# ca for localhost and 127.0.0.1 (localhost.pem, .key).
make_pki() {
	pki_ca "$1" ca && pki_ca "$1" otherca &&
	pki_cert "$1" localhost ca "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth" ||
	    { sed 's/^/# /' "$1/log"; return 1; }
}
