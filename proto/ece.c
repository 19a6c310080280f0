/*
 * ece.c — RFC 8188 "aes128gcm" content coding (spec.md §5.2).
 *
 *	header  = salt(16) ‖ rs(uint32, big-endian) ‖ idlen(1) ‖ keyid
 *	record  = AES-128-GCM(CEK, NONCE ⊕ seq, data ‖ delim ‖ 0x00*)
 *	CEK     = HKDF-SHA-256(salt, IKM, "Content-Encoding: aes128gcm\0", 16)
 *	NONCE   = HKDF-SHA-256(salt, IKM, "Content-Encoding: nonce\0", 12)
 *
 * Every record but the last is exactly rs bytes and ends its plaintext
 * with 0x01; the last is at most rs and ends with 0x02.  One buffer of at
 * most one record is all either direction keeps: the encoder seals a full
 * record in place once more input shows it is not the last; the decoder
 * holds a full record until more input (or the end) says whether it is
 * the last, authenticates it, and only then releases its plaintext.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/random.h>

#include "proto.h"

#define ECE_CEKLEN	16
#define ECE_NONCELEN	12
#define ECE_OVERHEAD	(ECE_TAGLEN + 1)	/* tag and delimiter */

#define ECE_DELIM	0x01
#define ECE_DELIM_LAST	0x02

static const char ece_info_cek[] = "Content-Encoding: aes128gcm";
static const char ece_info_nonce[] = "Content-Encoding: nonce";

struct ece {
	int		 decrypt;
	int		 failed;
	int		 finished;	/* the last record is written */
	crypt_sink_fn	 sink;
	void		*arg;

	/* Decoding: the IKM is kept until the header brings the salt. */
	uint8_t		*ikm;
	size_t		 ikmlen;

	Aes		 aes;
	uint8_t		 nonce[ECE_NONCELEN];
	uint64_t	 seq;
	uint32_t	 rs;

	uint8_t		 hdr[ECE_HDRLEN + ECE_KEYID_MAX];
	size_t		 hdrlen;	/* written, or read so far */
	size_t		 hdrwant;	/* decoding: known header length */

	struct crypt_buf rec;		/* one record, in place */
};

size_t
ece_encoded_len(size_t len, uint32_t rs, size_t idlen)
{
	size_t	per, n;

	if (rs < ECE_RS_MIN)
		return (0);
	per = rs - ECE_OVERHEAD;
	n = len == 0 ? 1 : (len + per - 1) / per;
	return (ECE_HDRLEN + idlen + len + n * ECE_OVERHEAD);
}

/* CEK and base nonce from the IKM and the header's salt. */
static int
ece_derive(struct ece *e, char *err)
{
	uint8_t	cek[ECE_CEKLEN];
	int	rv = -1;

	/* The info strings include their terminating NUL (RFC 8188 §2.2). */
	if (wc_HKDF(WC_SHA256, e->ikm, (word32)e->ikmlen, e->hdr, ECE_SALTLEN,
	    (const byte *)ece_info_cek, sizeof ece_info_cek, cek,
	    sizeof cek) != 0 ||
	    wc_HKDF(WC_SHA256, e->ikm, (word32)e->ikmlen, e->hdr, ECE_SALTLEN,
	    (const byte *)ece_info_nonce, sizeof ece_info_nonce, e->nonce,
	    sizeof e->nonce) != 0) {
		cr_seterr(err, "aes128gcm: key derivation failed");
		goto out;
	}
	if (wc_AesGcmSetKey(&e->aes, cek, sizeof cek) != 0) {
		cr_seterr(err, "aes128gcm: AES key setup failed");
		goto out;
	}
	rv = 0;
out:
	crypt_wipe(cek, sizeof cek);
	crypt_wipe(e->ikm, e->ikmlen);
	free(e->ikm);
	e->ikm = NULL;
	e->ikmlen = 0;
	return (rv);
}

static struct ece *
ece_new(const void *ikm, size_t ikmlen, int decrypt, crypt_sink_fn sink,
    void *arg, char *err)
{
	struct ece	*e;

	if (ikmlen == 0) {
		cr_seterr(err, "aes128gcm: empty IKM");
		return (NULL);
	}
	if (ikmlen > UINT32_MAX) {
		cr_seterr(err, "aes128gcm: IKM too long");
		return (NULL);
	}
	if ((e = calloc(1, sizeof *e)) == NULL) {
		cr_seterr(err, "out of memory");
		return (NULL);
	}
	if ((e->ikm = malloc(ikmlen)) == NULL) {
		free(e);
		cr_seterr(err, "out of memory");
		return (NULL);
	}
	memcpy(e->ikm, ikm, ikmlen);
	e->ikmlen = ikmlen;
	e->decrypt = decrypt;
	e->sink = sink;
	e->arg = arg;
	e->hdrwant = ECE_HDRLEN;
	if (wc_AesInit(&e->aes, NULL, INVALID_DEVID) != 0) {
		cr_seterr(err, "aes128gcm: AES init failed");
		ece_free(e);
		return (NULL);
	}
	return (e);
}

