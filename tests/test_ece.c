/*
 * test_ece.c — RFC 8188 aes128gcm: the RFC's two examples byte for byte,
 * round trips across record boundaries, streaming, and each way a decoder
 * must refuse its input.  Malformed records are sealed here with wolfSSL
 * directly, so the refusals do not depend on the encoder under test.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include "proto.h"
#include "failmalloc.h"

/* RFC 8188 §3.1 and §3.2. */
#define EX1_IKM		"yqdlZ-tYemfogSmv7Ws5PQ"
#define EX1_SALT	"I1BsxtFttlv3u_Oo94xnmw"
#define EX1_BODY	"I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-Ixk" \
			"Iva3MEB1PD-ly8Thjg"
#define EX2_IKM		"BO3ZVPxUlnLORbVGMpbT1Q"
#define EX2_SALT	"uNCkWiNYzKTnBN9ji3-qWA"
#define EX2_BODY	"uNCkWiNYzKTnBN9ji3-qWAAAABkCYTHOG8chz_gnvgOqdGYovxyj" \
			"uqRyJFjEDyoF1Fvkj6hQPdPHI51OEUKEpgz3SsLWIqS_uA"
#define WALRUS		"I am the walrus"

static uint8_t *
unb64(const char *s, size_t *len)
{
	char	 err[CR_ERRLEN];
	uint8_t	*p;

	p = b64_decode(s, strlen(s), len, err);
	if (p == NULL)
		fail_msg("%s: %s", s, err);
	return p;
}

static const uint8_t	test_ikm[] = "0123456789abcdef-any-length";
static const uint8_t	test_salt[ECE_SALTLEN] = "fixed salt 16 b";

static void
fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t	i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i + seed) * 2654435761U >> 13);
}

static void
test_rfc8188_example1(void **state)
{
	char	 err[CR_ERRLEN];
	uint8_t	*ikm, *salt, *body, *out;
	size_t	 ikmlen, saltlen, bodylen, outlen;

	ikm = unb64(EX1_IKM, &ikmlen);
	salt = unb64(EX1_SALT, &saltlen);
	body = unb64(EX1_BODY, &bodylen);
	assert_int_equal(bodylen, 53);

	assert_int_equal(ece_encrypt(WALRUS, strlen(WALRUS), ikm, ikmlen, salt,
	    4096, &out, &outlen, err), 0);
	assert_int_equal(outlen, bodylen);
	assert_memory_equal(out, body, bodylen);
	assert_int_equal(ece_encoded_len(strlen(WALRUS), 4096, 0), bodylen);
	free(out);

	assert_int_equal(ece_decrypt(body, bodylen, ikm, ikmlen, &out, &outlen,
	    err), 0);
	assert_int_equal(outlen, strlen(WALRUS));
	assert_memory_equal(out, WALRUS, outlen);
	free(out);
	free(ikm);
	free(salt);
	free(body);
}

static void
test_rfc8188_example2(void **state)
{
	struct crypt_buf b = { NULL, 0, 0 };
	struct ece	*e;
	char		 err[CR_ERRLEN];
	uint8_t		*ikm, *salt, *body, *out;
	size_t		 ikmlen, saltlen, bodylen, outlen;

	ikm = unb64(EX2_IKM, &ikmlen);
	salt = unb64(EX2_SALT, &saltlen);
	body = unb64(EX2_BODY, &bodylen);
	assert_int_equal(bodylen, 73);

	/* Key id "a1", rs 25; "I am th" with one byte of padding, then
	 * "e walrus" as the last record. */
	e = ece_enc_new(ikm, ikmlen, salt, 25, "a1", 2, crypt_buf_sink, &b,
	    err);
	assert_non_null(e);
	assert_int_equal(ece_enc_record(e, "I am th", 7, 1, 0, err), 0);
	assert_int_equal(ece_enc_record(e, "e walrus", 8, 0, 1, err), 0);
	assert_int_equal(ece_final(e, err), 0);
	ece_free(e);
	assert_int_equal(b.len, bodylen);
	assert_memory_equal(b.data, body, bodylen);
	crypt_buf_clear(&b);

	/* The decoder accepts any key id with the IKM it was given. */
	assert_int_equal(ece_decrypt(body, bodylen, ikm, ikmlen, &out, &outlen,
	    err), 0);
	assert_int_equal(outlen, strlen(WALRUS));
	assert_memory_equal(out, WALRUS, outlen);
	free(out);
	free(ikm);
	free(salt);
	free(body);
}

