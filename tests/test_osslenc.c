/*
 * test_osslenc.c — the openssl enc format: known answers from the real
 * openssl binary (tests/data/osslenc-*), round trips, streaming, and every
 * way a decoder must refuse its input.
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
#include "failmalloc.h"

static const char	key[] = "open sesame";
static const uint8_t	salt[OSSLENC_SALTLEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* A file of tests/data, from $top_srcdir (make check) or the build's. */
static uint8_t *
data_file(const char *name, size_t *lenp)
{
	const char	*top = getenv("top_srcdir");
	char		 path[4096];
	uint8_t		*buf;
	FILE		*f;
	long		 len;

	snprintf(path, sizeof path, "%s/tests/data/%s",
	    top != NULL ? top : TOP_SRCDIR, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: cannot open", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*lenp = (size_t)len;
	return buf;
}

static void
fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t	i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i + seed) * 2654435761U >> 13);
}

static void
kat(const char *encname, const char *plainname, enum rule_md md)
{
	char	 err[CR_ERRLEN];
	uint8_t	*enc, *plain, *out;
	size_t	 enclen, plainlen, outlen;

	enc = data_file(encname, &enclen);
	plain = data_file(plainname, &plainlen);
	assert_int_equal(enclen, osslenc_encoded_len(plainlen));
	assert_memory_equal(enc, "Salted__", 8);

	if (osslenc_decrypt(enc, enclen, key, strlen(key), md, &out, &outlen,
	    err) != 0)
		fail_msg("%s: %s", encname, err);
	assert_int_equal(outlen, plainlen);
	assert_memory_equal(out, plain, plainlen);
	free(out);

	/* openssl's own salt, so our encoder must give the same bytes. */
	assert_int_equal(osslenc_encrypt(plain, plainlen, key, strlen(key), md,
	    enc + 8, &out, &outlen, err), 0);
	assert_int_equal(outlen, enclen);
	assert_memory_equal(out, enc, enclen);
	free(out);

	/* The other digest derives another key: refused, not garbage. */
	out = (uint8_t *)"untouched";
	assert_int_equal(osslenc_decrypt(enc, enclen, key, strlen(key),
	    md == RULE_MD_MD5 ? RULE_MD_SHA256 : RULE_MD_MD5, &out, &outlen,
	    err), -1);
	assert_string_equal((char *)out, "untouched");
	free(enc);
	free(plain);
}

static void
test_kat_sha256(void **state)
{
	kat("osslenc-plain-sha256.enc", "osslenc-plain.xml", RULE_MD_SHA256);
	kat("osslenc-32-sha256.enc", "osslenc-32.txt", RULE_MD_SHA256);
}

static void
test_kat_md5(void **state)
{
	kat("osslenc-plain-md5.enc", "osslenc-plain.xml", RULE_MD_MD5);
	kat("osslenc-32-md5.enc", "osslenc-32.txt", RULE_MD_MD5);
}

static void
test_key_file(void **state)
{
	uint8_t	*k;
	size_t	 len;

	/* The password in the data set is the key file's first line. */
	k = data_file("osslenc.key", &len);
	assert_int_equal(len, strlen(key) + 1);
	assert_memory_equal(k, key, strlen(key));
	free(k);
}

/* Feeds IN to a fresh coder in pieces of STEP bytes. */
static int
stream(int decrypt, const uint8_t *in, size_t len, size_t step,
    enum rule_md md, struct crypt_buf *b, char *err)
{
	struct osslenc	*o;
	size_t		 off, n;
	int		 rv = -1;

	o = decrypt ? osslenc_dec_new(key, strlen(key), md, crypt_buf_sink, b,
	    err) : osslenc_enc_new(key, strlen(key), md, salt, crypt_buf_sink,
	    b, err);
	assert_non_null(o);
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		if (osslenc_update(o, in + off, n, err) != 0)
			goto out;
	}
	rv = osslenc_final(o, err);
out:
	osslenc_free(o);
	return rv;
}