struct ece *
ece_enc_new(const void *ikm, size_t ikmlen, const uint8_t *salt, uint32_t rs,
    const void *keyid, size_t idlen, crypt_sink_fn sink, void *arg, char *err)
{
	struct ece	*e;
	WC_RNG		 rng;
	int		 rv;

	if (rs < ECE_RS_MIN) {
		cr_seterr(err, "aes128gcm: record size %" PRIu32 " is below "
		    "the minimum of %d", rs, ECE_RS_MIN);
		return (NULL);
	}
	if (idlen > ECE_KEYID_MAX) {
		cr_seterr(err, "aes128gcm: key id longer than %d bytes",
		    ECE_KEYID_MAX);
		return (NULL);
	}
	if ((e = ece_new(ikm, ikmlen, 0, sink, arg, err)) == NULL)
		return (NULL);
	if (salt != NULL)
		memcpy(e->hdr, salt, ECE_SALTLEN);
	else {
		if ((rv = wc_InitRng(&rng)) == 0) {
			rv = wc_RNG_GenerateBlock(&rng, e->hdr, ECE_SALTLEN);
			wc_FreeRng(&rng);
		}
		if (rv != 0) {
			cr_seterr(err, "aes128gcm: no random salt (wolfSSL "
			    "RNG error %d)", rv);
			ece_free(e);
			return (NULL);
		}
	}
	e->rs = rs;
	e->hdr[16] = (uint8_t)(rs >> 24);
	e->hdr[17] = (uint8_t)(rs >> 16);
	e->hdr[18] = (uint8_t)(rs >> 8);
	e->hdr[19] = (uint8_t)rs;
	e->hdr[20] = (uint8_t)idlen;
	if (idlen != 0)
		memcpy(e->hdr + ECE_HDRLEN, keyid, idlen);
	if (ece_derive(e, err) != 0) {
		ece_free(e);
		return (NULL);
	}
	return (e);
}

struct ece *
ece_dec_new(const void *ikm, size_t ikmlen, crypt_sink_fn sink, void *arg,
    char *err)
{
	return (ece_new(ikm, ikmlen, 1, sink, arg, err));
}

void
ece_free(struct ece *e)
{
	if (e == NULL)
		return;
	wc_AesFree(&e->aes);
	crypt_wipe(e->ikm, e->ikmlen);
	free(e->ikm);
	crypt_buf_clear(&e->rec);
	crypt_wipe(e, sizeof *e);
	free(e);
}

static int
ece_emit(struct ece *e, const uint8_t *p, size_t len, char *err)
{
	if (len != 0 && e->sink(e->arg, p, len) != 0) {
		cr_seterr(err, "aes128gcm: output refused");
		return (-1);
	}
	return (0);
}

/* The nonce of record SEQ: the base nonce XOR the sequence number. */
static void
ece_nonce(const struct ece *e, uint8_t *nonce)
{
	int	i;

	memcpy(nonce, e->nonce, ECE_NONCELEN);
	for (i = 0; i < 8; i++)
		nonce[ECE_NONCELEN - 1 - i] ^= (uint8_t)(e->seq >> (8 * i));
}

/*
 * Encoding: seal the LEN bytes of plaintext at the start of the record
 * buffer with PAD bytes of padding, in place, and write the record.
 */
static int
ece_seal(struct ece *e, size_t len, size_t pad, int last, char *err)
{
	uint8_t	 nonce[ECE_NONCELEN];
	uint8_t	*r;
	size_t	 n = len + 1 + pad;

	if (e->hdrlen == 0) {
		if (ece_emit(e, e->hdr, ECE_HDRLEN + e->hdr[20], err) != 0)
			return (-1);
		e->hdrlen = ECE_HDRLEN + e->hdr[20];
	}
	if (crypt_buf_reserve(&e->rec, n + ECE_TAGLEN - e->rec.len) != 0) {
		cr_seterr(err, "out of memory");
		return (-1);
	}
	r = e->rec.data;
	r[len] = last ? ECE_DELIM_LAST : ECE_DELIM;
	memset(r + len + 1, 0, pad);
	ece_nonce(e, nonce);
	if (wc_AesGcmEncrypt(&e->aes, r, r, (word32)n, nonce, sizeof nonce,
	    r + n, ECE_TAGLEN, NULL, 0) != 0) {
		cr_seterr(err, "aes128gcm: AES-GCM error");
		return (-1);
	}
	if (ece_emit(e, r, n + ECE_TAGLEN, err) != 0)
		return (-1);
	e->rec.len = 0;
	e->seq++;
	if (last)
		e->finished = 1;
	return (0);
}

