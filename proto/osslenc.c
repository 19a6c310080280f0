/*
 * osslenc.c — the `openssl enc -aes-256-cbc` file format (spec.md §5.1).
 *
 *	"Salted__" ‖ salt(8) ‖ AES-256-CBC(PKCS#7(plaintext))
 *
 * with key and IV from EVP_BytesToKey(digest, salt, password, count 1):
 * what `openssl enc -k KEY` writes and reads, with SHA-256 (OpenSSL 1.1.0
 * and later) or MD5 (older, `-md md5`).  Streaming: the context holds one
 * partial block of input and, when decoding, one decrypted block whose
 * padding can only be checked at the end.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/openssl/evp.h>

#include "proto.h"

#define OSSLENC_KEYLEN	32
#define OSSLENC_CHUNK	4096	/* output is handed to the sink in these */

static const uint8_t osslenc_magic[8] = "Salted__";

struct osslenc {
	int		 decrypt;
	int		 failed;
	enum rule_md	 md;
	crypt_sink_fn	 sink;
	void		*arg;

	/* Until the salt is known (decoding) the password is kept here. */
	uint8_t		*pass;
	size_t		 passlen;

	Aes		 aes;
	int		 aes_ready;
	uint8_t		 hdr[OSSLENC_HDRLEN];
	size_t		 hdrlen;	/* header bytes written or read */

	uint8_t		 part[OSSLENC_BLOCK];	/* a partial input block */
	size_t		 partlen;
	uint8_t		 held[OSSLENC_BLOCK];	/* decoding: last plaintext */
	int		 haveheld;

	uint8_t		 chunk[OSSLENC_BLOCK + OSSLENC_CHUNK];
};

size_t
osslenc_encoded_len(size_t len)
{
	return (OSSLENC_HDRLEN + (len / OSSLENC_BLOCK + 1) * OSSLENC_BLOCK);
}

/* Key and IV from the password and the salt; the password is then wiped. */
static int
osslenc_derive(struct osslenc *o, char *err)
{
	const WOLFSSL_EVP_MD	*md;
	uint8_t			 key[OSSLENC_KEYLEN], iv[OSSLENC_BLOCK];
	int			 rv = -1;

	md = o->md == RULE_MD_MD5 ? wolfSSL_EVP_md5() : wolfSSL_EVP_sha256();
	if (wolfSSL_EVP_BytesToKey(wolfSSL_EVP_aes_256_cbc(), md,
	    o->hdr + sizeof osslenc_magic, o->pass, (int)o->passlen, 1,
	    key, iv) != OSSLENC_KEYLEN) {
		cr_seterr(err, "openssl enc: key derivation failed");
		goto out;
	}
	if (wc_AesSetKey(&o->aes, key, sizeof key, iv,
	    o->decrypt ? AES_DECRYPTION : AES_ENCRYPTION) != 0) {
		cr_seterr(err, "openssl enc: AES key setup failed");
		goto out;
	}
	o->aes_ready = 1;
	rv = 0;
out:
	crypt_wipe(key, sizeof key);
	crypt_wipe(iv, sizeof iv);
	crypt_wipe(o->pass, o->passlen);
	free(o->pass);
	o->pass = NULL;
	o->passlen = 0;
	return (rv);
}

static struct osslenc *
osslenc_new(const void *pass, size_t passlen, enum rule_md md, int decrypt,
    crypt_sink_fn sink, void *arg, char *err)
{
	struct osslenc	*o;

	if (passlen == 0) {
		cr_seterr(err, "openssl enc: empty key");
		return (NULL);
	}
	if (passlen > INT_MAX) {
		cr_seterr(err, "openssl enc: key too long");
		return (NULL);
	}
	if (md != RULE_MD_SHA256 && md != RULE_MD_MD5) {
		cr_seterr(err, "openssl enc: unknown digest");
		return (NULL);
	}
	if ((o = calloc(1, sizeof *o)) == NULL) {
		cr_seterr(err, "out of memory");
		return (NULL);
	}
	if ((o->pass = malloc(passlen)) == NULL) {
		free(o);
		cr_seterr(err, "out of memory");
		return (NULL);
	}
	memcpy(o->pass, pass, passlen);
	o->passlen = passlen;
	o->decrypt = decrypt;
	o->md = md;
	o->sink = sink;
	o->arg = arg;
	if (wc_AesInit(&o->aes, NULL, INVALID_DEVID) != 0) {
		cr_seterr(err, "openssl enc: AES init failed");
		osslenc_free(o);
		return (NULL);
	}
	return (o);
}

