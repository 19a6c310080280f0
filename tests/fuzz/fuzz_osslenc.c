/*
 * fuzz_osslenc.c — the openssl enc decoder on arbitrary input, and the
 * encode/decode round trip.  The first byte chooses:
 *	bit 0	0: decode the rest; 1: the rest is a plaintext to round-trip
 *	bit 1	the digest (sha256, md5)
 *	bits 2-7 how the input is split when streamed
 * Streamed and one-shot decoding must agree on success and on every byte.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char	key[] = "open sesame";	/* tests/data/osslenc.key */
static const uint8_t	salt[OSSLENC_SALTLEN] = "fuzzsalt";

static int
stream_decode(const uint8_t *in, size_t len, size_t step, enum rule_md md,
    struct crypt_buf *b)
{
	struct osslenc	*o;
	char		 err[CR_ERRLEN];
	size_t		 off, n;
	int		 rv = -1;

	if ((o = osslenc_dec_new(key, strlen(key), md, crypt_buf_sink, b,
	    err)) == NULL)
		abort();
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypt_buf b = { NULL, 0, 0 };
	enum rule_md	 md;
	char		 err[CR_ERRLEN];
	uint8_t		*enc, *dec;
	size_t		 enclen, declen, step;
	int		 rv;

	if (size < 1)
		return 0;
	md = data[0] & 2 ? RULE_MD_MD5 : RULE_MD_SHA256;
	step = (size_t)(data[0] >> 2) * 7 + 1;
	data++;
	size--;

	if (data[-1] & 1) {
		if (osslenc_encrypt(data, size, key, strlen(key), md, salt,
		    &enc, &enclen, err) != 0)
			abort();
		if (enclen != osslenc_encoded_len(size))
			abort();
		if (osslenc_decrypt(enc, enclen, key, strlen(key), md, &dec,
		    &declen, err) != 0)
			abort();
		if (declen != size || memcmp(dec, data, size) != 0)
			abort();
		free(enc);
		free(dec);
		return 0;
	}

	rv = osslenc_decrypt(data, size, key, strlen(key), md, &dec, &declen,
	    err);
	if (rv == 0 && declen + OSSLENC_HDRLEN + 1 > size)
		abort();
	if (stream_decode(data, size, step, md, &b) != rv)
		abort();
	if (rv == 0) {
		if (b.len != declen || memcmp(b.data, dec, declen) != 0)
			abort();
		free(dec);
	}
	crypt_buf_clear(&b);
	return 0;
}