static int
ece_enc_update(struct ece *e, const uint8_t *in, size_t len, char *err)
{
	size_t	per = e->rs - ECE_OVERHEAD, n;

	while (len != 0) {
		/* More input: the full record in the buffer is not the last. */
		if (e->rec.len == per && ece_seal(e, per, 0, 0, err) != 0)
			return (-1);
		n = per - e->rec.len;
		if (n > len)
			n = len;
		if (crypt_buf_sink(&e->rec, in, n) != 0) {
			cr_seterr(err, "out of memory");
			return (-1);
		}
		in += n;
		len -= n;
	}
	return (0);
}

int
ece_enc_record(struct ece *e, const void *buf, size_t len, size_t pad,
    int last, char *err)
{
	if (e->decrypt || e->failed || e->finished) {
		cr_seterr(err, "aes128gcm: no record can be added now");
		return (-1);
	}
	if (e->rec.len != 0) {
		cr_seterr(err, "aes128gcm: input is buffered; records of "
		    "chosen shape cannot follow it");
		return (-1);
	}
	if (len > e->rs - ECE_OVERHEAD || pad > e->rs - ECE_OVERHEAD - len ||
	    (!last && len + pad + ECE_OVERHEAD != e->rs)) {
		cr_seterr(err, "aes128gcm: a %s record of %zu bytes and %zu "
		    "of padding does not fit record size %" PRIu32,
		    last ? "last" : "non-last", len, pad, e->rs);
		return (-1);
	}
	if (crypt_buf_sink(&e->rec, buf, len) != 0) {
		cr_seterr(err, "out of memory");
		return (-1);
	}
	if (ece_seal(e, len, pad, last, err) != 0) {
		e->failed = 1;
		return (-1);
	}
	return (0);
}

/*
 * Decoding: authenticate and decrypt the record in the buffer, in place,
 * check its delimiter, then release its plaintext.
 */
static int
ece_open(struct ece *e, int last, char *err)
{
	uint8_t	 nonce[ECE_NONCELEN];
	uint8_t	*r = e->rec.data;
	size_t	 n = e->rec.len, i;

	if (n < ECE_OVERHEAD) {
		cr_seterr(err, "aes128gcm: truncated: record %" PRIu64 " has "
		    "%zu bytes, less than a tag and a delimiter", e->seq, n);
		return (-1);
	}
	n -= ECE_TAGLEN;
	ece_nonce(e, nonce);
	if (wc_AesGcmDecrypt(&e->aes, r, r, (word32)n, nonce, sizeof nonce,
	    r + n, ECE_TAGLEN, NULL, 0) != 0) {
		cr_seterr(err, "aes128gcm: record %" PRIu64 ": authentication "
		    "failed (wrong IKM, or damaged or truncated data)", e->seq);
		return (-1);
	}
	for (i = n; i > 0 && r[i - 1] == 0; i--)
		;
	if (i == 0) {
		cr_seterr(err, "aes128gcm: record %" PRIu64 ": padding "
		    "without a delimiter", e->seq);
		return (-1);
	}
	i--;
	if (last && r[i] == ECE_DELIM) {
		cr_seterr(err, "aes128gcm: truncated: record %" PRIu64 " is "
		    "not marked as the last, and no record follows", e->seq);
		return (-1);
	}
	if (!last && r[i] == ECE_DELIM_LAST) {
		cr_seterr(err, "aes128gcm: data after the last record "
		    "(record %" PRIu64 ")", e->seq);
		return (-1);
	}
	if (r[i] != (last ? ECE_DELIM_LAST : ECE_DELIM)) {
		cr_seterr(err, "aes128gcm: record %" PRIu64 ": bad padding "
		    "delimiter 0x%02x", e->seq, r[i]);
		return (-1);
	}
	if (ece_emit(e, r, i, err) != 0)
		return (-1);
	e->rec.len = 0;
	e->seq++;
	if (last)
		e->finished = 1;
	return (0);
}

/* Decoding: collect the header; returns the bytes used, or -1. */
static size_t
ece_header(struct ece *e, const uint8_t *in, size_t len, char *err)
{
	size_t	used = 0, n;

	while (e->hdrlen < e->hdrwant && used < len) {
		n = e->hdrwant - e->hdrlen;
		if (n > len - used)
			n = len - used;
		memcpy(e->hdr + e->hdrlen, in + used, n);
		e->hdrlen += n;
		used += n;
		if (e->hdrlen != ECE_HDRLEN)
			continue;
		e->rs = (uint32_t)e->hdr[16] << 24 |
		    (uint32_t)e->hdr[17] << 16 | (uint32_t)e->hdr[18] << 8 |
		    e->hdr[19];
		if (e->rs < ECE_RS_MIN) {
			cr_seterr(err, "aes128gcm: record size %" PRIu32
			    " in the header is below the minimum of %d",
			    e->rs, ECE_RS_MIN);
			return ((size_t)-1);
		}
		e->hdrwant = ECE_HDRLEN + e->hdr[20];
	}
	if (e->hdrlen == e->hdrwant && ece_derive(e, err) != 0)
		return ((size_t)-1);
	return (used);
}