struct osslenc *
osslenc_enc_new(const void *pass, size_t passlen, enum rule_md md,
    const uint8_t *salt, crypt_sink_fn sink, void *arg, char *err)
{
	struct osslenc	*o;
	WC_RNG		 rng;
	int		 rv;

	if ((o = osslenc_new(pass, passlen, md, 0, sink, arg, err)) == NULL)
		return (NULL);
	memcpy(o->hdr, osslenc_magic, sizeof osslenc_magic);
	if (salt != NULL)
		memcpy(o->hdr + sizeof osslenc_magic, salt, OSSLENC_SALTLEN);
	else {
		if ((rv = wc_InitRng(&rng)) == 0) {
			rv = wc_RNG_GenerateBlock(&rng,
			    o->hdr + sizeof osslenc_magic, OSSLENC_SALTLEN);
			wc_FreeRng(&rng);
		}
		if (rv != 0) {
			cr_seterr(err, "openssl enc: no random salt "
			    "(wolfSSL RNG error %d)", rv);
			osslenc_free(o);
			return (NULL);
		}
	}
	if (osslenc_derive(o, err) != 0) {
		osslenc_free(o);
		return (NULL);
	}
	return (o);
}

struct osslenc *
osslenc_dec_new(const void *pass, size_t passlen, enum rule_md md,
    crypt_sink_fn sink, void *arg, char *err)
{
	return (osslenc_new(pass, passlen, md, 1, sink, arg, err));
}

void
osslenc_free(struct osslenc *o)
{
	if (o == NULL)
		return;
	wc_AesFree(&o->aes);
	crypt_wipe(o->pass, o->passlen);
	free(o->pass);
	/* Key schedule, held plaintext, partial input, last chunk. */
	crypt_wipe(o, sizeof *o);
	free(o);
}

static int
osslenc_emit(struct osslenc *o, const uint8_t *p, size_t len, char *err)
{
	if (len != 0 && o->sink(o->arg, p, len) != 0) {
		cr_seterr(err, "openssl enc: output refused");
		return (-1);
	}
	return (0);
}

/* Encrypt whole blocks of IN through the chunk buffer. */
static int
osslenc_enc_blocks(struct osslenc *o, const uint8_t *in, size_t len,
    char *err)
{
	size_t	n;

	while (len != 0) {
		n = len < OSSLENC_CHUNK ? len : OSSLENC_CHUNK;
		if (wc_AesCbcEncrypt(&o->aes, o->chunk, in, (word32)n) != 0) {
			cr_seterr(err, "openssl enc: AES error");
			return (-1);
		}
		if (osslenc_emit(o, o->chunk, n, err) != 0)
			return (-1);
		in += n;
		len -= n;
	}
	return (0);
}

/*
 * Decrypt whole blocks of IN.  The chunk buffer starts with the block held
 * back last time; the newest block becomes the held one, so the block that
 * carries the padding is never released before osslenc_final.
 */