/* Feed IN to a fresh coder in pieces of STEP bytes. */
static int
stream(int decrypt, const uint8_t *in, size_t len, size_t step, uint32_t rs,
    struct crypt_buf *b, char *err)
{
	struct ece	*e;
	size_t		 off, n;
	int		 rv = -1;

	e = decrypt ? ece_dec_new(test_ikm, sizeof test_ikm, crypt_buf_sink, b,
	    err) : ece_enc_new(test_ikm, sizeof test_ikm, test_salt, rs, NULL,
	    0, crypt_buf_sink, b, err);
	if (e == NULL)
		return -1;
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		if (ece_update(e, in + off, n, err) != 0)
			goto out;
	}
	rv = ece_final(e, err);
out:
	ece_free(e);
	return rv;
}

static void
test_round_trip(void **state)
{
	static const uint32_t rss[] = { 18, 19, 25, 100, 4096 };
	static const size_t steps[] = { 1, 5, 4096, 1 << 20 };
	char		 err[CR_ERRLEN];
	uint8_t		*plain, *enc, *dec;
	size_t		 sizes[16], i, j, k, n, per, enclen, declen;
	struct crypt_buf b;

	for (k = 0; k < sizeof rss / sizeof rss[0]; k++) {
		per = rss[k] - 17;
		n = 0;
		sizes[n++] = 0; sizes[n++] = 1; sizes[n++] = 15;
		sizes[n++] = 16; sizes[n++] = 17; sizes[n++] = per - 1;
		sizes[n++] = per; sizes[n++] = per + 1; sizes[n++] = 2 * per;
		sizes[n++] = 2 * per + 1; sizes[n++] = 3 * per - 1;
		sizes[n++] = 10000;
		for (i = 0; i < n; i++) {
			plain = malloc(sizes[i] + 1);
			assert_non_null(plain);
			fill(plain, sizes[i], (unsigned int)(i + k));
			assert_int_equal(ece_encrypt(plain, sizes[i], test_ikm,
			    sizeof test_ikm, test_salt, rss[k], &enc, &enclen,
			    err), 0);
			assert_int_equal(enclen,
			    ece_encoded_len(sizes[i], rss[k], 0));
			assert_int_equal(ece_decrypt(enc, enclen, test_ikm,
			    sizeof test_ikm, &dec, &declen, err), 0);
			assert_int_equal(declen, sizes[i]);
			assert_memory_equal(dec, plain, sizes[i]);
			free(dec);

			for (j = 0; j < sizeof steps / sizeof steps[0]; j++) {
				memset(&b, 0, sizeof b);
				assert_int_equal(stream(0, plain, sizes[i],
				    steps[j], rss[k], &b, err), 0);
				assert_int_equal(b.len, enclen);
				assert_memory_equal(b.data, enc, enclen);
				crypt_buf_clear(&b);

				if (stream(1, enc, enclen, steps[j], 0, &b,
				    err) != 0)
					fail_msg("rs %u size %zu step %zu: %s",
					    rss[k], sizes[i], steps[j], err);
				assert_int_equal(b.len, sizes[i]);
				assert_memory_equal(b.data, plain, sizes[i]);
				crypt_buf_clear(&b);
			}
			free(enc);
			free(plain);
		}
	}
}

