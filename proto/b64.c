/*
 * b64.c — base64url (RFC 4648 §5) for IKM values and test vectors.
 *
 * Strict on input: an IKM typed into a profile with a stray '+' or a
 * truncated last group is a configuration error to report, not something
 * to guess around.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "proto.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 0-63, or -1 for anything not in the base64url alphabet. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '-')
		return (62);
	if (c == '_')
		return (63);
	return (-1);
}

size_t
b64_encoded_len(size_t len)
{
	return ((len / 3) * 4 + (len % 3 == 0 ? 0 : len % 3 + 1));
}

char *
b64_encode(const void *in, size_t len)
{
	const uint8_t	*p = in;
	char		*out, *o;
	uint32_t	 v;
	size_t		 i;

	if (len > (SIZE_MAX - 1) / 4 * 3)
		return (NULL);
	if ((out = malloc(b64_encoded_len(len) + 1)) == NULL)
		return (NULL);
	o = out;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)p[i] << 16;
		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
	}
	*o = '\0';
	return (out);
}

uint8_t *
b64_decode(const char *in, size_t len, size_t *outlen, char *err)
{
	uint8_t	*out, *o;
	uint32_t v;
	size_t	 i, npad, rest;
	int	 c, bits;

	/* Padding, when there is any, completes the last group of four. */
	for (npad = 0; npad < len && in[len - 1 - npad] == '='; npad++)
		;
	if (npad != 0) {
		if (npad > 2 || len % 4 != 0) {
			cr_seterr(err, "base64url: bad padding");
			return (NULL);
		}
		len -= npad;
	}
	rest = len % 4;
	if (rest == 1) {
		cr_seterr(err, "base64url: truncated (%zu characters)", len);
		return (NULL);
	}
	if (npad != 0 && 4 - rest != npad) {
		cr_seterr(err, "base64url: bad padding");
		return (NULL);
	}
	if ((out = malloc(len / 4 * 3 + 3)) == NULL) {
		cr_seterr(err, "out of memory");
		return (NULL);
	}
	o = out;
	v = 0;
	bits = 0;
	for (i = 0; i < len; i++) {
		if ((c = b64_value((unsigned char)in[i])) == -1) {
			cr_seterr(err, "base64url: bad character at offset "
			    "%zu", i);
			goto fail;
		}
		v = v << 6 | (uint32_t)c;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (uint8_t)(v >> bits);
			v &= (1U << bits) - 1;
		}
	}
	/* The bits left over must be zero, so each value has one spelling. */
	if (v != 0) {
		cr_seterr(err, "base64url: non-zero trailing bits");
		goto fail;
	}
	*outlen = (size_t)(o - out);
	*o = '\0';
	return (out);

fail:
	/* The input may be key material. */
	crypt_wipe(out, len / 4 * 3 + 3);
	free(out);
	return (NULL);
}