static int
osslenc_dec_blocks(struct osslenc *o, const uint8_t *in, size_t len,
    char *err)
{
	size_t	n, out;

	while (len != 0) {
		n = len < OSSLENC_CHUNK ? len : OSSLENC_CHUNK;
		memcpy(o->chunk, o->held, OSSLENC_BLOCK);
		if (wc_AesCbcDecrypt(&o->aes, o->chunk + OSSLENC_BLOCK, in,
		    (word32)n) != 0) {
			cr_seterr(err, "openssl enc: AES error");
			return (-1);
		}
		out = o->haveheld ? n : n - OSSLENC_BLOCK;
		if (osslenc_emit(o, o->haveheld ? o->chunk :
		    o->chunk + OSSLENC_BLOCK, out, err) != 0)
			return (-1);
		memcpy(o->held, o->chunk + n, OSSLENC_BLOCK);
		o->haveheld = 1;
		in += n;
		len -= n;
	}
	return (0);
}

static int
osslenc_input(struct osslenc *o, const uint8_t *in, size_t len, char *err)
{
	size_t	n, whole;

	if (o->partlen != 0) {
		n = OSSLENC_BLOCK - o->partlen;
		if (n > len)
			n = len;
		memcpy(o->part + o->partlen, in, n);
		o->partlen += n;
		in += n;
		len -= n;
		if (o->partlen < OSSLENC_BLOCK)
			return (0);
		if ((o->decrypt ? osslenc_dec_blocks(o, o->part, OSSLENC_BLOCK,
		    err) : osslenc_enc_blocks(o, o->part, OSSLENC_BLOCK,
		    err)) != 0)
			return (-1);
		o->partlen = 0;
	}
	whole = len - len % OSSLENC_BLOCK;
	if (whole != 0 && (o->decrypt ? osslenc_dec_blocks(o, in, whole, err) :
	    osslenc_enc_blocks(o, in, whole, err)) != 0)
		return (-1);
	memcpy(o->part, in + whole, len - whole);
	o->partlen = len - whole;
	return (0);
}

/* Decoding: collect the header, check the magic, derive the key. */
static size_t
osslenc_header(struct osslenc *o, const uint8_t *in, size_t len, char *err)
{
	size_t	n;

	n = OSSLENC_HDRLEN - o->hdrlen;
	if (n > len)
		n = len;
	memcpy(o->hdr + o->hdrlen, in, n);
	o->hdrlen += n;
	if (memcmp(o->hdr, osslenc_magic, o->hdrlen < sizeof osslenc_magic ?
	    o->hdrlen : sizeof osslenc_magic) != 0) {
		cr_seterr(err, "openssl enc: no \"Salted__\" header: not an "
		    "openssl enc -k file");
		return ((size_t)-1);
	}
	if (o->hdrlen == OSSLENC_HDRLEN && osslenc_derive(o, err) != 0)
		return ((size_t)-1);
	return (n);
}

int
osslenc_update(struct osslenc *o, const void *buf, size_t len, char *err)
{
	const uint8_t	*in = buf;
	size_t		 n;

	if (o->failed) {
		cr_seterr(err, "openssl enc: stream already failed");
		return (-1);
	}
	if (!o->decrypt && o->hdrlen == 0) {
		if (osslenc_emit(o, o->hdr, OSSLENC_HDRLEN, err) != 0)
			goto fail;
		o->hdrlen = OSSLENC_HDRLEN;
	}
	if (o->decrypt && o->hdrlen < OSSLENC_HDRLEN) {
		if ((n = osslenc_header(o, in, len, err)) == (size_t)-1)
			goto fail;
		in += n;
		len -= n;
	}
	if (len != 0 && osslenc_input(o, in, len, err) != 0)
		goto fail;
	return (0);
fail:
	o->failed = 1;
	return (-1);
}

static int
osslenc_enc_final(struct osslenc *o, char *err)
{
	uint8_t	pad;

	if (o->hdrlen == 0 && osslenc_update(o, NULL, 0, err) != 0)
		return (-1);
	/* PKCS#7: a whole block of padding when the input is aligned. */
	pad = (uint8_t)(OSSLENC_BLOCK - o->partlen);
	memset(o->part + o->partlen, pad, pad);
	o->partlen = 0;
	return (osslenc_enc_blocks(o, o->part, OSSLENC_BLOCK, err));
}