static void
test_random_salt_and_huge_rs(void **state)
{
	char	 err[CR_ERRLEN];
	uint8_t	*a, *b, *dec;
	size_t	 alen, blen, declen;

	assert_int_equal(ece_encrypt("x", 1, test_ikm, sizeof test_ikm, NULL,
	    4096, &a, &alen, err), 0);
	/* rs is a limit, not an allocation: 4 GiB costs nothing here. */
	assert_int_equal(ece_encrypt("x", 1, test_ikm, sizeof test_ikm, NULL,
	    UINT32_MAX, &b, &blen, err), 0);
	assert_int_equal(alen, 21 + 1 + 17);
	assert_int_equal(blen, alen);
	assert_memory_not_equal(a, b, ECE_SALTLEN);
	assert_memory_equal(b + 16, "\xff\xff\xff\xff\x00", 5);
	assert_int_equal(ece_decrypt(b, blen, test_ikm, sizeof test_ikm, &dec,
	    &declen, err), 0);
	assert_int_equal(declen, 1);
	assert_int_equal(dec[0], 'x');
	free(dec);
	free(a);
	free(b);
}

/*
 * An independent sealer for malformed bodies: header with RS and KEYID,
 * then records whose whole plaintexts (delimiters and padding included)
 * are given.
 */
struct rec {
	const char	*p;
	size_t		 len;
};

static size_t
craft(uint8_t *out, uint32_t rs, const char *keyid, const struct rec *r,
    size_t n)
{
	static const char info_cek[] = "Content-Encoding: aes128gcm";
	static const char info_nonce[] = "Content-Encoding: nonce";
	uint8_t	 cek[16], nonce[12], iv[12];
	size_t	 len, i, idlen = strlen(keyid);
	Aes	 aes;

	memcpy(out, test_salt, 16);
	out[16] = (uint8_t)(rs >> 24);
	out[17] = (uint8_t)(rs >> 16);
	out[18] = (uint8_t)(rs >> 8);
	out[19] = (uint8_t)rs;
	out[20] = (uint8_t)idlen;
	memcpy(out + 21, keyid, idlen);
	len = 21 + idlen;
	assert_int_equal(wc_HKDF(WC_SHA256, test_ikm, sizeof test_ikm,
	    test_salt, 16, (const byte *)info_cek, sizeof info_cek, cek, 16), 0);
	assert_int_equal(wc_HKDF(WC_SHA256, test_ikm, sizeof test_ikm,
	    test_salt, 16, (const byte *)info_nonce, sizeof info_nonce, nonce,
	    12), 0);
	assert_int_equal(wc_AesInit(&aes, NULL, INVALID_DEVID), 0);
	assert_int_equal(wc_AesGcmSetKey(&aes, cek, 16), 0);
	for (i = 0; i < n; i++) {
		memcpy(iv, nonce, 12);
		iv[11] ^= (uint8_t)i;
		assert_int_equal(wc_AesGcmEncrypt(&aes, out + len,
		    (const byte *)r[i].p, (word32)r[i].len, iv, 12,
		    out + len + r[i].len, 16, NULL, 0), 0);
		len += r[i].len + 16;
	}
	wc_AesFree(&aes);
	return len;
}

/* Decrypt must fail with ERR containing WANT, and return nothing. */
static void
refused(const uint8_t *in, size_t len, const uint8_t *ikm, size_t ikmlen,
    const char *want)
{
	char	 err[CR_ERRLEN] = "";
	uint8_t	*out = (uint8_t *)"untouched";
	size_t	 outlen = 12345;

	assert_int_equal(ece_decrypt(in, len, ikm, ikmlen, &out, &outlen, err),
	    -1);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	assert_string_equal((char *)out, "untouched");
	assert_int_equal(outlen, 12345);
}

static void
accepted(const uint8_t *in, size_t len, const char *want)
{
	char	 err[CR_ERRLEN] = "";
	uint8_t	*out;
	size_t	 outlen;

	if (ece_decrypt(in, len, test_ikm, sizeof test_ikm, &out, &outlen,
	    err) != 0)
		fail_msg("refused: %s", err);
	assert_int_equal(outlen, strlen(want));
	assert_memory_equal(out, want, outlen);
	free(out);
}

#define R(s)	{ s, sizeof s - 1 }
#define NREC(a)	(sizeof a / sizeof a[0])

