#!/bin/sh
# cfgreportctl encrypt|decrypt --ikm against npm http_ece, the RFC 8188
# reference implementation by the RFC's author (spec.md §5.2): our bodies
# decoded by it, and its bodies (several record sizes, with and without
# padding, a key id) decoded by ours.  Plaintexts are always compared.
set -u
. "$(dirname "$0")/lib.sh"
need node
ctl=$top_builddir/cfgreportctl
[ -x "$ctl" ] || { echo "no $ctl: build first"; exit 1; }

npm=${CFGREPORT_NPM:-$top_srcdir/tests/npm}
if [ ! -d "$npm/node_modules/http_ece" ]; then
	if [ -n "${CI:-}" ]; then
		echo "missing $npm/node_modules/http_ece: .ci/deps installs it"
		exit 1
	fi
	echo "SKIP: no http_ece in $npm (sh .ci/deps installs it)"
	exit 77
fi
NODE_PATH=$npm/node_modules
export NODE_PATH

# node ece.js decrypt|encrypt IKM IN OUT [RS [PAD [KEYID]]]
cat >"$tmp/ece.js" <<'JS'
const ece = require('http_ece'), fs = require('fs');
const [mode, ikm, inp, out, rs, pad, keyid] = process.argv.slice(2);
const id = keyid || '';
const p = { version: 'aes128gcm', keyid: id,
    keymap: { [id]: Buffer.from(ikm, 'base64url') } };
if (rs) p.rs = rs;
if (pad) p.pad = pad;
const data = fs.readFileSync(inp);
fs.writeFileSync(out, mode === 'decrypt' ? ece.decrypt(data, p) :
    ece.encrypt(data, p));
JS

# 32 bytes: IKM is not limited to 16 (the key: option of http_ece is).
ikm=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
: >"$tmp/p0"
printf 'x' >"$tmp/p1"
head -c 15 /dev/urandom >"$tmp/p15"
head -c 4079 /dev/urandom >"$tmp/p4079"	# exactly one record at rs 4096
head -c 4080 /dev/urandom >"$tmp/p4080"
cp "$top_srcdir/tests/data/osslenc-plain.xml" "$tmp/pxml"
head -c 102400 /dev/urandom >"$tmp/p100k"

for p in p0 p1 p15 p4079 p4080 pxml p100k; do
	in=$tmp/$p
	for rs in 18 25 100 4096; do
		case $p:$rs in p100k:18|p100k:25) continue ;; esac
		if "$ctl" encrypt --ikm "$ikm" --rs "$rs" "$in" \
		    "$tmp/$p.$rs.ece" &&
		    node "$tmp/ece.js" decrypt "$ikm" "$tmp/$p.$rs.ece" \
		    "$tmp/$p.$rs.node" && cmp -s "$in" "$tmp/$p.$rs.node"; then
			ok "$p rs $rs: cfgreportctl encrypt, http_ece decrypts"
		else
			not_ok "$p rs $rs: cfgreportctl encrypt, http_ece decrypts"
		fi
		if node "$tmp/ece.js" encrypt "$ikm" "$in" "$tmp/$p.$rs.nenc" \
		    "$rs" && "$ctl" decrypt --ikm "$ikm" "$tmp/$p.$rs.nenc" \
		    "$tmp/$p.$rs.dec" && cmp -s "$in" "$tmp/$p.$rs.dec"; then
			ok "$p rs $rs: http_ece encrypt, cfgreportctl decrypts"
		else
			not_ok "$p rs $rs: http_ece encrypt, cfgreportctl decrypts"
		fi
	done
done

# Padding spread over records, and a key id we do not need to know.
for args in "25 40" "100 300 a1" "4096 5000 key-17"; do
	set -- $args
	if node "$tmp/ece.js" encrypt "$ikm" "$tmp/pxml" "$tmp/pad.ece" \
	    "$@" && "$ctl" decrypt --ikm "$ikm" "$tmp/pad.ece" "$tmp/pad.dec" &&
	    cmp -s "$tmp/pxml" "$tmp/pad.dec"; then
		ok "http_ece rs $1 pad $2 keyid '${3:-}': cfgreportctl decrypts"
	else
		not_ok "http_ece rs $1 pad $2 keyid '${3:-}': cfgreportctl decrypts"
	fi
done

# The IKM from a file or the environment; our default record size 4096.
printf '%s\n' "$ikm" >"$tmp/ikmfile"
if CR_TEST_IKM=$ikm "$ctl" encrypt --ikm-env CR_TEST_IKM "$tmp/p100k" \
    "$tmp/env.ece" &&
    [ "$(od -An -tx1 -j16 -N4 "$tmp/env.ece" | tr -d ' ')" = 00001000 ] &&
    node "$tmp/ece.js" decrypt "$ikm" "$tmp/env.ece" "$tmp/env.node" &&
    "$ctl" decrypt --ikm-file "$tmp/ikmfile" "$tmp/env.ece" "$tmp/env.dec" &&
    cmp -s "$tmp/p100k" "$tmp/env.node" && cmp -s "$tmp/p100k" "$tmp/env.dec"
then
	ok "--ikm-env and --ikm-file, default rs 4096"
else
	not_ok "--ikm-env and --ikm-file, default rs 4096"
fi

# Damaged bodies are refused and leave no OUT behind.
size=$(wc -c <"$tmp/pxml.100.nenc")
head -c $((size - 1)) "$tmp/pxml.100.nenc" >"$tmp/trunc.ece"
if ! "$ctl" decrypt --ikm "$ikm" "$tmp/trunc.ece" "$tmp/trunc" \
    2>"$tmp/trunc.err" && [ ! -e "$tmp/trunc" ] &&
    grep -q 'authentication failed' "$tmp/trunc.err"; then
	ok "truncated body refused, nothing written"
else
	not_ok "truncated body refused, nothing written"
fi
other=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
if ! "$ctl" decrypt --ikm "$other" "$tmp/pxml.100.nenc" "$tmp/wrong" \
    2>/dev/null && [ ! -e "$tmp/wrong" ]; then
	ok "wrong IKM refused, nothing written"
else
	not_ok "wrong IKM refused, nothing written"
fi
finish