static void
test_round_trip(void **state)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 31, 32, 33, 4095,
	    4096, 4097, 4111, 4112, 4113, 10000, 65536 + 7 };
	static const size_t steps[] = { 1, 7, 16, 4096, 100000 };
	enum rule_md	 md;
	char		 err[CR_ERRLEN];
	uint8_t		*plain, *enc, *dec;
	size_t		 i, j, enclen, declen;
	struct crypt_buf b;

	for (md = RULE_MD_SHA256; md <= RULE_MD_MD5; md++) {
		for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			plain = malloc(sizes[i] + 1);
			assert_non_null(plain);
			fill(plain, sizes[i], (unsigned int)i);
			assert_int_equal(osslenc_encrypt(plain, sizes[i], key,
			    strlen(key), md, salt, &enc, &enclen, err), 0);
			assert_int_equal(enclen, osslenc_encoded_len(sizes[i]));
			assert_int_equal(osslenc_decrypt(enc, enclen, key,
			    strlen(key), md, &dec, &declen, err), 0);
			assert_int_equal(declen, sizes[i]);
			assert_memory_equal(dec, plain, sizes[i]);
			free(dec);

			/* Any split of the input gives the same bytes. */
			for (j = 0; j < sizeof steps / sizeof steps[0]; j++) {
				memset(&b, 0, sizeof b);
				assert_int_equal(stream(0, plain, sizes[i],
				    steps[j], md, &b, err), 0);
				assert_int_equal(b.len, enclen);
				assert_memory_equal(b.data, enc, enclen);
				crypt_buf_clear(&b);

				assert_int_equal(stream(1, enc, enclen,
				    steps[j], md, &b, err), 0);
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
test_random_salt(void **state)
{
	char	 err[CR_ERRLEN];
	uint8_t	*a, *b, *dec;
	size_t	 alen, blen, declen;

	assert_int_equal(osslenc_encrypt("x", 1, key, strlen(key),
	    RULE_MD_SHA256, NULL, &a, &alen, err), 0);
	assert_int_equal(osslenc_encrypt("x", 1, key, strlen(key),
	    RULE_MD_SHA256, NULL, &b, &blen, err), 0);
	assert_int_equal(alen, 32);
	assert_int_equal(blen, 32);
	assert_memory_not_equal(a + 8, b + 8, OSSLENC_SALTLEN);
	assert_int_equal(osslenc_decrypt(b, blen, key, strlen(key),
	    RULE_MD_SHA256, &dec, &declen, err), 0);
	assert_int_equal(declen, 1);
	assert_int_equal(dec[0], 'x');
	free(dec);
	free(a);
	free(b);
}

/* Decrypt must fail with ERR starting with WANT, and return nothing. */
static void
refused(const uint8_t *in, size_t len, const char *k, const char *want)
{
	char	 err[CR_ERRLEN] = "";
	uint8_t	*out = (uint8_t *)"untouched";
	size_t	 outlen = 12345;

	assert_int_equal(osslenc_decrypt(in, len, k, strlen(k),
	    RULE_MD_SHA256, &out, &outlen, err), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	assert_string_equal((char *)out, "untouched");
	assert_int_equal(outlen, 12345);
}

static void
test_refused(void **state)
{
	char	 err[CR_ERRLEN];
	uint8_t	 plain[108], *enc, *bad;
	size_t	 enclen, n;

	fill(plain, sizeof plain, 5);
	assert_int_equal(osslenc_encrypt(plain, sizeof plain, key,
	    strlen(key), RULE_MD_SHA256, salt, &enc, &enclen, err), 0);
	assert_int_equal(enclen, 16 + 112);
	bad = malloc(enclen);
	assert_non_null(bad);

	refused(enc, 0, key, "truncated header");
	for (n = 1; n < 16; n++)
		refused(enc, n, key, "truncated header");
	refused(enc, 16, key, "no ciphertext");
	for (n = 17; n < enclen; n++) {
		if (n % 16 != 0)
			refused(enc, n, key, "not a whole number of blocks");
	}

	memcpy(bad, enc, enclen);
	bad[0] = 's';
	refused(bad, enclen, key, "no \"Salted__\" header");
	refused(bad, 3, key, "no \"Salted__\" header");
	refused((const uint8_t *)"<?xml version", 13, key, "Salted__");

	/*
	 * CBC: flipping a bit of the next-to-last block flips the same bit
	 * of the last plaintext block, so the padding byte (4 here) becomes
	 * 0, 17 or a mismatch, each refused.
	 */
	memcpy(bad, enc, enclen);
	bad[enclen - 17] ^= 0x04;	/* pad 4 -> 0 */
	refused(bad, enclen, key, "bad padding");
	memcpy(bad, enc, enclen);
	bad[enclen - 17] ^= 0x15;	/* pad 4 -> 17 */
	refused(bad, enclen, key, "bad padding");
	memcpy(bad, enc, enclen);
	bad[enclen - 18] ^= 0x01;	/* a padding byte that is not 4 */
	refused(bad, enclen, key, "bad padding");

	/* Wrong passwords: these two give invalid padding with this salt. */
	refused(enc, enclen, "open sesamE", "bad padding");
	refused(enc, enclen, "", "empty key");

	/* Trailing garbage that is a whole block reaches the padding check. */
	free(bad);
	bad = malloc(enclen + 16);
	assert_non_null(bad);
	memcpy(bad, enc, enclen);
	memset(bad + enclen, 0xa5, 16);
	refused(bad, enclen + 16, key, "bad padding");
	free(bad);
	free(enc);
}

/* The last block is held until final: padding decides what it holds. */
static void
test_holds_last_block(void **state)
{
	struct osslenc	*o;
	struct crypt_buf b = { NULL, 0, 0 };
	char		 err[CR_ERRLEN];
	uint8_t		 plain[40], *enc;
	size_t		 enclen;

	fill(plain, sizeof plain, 9);
	assert_int_equal(osslenc_encrypt(plain, sizeof plain, key,
	    strlen(key), RULE_MD_SHA256, salt, &enc, &enclen, err), 0);
	o = osslenc_dec_new(key, strlen(key), RULE_MD_SHA256, crypt_buf_sink,
	    &b, err);
	assert_non_null(o);
	assert_int_equal(osslenc_update(o, enc, enclen, err), 0);
	assert_int_equal(b.len, 32);	/* three blocks in, two out */
	assert_int_equal(osslenc_final(o, err), 0);
	assert_int_equal(b.len, 40);
	assert_memory_equal(b.data, plain, 40);
	/* A second final would emit again. */
	assert_int_equal(osslenc_final(o, err), -1);
	osslenc_free(o);
	crypt_buf_clear(&b);
	free(enc);
}

static int
refusing_sink(void *arg, const uint8_t *p, size_t len)
{
	int	*calls = arg;

	return (*calls)++ == 0 ? 0 : -1;
}

static void
test_sink_refuses(void **state)
{
	struct osslenc	*o;
	char		 err[CR_ERRLEN];
	uint8_t		 plain[64];
	int		 calls = 0;

	fill(plain, sizeof plain, 1);
	o = osslenc_enc_new(key, strlen(key), RULE_MD_MD5, salt,
	    refusing_sink, &calls, err);
	assert_non_null(o);
	/* The header goes out, the first blocks are refused. */
	assert_int_equal(osslenc_update(o, plain, sizeof plain, err), -1);
	assert_string_equal(err, "openssl enc: output refused");
	assert_int_equal(osslenc_update(o, plain, 1, err), -1);
	assert_int_equal(osslenc_final(o, err), -1);
	osslenc_free(o);
	osslenc_free(NULL);
}

static void
test_bad_arguments(void **state)
{
	char	 err[CR_ERRLEN];

	assert_null(osslenc_enc_new("", 0, RULE_MD_SHA256, NULL,
	    crypt_buf_sink, NULL, err));
	assert_string_equal(err, "openssl enc: empty key");
	assert_null(osslenc_dec_new("k", 1, (enum rule_md)7, crypt_buf_sink,
	    NULL, err));
	assert_string_equal(err, "openssl enc: unknown digest");
}

/* Each of our allocations failed in turn: a clean error, nothing leaked. */
static void
test_out_of_memory(void **state)
{
	char	 err[CR_ERRLEN];
	uint8_t	 plain[100], *ref, *out;
	size_t	 reflen, outlen;
	long	 n;
	int	 rv;

	if (!failmalloc_active())
		skip();
	fill(plain, sizeof plain, 2);
	assert_int_equal(osslenc_encrypt(plain, sizeof plain, key, strlen(key),
	    RULE_MD_MD5, salt, &ref, &reflen, err), 0);
	for (n = 0;; n++) {
		failmalloc_after(n);
		rv = osslenc_encrypt(plain, sizeof plain, key, strlen(key),
		    RULE_MD_MD5, salt, &out, &outlen, err);
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
		rv = osslenc_decrypt(ref, reflen, key, strlen(key), RULE_MD_MD5,
		    &out, &outlen, err);
		failmalloc_after(-1);
		if (rv == 0)
			break;
		assert_string_equal(err, "out of memory");
	}
	assert_true(n > 0);
	assert_int_equal(outlen, sizeof plain);
	assert_memory_equal(out, plain, outlen);
	free(out);
	free(ref);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kat_sha256),
		cmocka_unit_test(test_kat_md5),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_random_salt),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_holds_last_block),
		cmocka_unit_test(test_sink_refuses),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
