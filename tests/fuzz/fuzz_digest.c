/*
 * fuzz_digest.c — libFuzzer harness for the Authorization parser and
 * the Digest verification.
 *
 * Even first byte: the rest is an Authorization value.  The parser
 * fails with a one-line reason or yields NUL-terminated values without
 * control characters; verification against a server that issued the
 * nonces never accepts a response that is not the right one for the
 * password.
 *
 * Odd first byte: the rest drives a client with the right password
 * through a series of requests (nonce choice, nc, transaction, time):
 * the same nc is accepted at most once per nonce, except as the
 * retransmission of the same transaction, and a nonce older than
 * DIGEST_NONCE_TTL is never accepted.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct digest_auth	auth;
static struct digest_server	srv;
static const uint8_t		secret[DIGEST_SECRET_LEN] = { 42 };

static void
check_value(const char *v)
{
	const char	*p;

	if (v == NULL)
		return;
	if (v < auth.buf || v >= auth.buf + sizeof auth.buf)
		abort();
	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' && *p != '\t')
			abort();
}

static void
fuzz_parse(const uint8_t *data, size_t size)
{
	char		 err[CR_ERRLEN], want[DIGEST_HEX_MAX + 1];
	enum digest_alg	 alg = DIGEST_MD5;
	enum digest_verdict v;
	size_t		 i;

	err[0] = '\0';
	if (digest_parse((const char *)data, size, &auth, err) == -1) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			abort();
		return;
	}
	if (!auth.is_digest)
		return;
	check_value(auth.username);
	check_value(auth.realm);
	check_value(auth.nonce);
	check_value(auth.uri);
	check_value(auth.response);
	check_value(auth.cnonce);
	check_value(auth.qop);
	check_value(auth.opaque);
	check_value(auth.algorithm);
	check_value(auth.nc_str);
	if (auth.nc_str != NULL && strlen(auth.nc_str) != 8)
		abort();

	digest_server_init(&srv, "cfgreport", secret, err);
	v = digest_verify(&srv, &auth, "NOTIFY", "alice", "s3cret", "t", 1,
	    1000, err);
	if (v != DIGEST_ACCEPT && v != DIGEST_STALE)
		return;
	/* Only the right response gets this far. */
	if (auth.algorithm != NULL && digest_alg_parse(auth.algorithm,
	    &alg) == -1)
		abort();
	if (strcmp(auth.username, "alice") != 0 ||
	    digest_compute(alg, "alice", "cfgreport", "s3cret", "NOTIFY",
	    auth.uri, auth.nonce, auth.nc_str, auth.cnonce, want) == -1 ||
	    strlen(want) != strlen(auth.response))
		abort();
	for (i = 0; want[i] != '\0'; i++)
		if (want[i] != (auth.response[i] | 0x20))
			abort();
	/* And the nonce is not this server's: none was issued. */
	if (v == DIGEST_ACCEPT)
		abort();
}

#define FUZZ_NONCES	4

static void
fuzz_sequence(const uint8_t *data, size_t size)
{
	char		 nonces[FUZZ_NONCES][DIGEST_NONCE_LEN + 1];
	uint64_t	 issued[FUZZ_NONCES];
	uint32_t	 last[FUZZ_NONCES] = { 0 };
	uint32_t	 lasttxn[FUZZ_NONCES] = { 0 };
	char		 h[1024], resp[DIGEST_HEX_MAX + 1], ncs[9], txn[16];
	char		 err[CR_ERRLEN];
	uint64_t	 now = 100;
	size_t		 i, k;
	uint32_t	 nc, t;
	enum digest_verdict v;

	digest_server_init(&srv, "cfgreport", secret, err);
	for (k = 0; k < FUZZ_NONCES; k++) {
		digest_nonce(&srv, now, nonces[k]);
		issued[k] = now;
	}
	/* Each step: nonce index, nc (1 byte), transaction, time step. */
	for (i = 0; i + 4 <= size; i += 4) {
		k = data[i] % FUZZ_NONCES;
		nc = data[i + 1];
		t = data[i + 2] & 3;
		now += data[i + 3] & 0x3f;
		if (data[i] & 0x80) {
			/* A fresh nonce in this slot. */
			digest_nonce(&srv, now, nonces[k]);
			issued[k] = now;
			last[k] = 0;
		}
		snprintf(ncs, sizeof ncs, "%08x", nc);
		snprintf(txn, sizeof txn, "%zu-%u", k, t);
		if (digest_compute(DIGEST_MD5, "alice", "cfgreport", "s3cret",
		    "NOTIFY", "sip:x", nonces[k], ncs, "cn", resp) == -1)
			abort();
		snprintf(h, sizeof h, "Digest username=\"alice\", "
		    "realm=\"cfgreport\", nonce=\"%s\", uri=\"sip:x\", "
		    "response=\"%s\", cnonce=\"cn\", qop=auth, nc=%s",
		    nonces[k], resp, ncs);
		if (digest_parse(h, strlen(h), &auth, err) == -1)
			abort();
		v = digest_verify(&srv, &auth, "NOTIFY", "alice", "s3cret",
		    txn, strlen(txn), now, err);
		if (v == DIGEST_REFUSE && nc > last[k] && nc > 0 &&
		    now - issued[k] <= DIGEST_NONCE_TTL)
			/* Refused though new: only when the table forgot it. */
			if (strstr(err, "replayed") != NULL)
				abort();
		if (v == DIGEST_ACCEPT) {
			if (nc <= last[k] || now - issued[k] > DIGEST_NONCE_TTL)
				abort();
			last[k] = nc;
			lasttxn[k] = t;
		}
		if (v == DIGEST_RETRANSMIT && (nc != last[k] ||
		    t != lasttxn[k]))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_sequence(data + 1, size - 1);
	else
		fuzz_parse(data + 1, size - 1);
	return 0;
}