static void
test_crafted(void **state)
{
	static const struct rec good[] = { R("abc\x02") };
	static const struct rec padded[] = { R("ab\x01\x00"), R("c\x02\0\0") };
	static const struct rec empty[] = { R("\x02") };
	static const struct rec zeros[] = { R("abc\x02"), R("\0\0\0") };
	static const struct rec onlyzero[] = { R("\0") };
	static const struct rec notlast[] = { R("abc\x01") };
	static const struct rec delim3[] = { R("abc\x03") };
	static const struct rec after[] = { R("abc\x02"), R("d\x02") };
	static const struct rec mid3[] = { R("abc\x03"), R("d\x02") };
	static const struct rec mid0[] = { R("abc\x00"), R("d\x02") };
	uint8_t	 buf[1024];
	size_t	 len;
	char	 id[256];

	/* The sealer itself is right: these decode. */
	accepted(buf, craft(buf, 4096, "", good, 1), "abc");
	accepted(buf, craft(buf, 20, "", padded, 2), "abc");
	accepted(buf, craft(buf, 18, "", empty, 1), "");
	memset(id, 'k', 255);
	id[255] = '\0';
	accepted(buf, craft(buf, 4096, id, good, 1), "abc");

	/* rs 20: "abc" and a delimiter fill a record of 20 bytes. */
	len = craft(buf, 20, "", zeros, NREC(zeros));
	refused(buf, len, test_ikm, sizeof test_ikm, "data after the last");
	len = craft(buf, 4096, "", onlyzero, 1);
	refused(buf, len, test_ikm, sizeof test_ikm, "without a delimiter");
	len = craft(buf, 4096, "", notlast, 1);
	refused(buf, len, test_ikm, sizeof test_ikm, "not marked as the last");
	len = craft(buf, 4096, "", delim3, 1);
	refused(buf, len, test_ikm, sizeof test_ikm, "delimiter 0x03");
	len = craft(buf, 20, "", after, NREC(after));
	refused(buf, len, test_ikm, sizeof test_ikm, "data after the last");
	len = craft(buf, 20, "", mid3, NREC(mid3));
	refused(buf, len, test_ikm, sizeof test_ikm, "delimiter 0x03");
	len = craft(buf, 20, "", mid0, NREC(mid0));
	refused(buf, len, test_ikm, sizeof test_ikm, "delimiter 0x63");

	/* Record sizes: 0, 17 and the RFC's minimum. */
	len = craft(buf, 0, "", good, 1);
	refused(buf, len, test_ikm, sizeof test_ikm, "record size 0");
	len = craft(buf, 17, "", empty, 1);
	refused(buf, len, test_ikm, sizeof test_ikm, "record size 17");
	len = craft(buf, 18, "", empty, 1);
	accepted(buf, len, "");
	/* A record longer than rs is split where rs says: tags fail. */
	len = craft(buf, 18, "", good, 1);
	refused(buf, len, test_ikm, sizeof test_ikm, "authentication failed");
}

