/*
 * fuzz_ece.c — the RFC 8188 aes128gcm decoder on arbitrary input, and the
 * encode/decode round trip.  The first byte chooses:
 *	bit 0	0: decode the rest; 1: round-trip a plaintext
 *	bit 1	the IKM: RFC 8188 §3.1's or §3.2's (so the seeds decode)
 *	bits 2-7 the streaming split (decode) or the record size (round trip)
 * Streamed and one-shot decoding must agree on success and on every byte.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* yqdlZ-tYemfogSmv7Ws5PQ and BO3ZVPxUlnLORbVGMpbT1Q */
static const uint8_t	ikms[2][16] = {
	{ 0xca, 0xa7, 0x65, 0x67, 0xeb, 0x58, 0x7a, 0x67,
	  0xe8, 0x81, 0x29, 0xaf, 0xed, 0x6b, 0x39, 0x3d },
	{ 0x04, 0xed, 0xd9, 0x54, 0xfc, 0x54, 0x96, 0x72,
	  0xce, 0x45, 0xb5, 0x46, 0x32, 0x96, 0xd3, 0xd5 },
};
static const uint8_t	salt[ECE_SALTLEN] = "fuzz salt 16 byt";

static int
stream_decode(const uint8_t *in, size_t len, size_t step, const uint8_t *ikm,
    struct crypt_buf *b)
{
	struct ece	*e;
	char		 err[CR_ERRLEN];
	size_t		 off, n;
	int		 rv = -1;

	if ((e = ece_dec_new(ikm, 16, crypt_buf_sink, b, err)) == NULL)
		abort();
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypt_buf b = { NULL, 0, 0 };
	const uint8_t	*ikm;
	char		 err[CR_ERRLEN];
	uint8_t		*enc, *dec;
	size_t		 enclen, declen, step;
	uint32_t	 rs;
	int		 rv;

	if (size < 1)
		return 0;
	ikm = ikms[(data[0] >> 1) & 1];
	step = (size_t)(data[0] >> 2) * 5 + 1;
	rs = ECE_RS_MIN + (uint32_t)(data[0] >> 2) * 3;
	data++;
	size--;

	if (data[-1] & 1) {
		if (ece_encrypt(data, size, ikm, 16, salt, rs, &enc, &enclen,
		    err) != 0)
			abort();
		if (enclen != ece_encoded_len(size, rs, 0))
			abort();
		if (ece_decrypt(enc, enclen, ikm, 16, &dec, &declen, err) != 0)
			abort();
		if (declen != size || memcmp(dec, data, size) != 0)
			abort();
		free(enc);
		free(dec);
		return 0;
	}

	rv = ece_decrypt(data, size, ikm, 16, &dec, &declen, err);
	if (rv == 0 && declen + ECE_HDRLEN + ECE_TAGLEN + 1 > size)
		abort();
	if (stream_decode(data, size, step, ikm, &b) != rv)
		abort();
	if (rv == 0) {
		if (b.len != declen || memcmp(b.data, dec, declen) != 0)
			abort();
		free(dec);
	}
	crypt_buf_clear(&b);
	return 0;
}