static int
ece_dec_update(struct ece *e, const uint8_t *in, size_t len, char *err)
{
	size_t	n;

	if (e->hdrlen < e->hdrwant) {
		if ((n = ece_header(e, in, len, err)) == (size_t)-1)
			return (-1);
		in += n;
		len -= n;
	}
	while (len != 0) {
		/* More input: the full record in the buffer is not the last. */
		if (e->rec.len == e->rs && ece_open(e, 0, err) != 0)
			return (-1);
		/* Grown with what arrives, never to a claimed record size. */
		n = e->rs - e->rec.len;
		if (n > len)
			n = len;
		if (crypt_buf_sink(&e->rec, in, n) != 0) {
			cr_seterr(err, "out of memory");
			return (-1);
		}
		in += n;
		len -= n;
	}
	return (0);
}

int
ece_update(struct ece *e, const void *buf, size_t len, char *err)
{
	int	rv;

	if (e->failed || e->finished) {
		cr_seterr(err, e->failed ? "aes128gcm: stream already failed" :
		    "aes128gcm: input after the last record");
		e->failed = 1;
		return (-1);
	}
	rv = e->decrypt ? ece_dec_update(e, buf, len, err) :
	    ece_enc_update(e, buf, len, err);
	if (rv != 0)
		e->failed = 1;
	return (rv);
}

int
ece_final(struct ece *e, char *err)
{
	int	rv;

	if (e->failed) {
		cr_seterr(err, "aes128gcm: stream already failed");
		return (-1);
	}
	if (!e->decrypt) {
		/* ece_enc_record may have written the last record already. */
		if (e->finished)
			return (0);
		rv = ece_seal(e, e->rec.len, 0, 1, err);
	} else if (e->finished) {
		cr_seterr(err, "aes128gcm: final called twice");
		rv = -1;
	} else if (e->hdrlen < e->hdrwant) {
		cr_seterr(err, "aes128gcm: truncated header (%zu of %zu "
		    "bytes)", e->hdrlen, e->hdrwant);
		rv = -1;
	} else if (e->rec.len == 0) {
		cr_seterr(err, "aes128gcm: truncated: %s", e->seq == 0 ?
		    "no records after the header" :
		    "the input ends without the last record");
		rv = -1;
	} else
		rv = ece_open(e, 1, err);
	if (rv != 0)
		e->failed = 1;
	return (rv);
}

int
ece_encrypt(const void *in, size_t inlen, const void *ikm, size_t ikmlen,
    const uint8_t *salt, uint32_t rs, uint8_t **out, size_t *outlen,
    char *err)
{
	struct crypt_buf	 b = { NULL, 0, 0 };
	struct ece		*e;
	size_t			 need;

	need = ece_encoded_len(inlen, rs, 0);
	if (need != 0 && crypt_buf_reserve(&b, need) != 0) {
		cr_seterr(err, "out of memory");
		return (-1);
	}
	if ((e = ece_enc_new(ikm, ikmlen, salt, rs, NULL, 0, crypt_buf_sink, &b,
	    err)) == NULL)
		goto fail;
	if (ece_update(e, in, inlen, err) != 0 || ece_final(e, err) != 0)
		goto fail;
	ece_free(e);
	*out = b.data;
	*outlen = b.len;
	return (0);
fail:
	ece_free(e);
	crypt_buf_clear(&b);
	return (-1);
}

int
ece_decrypt(const void *in, size_t inlen, const void *ikm, size_t ikmlen,
    uint8_t **out, size_t *outlen, char *err)
{
	struct crypt_buf	 b = { NULL, 0, 0 };
	struct ece		*e;

	/* The plaintext is never longer than the input. */
	if (crypt_buf_reserve(&b, inlen + 1) != 0) {
		cr_seterr(err, "out of memory");
		return (-1);
	}
	if ((e = ece_dec_new(ikm, ikmlen, crypt_buf_sink, &b, err)) == NULL)
		goto fail;
	if (ece_update(e, in, inlen, err) != 0 || ece_final(e, err) != 0)
		goto fail;
	ece_free(e);
	*out = b.data;
	*outlen = b.len;
	return (0);
fail:
	ece_free(e);
	crypt_buf_clear(&b);
	return (-1);
}