static void
test_refused(void **state)
{
	char	 err[CR_ERRLEN];
	uint8_t	*ikm1, *ikm2, *ex1, *ex2, *bad;
	size_t	 ikm1len, ikm2len, ex1len, ex2len, n;

	ikm1 = unb64(EX1_IKM, &ikm1len);
	ikm2 = unb64(EX2_IKM, &ikm2len);
	ex1 = unb64(EX1_BODY, &ex1len);
	ex2 = unb64(EX2_BODY, &ex2len);
	bad = malloc(ex2len + 100);
	assert_non_null(bad);

	for (n = 0; n < 21; n++)
		refused(ex1, n, ikm1, ikm1len, "truncated header");
	refused(ex2, 22, ikm2, ikm2len, "truncated header (22 of 23");
	refused(ex1, 21, ikm1, ikm1len, "no records after the header");
	refused(ex2, 23, ikm2, ikm2len, "no records after the header");
	for (n = 22; n < 21 + 17; n++)
		refused(ex1, n, ikm1, ikm1len, "truncated: record 0");
	for (n = 21 + 17; n < ex1len; n++)
		refused(ex1, n, ikm1, ikm1len, "authentication failed");
	/* Cut at the record boundary: record 0 ends in 0x01. */
	refused(ex2, 23 + 25, ikm2, ikm2len, "not marked as the last");
	refused(ex2, 23 + 25 + 5, ikm2, ikm2len, "truncated: record 1");
	refused(ex2, 23 + 25 + 20, ikm2, ikm2len, "record 1: authentication");

	/* Every single bit flipped past the header is caught. */
	for (n = 21 * 8; n < ex1len * 8; n++) {
		memcpy(bad, ex1, ex1len);
		bad[n / 8] ^= (uint8_t)(1 << (n % 8));
		refused(bad, ex1len, ikm1, ikm1len, "authentication failed");
	}
	/* The salt is an input of the key: a changed one fails the tag. */
	memcpy(bad, ex1, ex1len);
	bad[3] ^= 0x40;
	refused(bad, ex1len, ikm1, ikm1len, "authentication failed");

	refused(ex1, ex1len, ikm2, ikm2len, "record 0: authentication failed");
	refused(ex2, ex2len, ikm1, ikm1len, "record 0: authentication failed");
	refused(ex1, ex1len, ikm1, 0, "empty IKM");

	/* Garbage after the examples. */
	memcpy(bad, ex1, ex1len);
	bad[ex1len] = 'x';
	refused(bad, ex1len + 1, ikm1, ikm1len, "authentication failed");
	memcpy(bad, ex2, ex2len);
	memset(bad + ex2len, 0, 40);
	refused(bad, ex2len + 40, ikm2, ikm2len, "data after the last record");
	refused((const uint8_t *)"<?xml version=\"1.0\"?><flat-profile/>", 36,
	    ikm1, ikm1len, "truncated header");

	assert_null(ece_enc_new(ikm1, ikm1len, NULL, 17, NULL, 0,
	    crypt_buf_sink, NULL, err));
	assert_non_null(strstr(err, "record size 17 is below"));
	assert_null(ece_enc_new(ikm1, ikm1len, NULL, 4096, bad, 256,
	    crypt_buf_sink, NULL, err));
	assert_non_null(strstr(err, "key id longer"));
	assert_null(ece_enc_new(ikm1, 0, NULL, 4096, NULL, 0, crypt_buf_sink,
	    NULL, err));

	free(bad);
	free(ikm1);
	free(ikm2);
	free(ex1);
	free(ex2);
}

static void
test_enc_record_refused(void **state)
{
	struct crypt_buf b = { NULL, 0, 0 };
	struct ece	*e;
	char		 err[CR_ERRLEN];

	e = ece_enc_new(test_ikm, sizeof test_ikm, test_salt, 25, NULL, 0,
	    crypt_buf_sink, &b, err);
	assert_non_null(e);
	/* Not the last, so it must fill all 25 bytes. */
	assert_int_equal(ece_enc_record(e, "abc", 3, 0, 0, err), -1);
	assert_non_null(strstr(err, "does not fit"));
	assert_int_equal(ece_enc_record(e, "abcdefghi", 9, 0, 1, err), -1);
	assert_int_equal(ece_enc_record(e, "abc", 3, SIZE_MAX, 1, err), -1);
	assert_int_equal(ece_enc_record(e, "abcdefgh", 8, 0, 0, err), 0);
	assert_int_equal(ece_update(e, "x", 1, err), 0);
	assert_int_equal(ece_enc_record(e, "y", 1, 0, 1, err), -1);
	assert_non_null(strstr(err, "buffered"));
	assert_int_equal(ece_final(e, err), 0);
	assert_int_equal(ece_update(e, "z", 1, err), -1);
	ece_free(e);
	accepted(b.data, b.len, "abcdefghx");
	crypt_buf_clear(&b);
}

