/* crypt.c — the pieces osslenc.c and ece.c share. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "proto.h"

/*
 * wolfSSL 5.5's ForceZero is internal (WOLFSSL_LOCAL); its exported
 * OpenSSL-compatible cleanse is the same volatile loop, so secrets are
 * wiped by wolfSSL as everything else about them is.
 */
void
crypt_wipe(void *p, size_t len)
{
	if (p != NULL && len != 0)
		wolfSSL_OPENSSL_cleanse(p, len);
}

/*
 * Room for MORE bytes after the data, made exactly: a caller that knows
 * the final size (osslenc_encoded_len, ece_encoded_len) asks once and gets
 * one block of that size.  A 140 KB report body no longer sits in a
 * 256 KB power of two for the whole upload.
 */
int
crypt_buf_reserve(struct crypt_buf *b, size_t more)
{
	uint8_t	*n;
	size_t	 size;

	if (b->size - b->len >= more)
		return (0);
	if (more > SIZE_MAX - b->len)
		return (-1);
	size = b->len + more;
	/* Not realloc: the old block may hold plaintext and must be wiped. */
	if ((n = malloc(size)) == NULL)
		return (-1);
	if (b->len != 0)
		memcpy(n, b->data, b->len);
	crypt_wipe(b->data, b->len);
	free(b->data);
	b->data = n;
	b->size = size;
	return (0);
}

/*
 * Appending an amount nobody announced: grow geometrically (from 64) so
 * that a stream of small pieces costs amortised O(1) copies per byte.
 */
int
crypt_buf_sink(void *arg, const uint8_t *p, size_t len)
{
	struct crypt_buf	*b = arg;
	size_t			 size;

	if (b->size - b->len < len) {
		if (len > SIZE_MAX - b->len)
			return (-1);
		size = b->size > 64 ? b->size : 64;
		while (size < b->len + len)
			size = size > SIZE_MAX / 2 ? b->len + len : size * 2;
		if (crypt_buf_reserve(b, size - b->len) != 0)
			return (-1);
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
	return (0);
}

void
crypt_buf_clear(struct crypt_buf *b)
{
	crypt_wipe(b->data, b->size);
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}
