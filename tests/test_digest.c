/*
 * test_digest.c — RFC 7616 Digest as the agent checks it: the published
 * vectors, the Authorization parser, nonces, and the replay table.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto.h"

static struct digest_auth	auth;
static struct digest_server	srv;

static const uint8_t secret_a[DIGEST_SECRET_LEN] = { 1, 2, 3, 4, 5 };
static const uint8_t secret_b[DIGEST_SECRET_LEN] = { 9, 9, 9 };

/* RFC 2617 §3.5. */
static void
test_rfc2617(void **state)
{
	char	out[DIGEST_HEX_MAX + 1], err[CR_ERRLEN];
	const char *h = "Digest username=\"Mufasa\",\n"
	    "                 realm=\"testrealm@host.com\",\n"
	    "                 nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\n"
	    "                 uri=\"/dir/index.html\",\n"
	    "                 qop=auth,\n"
	    "                 nc=00000001,\n"
	    "                 cnonce=\"0a4f113b\",\n"
	    "                 response=\"6629fae49393a05397450978507c4ef1\",\n"
	    "                 opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

	assert_int_equal(digest_compute(DIGEST_MD5, "Mufasa",
	    "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
	    "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b",
	    out), 0);
	assert_string_equal(out, "6629fae49393a05397450978507c4ef1");

	/* SIP unfolds rows to single spaces; the parser takes both. */
	assert_int_equal(digest_parse(h, strlen(h), &auth, err), -1);
	{
		char	flat[1024];
		size_t	i, n = 0;

		for (i = 0; h[i] != '\0'; i++)
			if (h[i] != '\n')
				flat[n++] = h[i];
		flat[n] = '\0';
		if (digest_parse(flat, n, &auth, err) == -1)
			fail_msg("%s", err);
	}
	assert_int_equal(auth.is_digest, 1);
	assert_string_equal(auth.username, "Mufasa");
	assert_string_equal(auth.realm, "testrealm@host.com");
	assert_string_equal(auth.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	assert_string_equal(auth.uri, "/dir/index.html");
	assert_string_equal(auth.qop, "auth");
	assert_string_equal(auth.nc_str, "00000001");
	assert_int_equal(auth.nc, 1);
	assert_string_equal(auth.cnonce, "0a4f113b");
	assert_string_equal(auth.response, "6629fae49393a05397450978507c4ef1");
	assert_string_equal(auth.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	assert_null(auth.algorithm);
}

/* RFC 7616 §3.9.1: the same request with SHA-256 and with MD5. */
static void
test_rfc7616(void **state)
{
	char		 out[DIGEST_HEX_MAX + 1], err[CR_ERRLEN];
	enum digest_alg	 alg;
	const char	*h = "Digest username=\"Mufasa\", "
	    "realm=\"http-auth@example.org\", uri=\"/dir/index.html\", "
	    "algorithm=SHA-256, "
	    "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
	    "nc=00000001, "
	    "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "
	    "qop=auth, response=\"753927fa0e85d155564e2e272a28d180"
	    "2ca10daf4496794697cf8db5856cb6c1\", "
	    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

	assert_int_equal(digest_compute(DIGEST_SHA256, "Mufasa",
	    "http-auth@example.org", "Circle of Life", "GET",
	    "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
	    "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", out),
	    0);
	assert_string_equal(out,
	    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
	assert_int_equal(digest_compute(DIGEST_MD5, "Mufasa",
	    "http-auth@example.org", "Circle of Life", "GET",
	    "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
	    "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", out),
	    0);
	assert_string_equal(out, "8ca523f5e9506fed4657c9700eebdbec");

	if (digest_parse(h, strlen(h), &auth, err) == -1)
		fail_msg("%s", err);
	assert_string_equal(auth.algorithm, "SHA-256");
	assert_int_equal(digest_alg_parse(auth.algorithm, &alg), 0);
	assert_int_equal(alg, DIGEST_SHA256);
	assert_int_equal(digest_alg_parse("md5", &alg), 0);
	assert_int_equal(alg, DIGEST_MD5);
	assert_int_equal(digest_alg_parse("SHA-256-sess", &alg), -1);
	assert_int_equal(digest_alg_parse("SHA-512-256", &alg), -1);
	assert_string_equal(auth.nonce,
	    "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
}

/* RFC 7616 §3.9.2's username*, escapes, schemes, case. */
static void
test_parse(void **state)
{
	char		 err[CR_ERRLEN];
	const char	*h;

	h = "Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=r";
	if (digest_parse(h, strlen(h), &auth, err) == -1)
		fail_msg("%s", err);
	assert_string_equal(auth.username, "J\xc3\xa4s\xc3\xb8n Doe");

	h = "digest USERNAME=\"a\\\"b\\\\c\" ,, Realm = \"x\" ,nc=0000000A,"
	    "foo=bar, baz=\"q,u=o\"";
	if (digest_parse(h, strlen(h), &auth, err) == -1)
		fail_msg("%s", err);
	assert_string_equal(auth.username, "a\"b\\c");
	assert_string_equal(auth.realm, "x");
	assert_int_equal(auth.nc, 10);
	assert_string_equal(auth.nc_str, "0000000A");

	h = "Digest userhash=true, username=\"u\"";
	assert_int_equal(digest_parse(h, strlen(h), &auth, err), 0);
	assert_int_equal(auth.userhash, 1);

	/* Other schemes are not errors: they are not ours. */
	h = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
	assert_int_equal(digest_parse(h, strlen(h), &auth, err), 0);
	assert_int_equal(auth.is_digest, 0);
	h = "Digestive x=1";
	assert_int_equal(digest_parse(h, strlen(h), &auth, err), 0);
	assert_int_equal(auth.is_digest, 0);
}

static void
test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"",
		"   ",
		"Digest",
		"Digest   ",
		"Digest,",
		"Digest\"x\"",
		"Digest username",
		"Digest username=",
		"Digest username=\"a",
		"Digest username=\"a\\",
		"Digest username=\"a\" realm=\"b\"",
		"Digest username=a b",
		"Digest username=\"a\", username=\"b\"",
		"Digest username=\"a\", username*=UTF-8''b",
		"Digest username*=\"UTF-8''b\"",
		"Digest username*=ISO-8859-1''b",
		"Digest username*=UTF-8''%4",
		"Digest username*=UTF-8''%00",
		"Digest username*=UTF-8''%ff",
		"Digest username*=UTF-8'en",
		"Digest nc=1",
		"Digest nc=0000000g",
		"Digest nc=000000001",
		"Digest nc=00000001, nc=00000002",
		"Digest userhash=maybe",
		"Digest userhash=true, userhash=false",
		"Digest uri=sip:x@h",
		"Digest realm=\"a\001b\"",
		"Digest =x",
	};
	char	err[CR_ERRLEN];
	size_t	i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (digest_parse(bad[i], strlen(bad[i]), &auth, err) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0] != '\0');
	}
	/* A value longer than the buffer is refused, not overrun. */
	{
		static char	huge[SIP_MAX_MSG + 64];
		size_t		n;

		n = (size_t)snprintf(huge, sizeof huge, "Digest realm=\"");
		memset(huge + n, 'r', sizeof huge - n - 2);
		huge[sizeof huge - 2] = '"';
		huge[sizeof huge - 1] = '\0';
		assert_int_equal(digest_parse(huge, strlen(huge), &auth, err),
		    -1);
	}
}