static int
osslenc_dec_final(struct osslenc *o, char *err)
{
	unsigned int	pad, bad, i, inpad;

	if (o->hdrlen < OSSLENC_HDRLEN) {
		cr_seterr(err, "openssl enc: truncated header (%zu of %d "
		    "bytes)", o->hdrlen, OSSLENC_HDRLEN);
		return (-1);
	}
	if (o->partlen != 0) {
		cr_seterr(err, "openssl enc: truncated: ciphertext is not a "
		    "whole number of blocks");
		return (-1);
	}
	if (!o->haveheld) {
		cr_seterr(err, "openssl enc: truncated: no ciphertext after "
		    "the header");
		return (-1);
	}
	/*
	 * PKCS#7, checked without branching on secret bytes.  A wrong key or
	 * digest shows up here, mostly: about 1 in 256 wrong keys still
	 * yields valid-looking padding, which this format cannot detect.
	 */
	pad = o->held[OSSLENC_BLOCK - 1];
	bad = (unsigned int)(pad == 0) | (unsigned int)(pad > OSSLENC_BLOCK);
	for (i = 0; i < OSSLENC_BLOCK; i++) {
		inpad = (unsigned int)(i >= OSSLENC_BLOCK - pad);
		bad |= inpad & (unsigned int)(o->held[i] != pad);
	}
	if (bad) {
		cr_seterr(err, "openssl enc: bad padding (wrong key or "
		    "digest, or a damaged file)");
		return (-1);
	}
	o->haveheld = 0;
	return (osslenc_emit(o, o->held, OSSLENC_BLOCK - pad, err));
}

int
osslenc_final(struct osslenc *o, char *err)
{
	int	rv;

	if (o->failed) {
		cr_seterr(err, "openssl enc: stream already failed");
		return (-1);
	}
	rv = o->decrypt ? osslenc_dec_final(o, err) : osslenc_enc_final(o, err);
	/* A second final would pad again or re-emit: refuse it. */
	o->failed = 1;
	return (rv);
}

int
osslenc_encrypt(const void *in, size_t inlen, const void *pass,
    size_t passlen, enum rule_md md, const uint8_t *salt, uint8_t **out,
    size_t *outlen, char *err)
{
	struct crypt_buf	 b = { NULL, 0, 0 };
	struct osslenc		*o;

	if (inlen > SIZE_MAX - 2 * OSSLENC_HDRLEN ||
	    crypt_buf_reserve(&b, osslenc_encoded_len(inlen)) != 0) {
		cr_seterr(err, "out of memory");
		return (-1);
	}
	if ((o = osslenc_enc_new(pass, passlen, md, salt, crypt_buf_sink, &b,
	    err)) == NULL)
		goto fail;
	if (osslenc_update(o, in, inlen, err) != 0 ||
	    osslenc_final(o, err) != 0)
		goto fail;
	osslenc_free(o);
	*out = b.data;
	*outlen = b.len;
	return (0);
fail:
	osslenc_free(o);
	crypt_buf_clear(&b);
	return (-1);
}

int
osslenc_decrypt(const void *in, size_t inlen, const void *pass,
    size_t passlen, enum rule_md md, uint8_t **out, size_t *outlen,
    char *err)
{
	struct crypt_buf	 b = { NULL, 0, 0 };
	struct osslenc		*o;

	/* The plaintext is never longer than the input. */
	if (crypt_buf_reserve(&b, inlen + 1) != 0) {
		cr_seterr(err, "out of memory");
		return (-1);
	}
	if ((o = osslenc_dec_new(pass, passlen, md, crypt_buf_sink, &b,
	    err)) == NULL)
		goto fail;
	if (osslenc_update(o, in, inlen, err) != 0 ||
	    osslenc_final(o, err) != 0)
		goto fail;
	osslenc_free(o);
	*out = b.data;
	*outlen = b.len;
	return (0);
fail:
	osslenc_free(o);
	crypt_buf_clear(&b);
	return (-1);
}
