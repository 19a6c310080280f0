/* test_b64.c — base64url: RFC 4648 vectors, round trips, strictness. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto.h"

/* RFC 4648 §10, and bytes that need the two url-safe characters. */
static const struct {
	const char	*raw;
	size_t		 rawlen;
	const char	*enc;
} vectors[] = {
	{ "", 0, "" },
	{ "f", 1, "Zg" },
	{ "fo", 2, "Zm8" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg" },
	{ "fooba", 5, "Zm9vYmE" },
	{ "foobar", 6, "Zm9vYmFy" },
	{ "\xfb\xff", 2, "-_8" },
	{ "\xff\xff\xfe", 3, "___-" },
	{ "\x00\x00", 2, "AAA" },
};

static void
test_vectors(void **state)
{
	char	 err[CR_ERRLEN];
	uint8_t	*dec;
	char	*enc;
	size_t	 i, len;

	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		enc = b64_encode(vectors[i].raw, vectors[i].rawlen);
		assert_non_null(enc);
		assert_string_equal(enc, vectors[i].enc);
		assert_int_equal(strlen(enc),
		    b64_encoded_len(vectors[i].rawlen));
		free(enc);

		dec = b64_decode(vectors[i].enc, strlen(vectors[i].enc), &len,
		    err);
		assert_non_null(dec);
		assert_int_equal(len, vectors[i].rawlen);
		assert_memory_equal(dec, vectors[i].raw, len);
		assert_int_equal(dec[len], '\0');
		free(dec);
	}
}

static void
test_padding_optional(void **state)
{
	static const char *padded[] = { "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "yqdlZ-tYemfogSmv7Ws5PQ==" };
	static const size_t lens[] = { 1, 2, 3, 4, 5, 16 };
	char	 err[CR_ERRLEN];
	uint8_t	*dec;
	size_t	 i, len;

	for (i = 0; i < sizeof padded / sizeof padded[0]; i++) {
		dec = b64_decode(padded[i], strlen(padded[i]), &len, err);
		assert_non_null(dec);
		assert_int_equal(len, lens[i]);
		free(dec);
	}
}

static void
test_refused(void **state)
{
	static const char *bad[] = {
		"Zm9v+mFy",	/* standard alphabet, not url */
		"Zm9v/mFy",
		"Zm9 vYmFy",	/* white space */
		"Zm9vYmFy\n",
		"Zm=9v",	/* padding in the middle */
		"Z",		/* 6 bits cannot be a byte */
		"Zm9vY",
		"Zg===",	/* too much padding */
		"Zm9v=",
		"Zg=",		/* incomplete padding */
		"Zm8==",	/* wrong padding for the length */
		"Zh",		/* non-zero unused bits: "Zg" is canonical */
		"Zm9",
		"=",
		"====",
	};
	char	 err[CR_ERRLEN];
	size_t	 i, len;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_null(b64_decode(bad[i], strlen(bad[i]), &len, err));
		assert_true(strncmp(err, "base64url: ", 11) == 0);
	}
	/* A NUL inside the given length is a bad character too. */
	assert_null(b64_decode("Zm\0v", 4, &len, err));
}

static void
test_round_trip(void **state)
{
	char	 err[CR_ERRLEN];
	uint8_t	 raw[300], *dec;
	char	*enc;
	size_t	 n, i, len;

	for (i = 0; i < sizeof raw; i++)
		raw[i] = (uint8_t)(i * 167 + 13);
	for (n = 0; n <= sizeof raw; n++) {
		enc = b64_encode(raw, n);
		assert_non_null(enc);
		assert_int_equal(strlen(enc), b64_encoded_len(n));
		assert_null(strpbrk(enc, "+/="));
		dec = b64_decode(enc, strlen(enc), &len, err);
		assert_non_null(dec);
		assert_int_equal(len, n);
		assert_memory_equal(dec, raw, n);
		free(dec);
		free(enc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_padding_optional),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
