#!/bin/sh
# cfgreportctl encrypt|decrypt --key against the real openssl binary, both
# ways and with both EVP_BytesToKey digests (spec.md §5.1).  Plaintexts are
# always compared: a wrong-digest decrypt can exit 0 with garbage.
set -u
. "$(dirname "$0")/lib.sh"
need openssl
ctl=$top_builddir/cfgreportctl
[ -x "$ctl" ] || { echo "no $ctl: build first"; exit 1; }

key='pass word;$x'
head -c 0 /dev/null >"$tmp/p0"
printf 'x' >"$tmp/p1"
head -c 15 /dev/urandom >"$tmp/p15"
head -c 16 /dev/urandom >"$tmp/p16"
head -c 17 /dev/urandom >"$tmp/p17"
cp "$top_srcdir/tests/data/osslenc-plain.xml" "$tmp/pxml"
head -c 102400 /dev/urandom >"$tmp/p100k"

for p in p0 p1 p15 p16 p17 pxml p100k; do
	in=$tmp/$p
	# Ours, then the seed's exact command (sha256 is its default).
	rm -f "$tmp/cfg.xml"
	if "$ctl" encrypt --key "$key" "$in" "$tmp/$p.enc" &&
	    (cd "$tmp" && openssl enc -d -aes-256-cbc -k "$key" \
	    -in "$p.enc" -out cfg.xml 2>/dev/null) &&
	    cmp -s "$in" "$tmp/cfg.xml"; then
		ok "$p: cfgreportctl encrypt, seed's openssl command decrypts"
	else
		not_ok "$p: cfgreportctl encrypt, seed's openssl command decrypts"
	fi
	if "$ctl" encrypt --key "$key" --md md5 "$in" "$tmp/$p.enc5" &&
	    openssl enc -d -aes-256-cbc -md md5 -k "$key" \
	    -in "$tmp/$p.enc5" -out "$tmp/$p.out5" 2>/dev/null &&
	    cmp -s "$in" "$tmp/$p.out5"; then
		ok "$p: cfgreportctl encrypt --md md5, openssl -md md5 decrypts"
	else
		not_ok "$p: cfgreportctl encrypt --md md5, openssl -md md5 decrypts"
	fi

	# openssl's, then ours.
	if openssl enc -e -aes-256-cbc -k "$key" -in "$in" \
	    -out "$tmp/$p.ossl" 2>/dev/null &&
	    "$ctl" decrypt --key "$key" "$tmp/$p.ossl" "$tmp/$p.dec" &&
	    cmp -s "$in" "$tmp/$p.dec"; then
		ok "$p: openssl enc, cfgreportctl decrypt"
	else
		not_ok "$p: openssl enc, cfgreportctl decrypt"
	fi
	if openssl enc -e -aes-256-cbc -md md5 -k "$key" -in "$in" \
	    -out "$tmp/$p.ossl5" 2>/dev/null &&
	    "$ctl" decrypt --key "$key" --md md5 "$tmp/$p.ossl5" \
	    "$tmp/$p.dec5" && cmp -s "$in" "$tmp/$p.dec5"; then
		ok "$p: openssl enc -md md5, cfgreportctl decrypt --md md5"
	else
		not_ok "$p: openssl enc -md md5, cfgreportctl decrypt --md md5"
	fi
done

# The key can come from a file (first line) or the environment.
printf '%s\n' "$key" >"$tmp/keyfile"
if CR_TEST_KEY=$key "$ctl" encrypt --key-env CR_TEST_KEY "$tmp/pxml" \
    "$tmp/env.enc" &&
    "$ctl" decrypt --key-file "$tmp/keyfile" "$tmp/env.enc" "$tmp/env.dec" &&
    openssl enc -d -aes-256-cbc -k "$key" -in "$tmp/env.enc" \
    -out "$tmp/env.ossl" 2>/dev/null &&
    cmp -s "$tmp/pxml" "$tmp/env.dec" && cmp -s "$tmp/pxml" "$tmp/env.ossl"
then
	ok "--key-env and --key-file give the same key as --key"
else
	not_ok "--key-env and --key-file give the same key as --key"
fi

# A refused decrypt exits non-zero and leaves no OUT behind.
if "$ctl" decrypt --key "wrong $key" "$tmp/pxml.enc" "$tmp/wrong" \
    2>"$tmp/wrong.err"; then
	# Padding can look valid by chance (1 in 256): then it is garbage.
	cmp -s "$tmp/pxml" "$tmp/wrong" && not_ok "wrong key decrypts" ||
	    ok "wrong key: no plaintext"
elif [ ! -e "$tmp/wrong" ] && grep -q 'bad padding' "$tmp/wrong.err"; then
	ok "wrong key refused, nothing written"
else
	not_ok "wrong key refused, nothing written"
fi
head -c 40 "$tmp/pxml.enc" >"$tmp/trunc.enc"
if ! "$ctl" decrypt --key "$key" "$tmp/trunc.enc" "$tmp/trunc" \
    2>"$tmp/trunc.err" && [ ! -e "$tmp/trunc" ] &&
    grep -q truncated "$tmp/trunc.err"; then
	ok "truncated file refused, nothing written"
else
	not_ok "truncated file refused, nothing written"
fi

# What docs/crypto.md tells server operators (issue 9, finding 12): the
# documented command decrypts and OpenSSL 3 warns about the derivation on
# stderr; following the warning's hint (-pbkdf2, -iter) fails.
if (cd "$tmp" && openssl enc -d -aes-256-cbc -md sha256 -k "$key" \
    -in pxml.enc -out doc.xml 2>doc.err) && cmp -s "$tmp/pxml" "$tmp/doc.xml"
then
	ok "the documented server command decrypts"
else
	not_ok "the documented server command decrypts"
fi
case $(openssl version) in
"OpenSSL 3"*)
	grep -q "deprecated key derivation used" "$tmp/doc.err" &&
	    ok "OpenSSL 3 warns as documented" ||
	    not_ok "OpenSSL 3 warns as documented"
	;;
esac
for hint in -pbkdf2 "-iter 1"; do
	if openssl enc -d -aes-256-cbc $hint -k "$key" -in "$tmp/pxml.enc" \
	    -out "$tmp/hint.xml" 2>/dev/null && cmp -s "$tmp/pxml" "$tmp/hint.xml"
	then
		not_ok "openssl $hint decrypts a --key report (docs say it fails)"
	else
		ok "openssl $hint does not decrypt a --key report"
	fi
done
finish