/* A record's plaintext is released only once it is known and verified. */
static void
test_release_after_verify(void **state)
{
	struct crypt_buf b = { NULL, 0, 0 };
	struct ece	*e;
	char		 err[CR_ERRLEN];
	uint8_t		*enc, plain[24];
	size_t		 enclen;

	fill(plain, sizeof plain, 3);
	/* rs 25: three full records of 8 bytes, the last marked 0x02. */
	assert_int_equal(ece_encrypt(plain, sizeof plain, test_ikm,
	    sizeof test_ikm, test_salt, 25, &enc, &enclen, err), 0);
	assert_int_equal(enclen, 21 + 3 * 25);
	e = ece_dec_new(test_ikm, sizeof test_ikm, crypt_buf_sink, &b, err);
	assert_non_null(e);
	assert_int_equal(ece_update(e, enc, 21 + 25, err), 0);
	assert_int_equal(b.len, 0);	/* record 0 might still be the last */
	assert_int_equal(ece_update(e, enc + 46, 1, err), 0);
	assert_int_equal(b.len, 8);
	assert_int_equal(ece_update(e, enc + 47, enclen - 47, err), 0);
	assert_int_equal(b.len, 16);
	assert_int_equal(ece_final(e, err), 0);
	assert_int_equal(b.len, 24);
	assert_memory_equal(b.data, plain, 24);
	assert_int_equal(ece_final(e, err), -1);
	ece_free(e);
	ece_free(NULL);
	crypt_buf_clear(&b);
	free(enc);
}

static int
refusing_sink(void *arg, const uint8_t *p, size_t len)
{
	return -1;
}

static void
test_sink_refuses(void **state)
{
	struct ece	*e;
	char		 err[CR_ERRLEN];

	e = ece_enc_new(test_ikm, sizeof test_ikm, NULL, 4096, NULL, 0,
	    refusing_sink, NULL, err);
	assert_non_null(e);
	assert_int_equal(ece_update(e, "abc", 3, err), 0);	/* buffered */
	assert_int_equal(ece_final(e, err), -1);
	assert_string_equal(err, "aes128gcm: output refused");
	assert_int_equal(ece_final(e, err), -1);
	ece_free(e);
}

/*
 * Fail each allocation of ours in turn: every failure is a clean "out of
 * memory" with nothing returned and nothing leaked (ASan checks), and the
 * run that finally succeeds gives the right bytes.
 */
static void
test_out_of_memory(void **state)
{
	struct crypt_buf b;
	char		 err[CR_ERRLEN];
	uint8_t		 plain[300], *ref, *out;
	size_t		 reflen, outlen;
	long		 n;
	int		 rv;

	if (!failmalloc_active())
		skip();
	fill(plain, sizeof plain, 11);
	assert_int_equal(ece_encrypt(plain, sizeof plain, test_ikm,
	    sizeof test_ikm, test_salt, 100, &ref, &reflen, err), 0);
	for (n = 0;; n++) {
		failmalloc_after(n);
		rv = ece_encrypt(plain, sizeof plain, test_ikm, sizeof test_ikm,
		    test_salt, 100, &out, &outlen, err);
		failmalloc_after(-1);
		if (rv == 0)
			break;
		assert_string_equal(err, "out of memory");
	}
	assert_true(n > 0);
	assert_int_equal(outlen, reflen);
	assert_memory_equal(out, ref, reflen);
	free(out);
	for (n = 0;; n++) {
		failmalloc_after(n);
		rv = ece_decrypt(ref, reflen, test_ikm, sizeof test_ikm, &out,
		    &outlen, err);
		failmalloc_after(-1);
		if (rv == 0)
			break;
		assert_string_equal(err, "out of memory");
	}
	assert_true(n > 0);
	assert_int_equal(outlen, sizeof plain);
	assert_memory_equal(out, plain, outlen);
	free(out);
	/* Streaming into a growing buffer: the record buffer and the sink. */
	for (n = 0;; n++) {
		memset(&b, 0, sizeof b);
		failmalloc_after(n);
		rv = stream(1, ref, reflen, 7, 0, &b, err);
		failmalloc_after(-1);
		if (rv == 0)
			break;
		/* Ours, or the caller's sink failing to grow. */
		assert_true(strstr(err, "out of memory") != NULL ||
		    strstr(err, "output refused") != NULL);
		crypt_buf_clear(&b);
	}
	assert_true(n > 0);
	assert_int_equal(b.len, sizeof plain);
	crypt_buf_clear(&b);
	free(ref);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8188_example1),
		cmocka_unit_test(test_rfc8188_example2),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_random_salt_and_huge_rs),
		cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_enc_record_refused),
		cmocka_unit_test(test_release_after_verify),
		cmocka_unit_test(test_sink_refuses),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