static void
test_nonce(void **state)
{
	char	n1[DIGEST_NONCE_LEN + 1], n2[DIGEST_NONCE_LEN + 1];
	char	c[512], err[CR_ERRLEN];
	size_t	i;

	assert_int_equal(digest_server_init(&srv, "", secret_a, err), -1);
	assert_int_equal(digest_server_init(&srv, "a\"b", secret_a, err), -1);
	assert_int_equal(digest_server_init(&srv,
	    "0123456789012345678901234567890123456789012345678901234567890123",
	    secret_a, err), -1);
	assert_int_equal(digest_server_init(&srv, "cfgreport", secret_a, err),
	    0);
	assert_int_equal(digest_nonce(&srv, 1000, n1), 0);
	assert_int_equal(digest_nonce(&srv, 1000, n2), 0);
	assert_int_equal(strlen(n1), DIGEST_NONCE_LEN);
	for (i = 0; i < DIGEST_NONCE_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", n1[i]));
	/* Same second, different nonces: each has its own nc space. */
	assert_string_not_equal(n1, n2);
	assert_true(strncmp(n1, "00000000000003e8", 16) == 0);
	assert_true(strncmp(n1 + 16, "0000000000000001", 16) == 0);
	assert_true(strncmp(n2 + 16, "0000000000000002", 16) == 0);

	i = (size_t)digest_challenge(&srv, DIGEST_MD5, n1, 0, c, sizeof c);
	assert_int_equal(i, strlen(c));
	snprintf(err, sizeof err, "Digest realm=\"cfgreport\", nonce=\"%s\", "
	    "qop=\"auth\", algorithm=MD5", n1);
	assert_string_equal(c, err);
	digest_challenge(&srv, DIGEST_SHA256, n1, 1, c, sizeof c);
	snprintf(err, sizeof err, "Digest realm=\"cfgreport\", nonce=\"%s\", "
	    "qop=\"auth\", algorithm=SHA-256, stale=true", n1);
	assert_string_equal(c, err);
	assert_int_equal(digest_challenge(&srv, DIGEST_MD5, n1, 0, c, 40), -1);

	/* Tags: keyed, deterministic. */
	{
		char	t1[17], t2[17], t3[17];

		assert_int_equal(digest_tag(&srv, "abc", 3, t1), 0);
		assert_int_equal(digest_tag(&srv, "abc", 3, t2), 0);
		assert_int_equal(digest_tag(&srv, "abd", 3, t3), 0);
		assert_int_equal(strlen(t1), 16);
		assert_string_equal(t1, t2);
		assert_string_not_equal(t1, t3);
		digest_server_init(&srv, "cfgreport", secret_b, err);
		assert_int_equal(digest_tag(&srv, "abc", 3, t2), 0);
		assert_string_not_equal(t1, t2);
	}
	/* Overwritten (crypt_wipe's pattern need not be zeros). */
	digest_server_clear(&srv);
	assert_memory_not_equal(srv.secret, secret_b, sizeof srv.secret);
}

/* What a client would send for NONCE, NC, with this algorithm and password. */
static void
client(const char *alg, const char *nonce, uint32_t nc, const char *user,
    const char *password, const char *method)
{
	char		h[1024], ncs[9], resp[DIGEST_HEX_MAX + 1];
	char		err[CR_ERRLEN];
	enum digest_alg	a = DIGEST_MD5;

	if (alg != NULL)
		assert_int_equal(digest_alg_parse(alg, &a), 0);
	snprintf(ncs, sizeof ncs, "%08x", nc);
	assert_int_equal(digest_compute(a, user, "cfgreport", password,
	    method, "sip:192.0.2.1:5060", nonce, ncs, "c0ffee", resp), 0);
	snprintf(h, sizeof h, "Digest username=\"%s\", realm=\"cfgreport\", "
	    "nonce=\"%s\", uri=\"sip:192.0.2.1:5060\", response=\"%s\", "
	    "cnonce=\"c0ffee\", qop=auth, nc=%s%s%s", user, nonce, resp, ncs,
	    alg != NULL ? ", algorithm=" : "", alg != NULL ? alg : "");
	if (digest_parse(h, strlen(h), &auth, err) == -1)
		fail_msg("%s", err);
}

static enum digest_verdict
verify(const char *txn, uint64_t now, char *err)
{
	return digest_verify(&srv, &auth, "NOTIFY", "alice", "s3cret", txn,
	    strlen(txn), now, err);
}

static void
test_verify(void **state)
{
	char	n[DIGEST_NONCE_LEN + 1], err[CR_ERRLEN];

	digest_server_init(&srv, "cfgreport", secret_a, err);
	assert_int_equal(digest_nonce(&srv, 5000, n), 0);

	client(NULL, n, 1, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("t1", 5001, err), DIGEST_ACCEPT);
	/* The same request again: a retransmission, no second round. */
	assert_int_equal(verify("t1", 5002, err), DIGEST_RETRANSMIT);
	/* The same nc in another request: a replay. */
	assert_int_equal(verify("t2", 5002, err), DIGEST_REFUSE);
	assert_non_null(strstr(err, "replayed"));
	/* ... and the retransmission window closes. */
	assert_int_equal(verify("t1", 5001 + DIGEST_TXN_TTL + 1, err),
	    DIGEST_REFUSE);
	client(NULL, n, 3, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("t3", 5010, err), DIGEST_ACCEPT);
	client(NULL, n, 2, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("t4", 5010, err), DIGEST_REFUSE);
	client("SHA-256", n, 4, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("t5", 5010, err), DIGEST_ACCEPT);
	client("sha-256", n, 5, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("t6", 5010, err), DIGEST_ACCEPT);
	client("MD5", n, 6, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("t7", 5010, err), DIGEST_ACCEPT);

	/* Wrong credentials never touch the table. */
	client(NULL, n, 7, "alice", "wrong", "NOTIFY");
	assert_int_equal(verify("t8", 5010, err), DIGEST_REFUSE);
	assert_string_equal(err, "wrong response");
	client(NULL, n, 7, "bob", "s3cret", "NOTIFY");
	assert_int_equal(verify("t8", 5010, err), DIGEST_REFUSE);
	client(NULL, n, 7, "alice", "s3cret", "OPTIONS");
	assert_int_equal(verify("t8", 5010, err), DIGEST_REFUSE);
	client(NULL, n, 7, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("t8", 5010, err), DIGEST_ACCEPT);

	/* Responses in upper-case hex are the same digest. */
	client(NULL, n, 8, "alice", "s3cret", "NOTIFY");
	{
		char	*r = (char *)auth.response;

		for (; *r != '\0'; r++)
			if (*r >= 'a' && *r <= 'f')
				*r = (char)(*r - 32);
	}
	assert_int_equal(verify("t9", 5010, err), DIGEST_ACCEPT);

	/* Expired, from the future, or not ours: stale when right. */
	client(NULL, n, 9, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("ta", 5000 + DIGEST_NONCE_TTL, err),
	    DIGEST_ACCEPT);
	client(NULL, n, 10, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("tb", 5000 + DIGEST_NONCE_TTL + 1, err),
	    DIGEST_STALE);
	assert_int_equal(verify("tb", 4999, err), DIGEST_STALE);
	n[70 - DIGEST_NONCE_LEN] ^= 1;	/* a timestamp digit */
	client(NULL, n, 1, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("tc", 5010, err), DIGEST_STALE);
	client(NULL, n, 1, "alice", "wrong", "NOTIFY");
	assert_int_equal(verify("tc", 5010, err), DIGEST_REFUSE);
	client(NULL, "00", 1, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("tc", 5010, err), DIGEST_STALE);
	{
		struct digest_server	other;
		char			on[DIGEST_NONCE_LEN + 1];

		digest_server_init(&other, "cfgreport", secret_b, err);
		digest_nonce(&other, 5000, on);
		client(NULL, on, 1, "alice", "s3cret", "NOTIFY");
		assert_int_equal(verify("td", 5010, err), DIGEST_STALE);
	}
}

/* What the verifier insists on beyond a right response. */
static void
test_verify_refusals(void **state)
{
	static const char *const tails[] = {
		"",				/* no qop */
		", qop=auth-int",
		", qop=auth, algorithm=MD5-sess",
		", qop=auth, algorithm=SHA-256",	/* MD5 response */
		", qop=auth, userhash=true",
	};
	char	 n[DIGEST_NONCE_LEN + 1], err[CR_ERRLEN], h[1024];
	char	 resp[DIGEST_HEX_MAX + 1];
	size_t	 i;

	digest_server_init(&srv, "cfgreport", secret_a, err);
	digest_nonce(&srv, 100, n);
	digest_compute(DIGEST_MD5, "alice", "cfgreport", "s3cret", "NOTIFY",
	    "sip:x", n, "00000001", "cn", resp);
	for (i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		snprintf(h, sizeof h, "Digest username=\"alice\", "
		    "realm=\"cfgreport\", nonce=\"%s\", uri=\"sip:x\", "
		    "response=\"%s\", cnonce=\"cn\", nc=00000001%s", n, resp,
		    tails[i]);
		assert_int_equal(digest_parse(h, strlen(h), &auth, err), 0);
		if (digest_verify(&srv, &auth, "NOTIFY", "alice", "s3cret",
		    "t", 1, 101, err) != DIGEST_REFUSE)
			fail_msg("accepted: %s", h);
	}
	/* Missing pieces, another realm, nc 0. */
	snprintf(h, sizeof h, "Digest username=\"alice\", realm=\"other\", "
	    "nonce=\"%s\", uri=\"sip:x\", response=\"%s\", cnonce=\"cn\", "
	    "nc=00000001, qop=auth", n, resp);
	digest_parse(h, strlen(h), &auth, err);
	assert_int_equal(digest_verify(&srv, &auth, "NOTIFY", "alice",
	    "s3cret", "t", 1, 101, err), DIGEST_REFUSE);
	snprintf(h, sizeof h, "Digest username=\"alice\", realm=\"cfgreport\", "
	    "nonce=\"%s\", response=\"%s\", cnonce=\"cn\", nc=00000001, "
	    "qop=auth", n, resp);
	digest_parse(h, strlen(h), &auth, err);
	assert_int_equal(digest_verify(&srv, &auth, "NOTIFY", "alice",
	    "s3cret", "t", 1, 101, err), DIGEST_REFUSE);
	digest_compute(DIGEST_MD5, "alice", "cfgreport", "s3cret", "NOTIFY",
	    "sip:x", n, "00000000", "cn", resp);
	snprintf(h, sizeof h, "Digest username=\"alice\", realm=\"cfgreport\", "
	    "nonce=\"%s\", uri=\"sip:x\", response=\"%s\", cnonce=\"cn\", "
	    "nc=00000000, qop=auth", n, resp);
	digest_parse(h, strlen(h), &auth, err);
	assert_int_equal(digest_verify(&srv, &auth, "NOTIFY", "alice",
	    "s3cret", "t", 1, 101, err), DIGEST_REFUSE);
	auth.is_digest = 0;
	assert_int_equal(digest_verify(&srv, &auth, "NOTIFY", "alice",
	    "s3cret", "t", 1, 101, err), DIGEST_REFUSE);
}

/*
 * The table holds DIGEST_NC_SLOTS nonces.  One more evicts the oldest,
 * whose nonce is then stale forever (never accepted again), while the
 * others keep their counts; expired entries are reused first.
 */
static void
test_table(void **state)
{
	char	n[DIGEST_NC_SLOTS + 2][DIGEST_NONCE_LEN + 1];
	char	err[CR_ERRLEN], txn[32];
	size_t	i, used;

	digest_server_init(&srv, "cfgreport", secret_a, err);
	for (i = 0; i < DIGEST_NC_SLOTS + 1; i++) {
		digest_nonce(&srv, 1000, n[i]);
		client(NULL, n[i], 1, "alice", "s3cret", "NOTIFY");
		snprintf(txn, sizeof txn, "a%zu", i);
		assert_int_equal(verify(txn, 1000, err), DIGEST_ACCEPT);
	}
	for (i = used = 0; i < DIGEST_NC_SLOTS; i++)
		used += srv.nc[i].id != 0;
	assert_int_equal(used, DIGEST_NC_SLOTS);
	/* n[0] was evicted: its next nc is stale, its replay too. */
	client(NULL, n[0], 2, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("b0", 1001, err), DIGEST_STALE);
	client(NULL, n[0], 1, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("a0", 1001, err), DIGEST_STALE);
	/* The others still refuse a replay and take the next nc. */
	for (i = 1; i < DIGEST_NC_SLOTS + 1; i++) {
		client(NULL, n[i], 1, "alice", "s3cret", "NOTIFY");
		assert_int_equal(verify("z", 1001, err), DIGEST_REFUSE);
		client(NULL, n[i], 2, "alice", "s3cret", "NOTIFY");
		assert_int_equal(verify("z", 1001, err), DIGEST_ACCEPT);
	}
	/*
	 * Once they have expired, new nonces take their slots (oldest
	 * first) and the expired ones are only ever stale.
	 */
	digest_nonce(&srv, 1200, n[DIGEST_NC_SLOTS + 1]);
	digest_nonce(&srv, 1400, n[0]);
	client(NULL, n[0], 1, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("c0", 1400, err), DIGEST_ACCEPT);
	client(NULL, n[DIGEST_NC_SLOTS + 1], 1, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("c1", 1400, err), DIGEST_ACCEPT);
	client(NULL, n[DIGEST_NC_SLOTS + 1], 1, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("c2", 1400, err), DIGEST_REFUSE);
	client(NULL, n[5], 3, "alice", "s3cret", "NOTIFY");
	assert_int_equal(verify("c3", 1400, err), DIGEST_STALE);
	for (i = used = 0; i < DIGEST_NC_SLOTS; i++)
		used += srv.nc[i].id != 0;
	assert_int_equal(used, DIGEST_NC_SLOTS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc2617),
		cmocka_unit_test(test_rfc7616),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_verify_refusals),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
