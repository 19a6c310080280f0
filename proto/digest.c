/*
 * digest.c — HTTP Digest authentication (RFC 7616) as a SIP UAS checks a
 * NOTIFY: the Authorization parser, the qop=auth response for MD5 and
 * SHA-256, stateless nonces and a bounded table against replayed nonce
 * counts.  Every hash and HMAC is wolfSSL's; digests are compared in
 * constant time.
 *
 * A nonce is hex(timestamp ‖ serial ‖ HMAC-SHA-256(secret, "N" ‖
 * timestamp ‖ serial)[0..15]): the agent keeps nothing per challenge, so
 * a flood of unauthenticated requests costs it no memory.  Only a request
 * whose response is right touches the nc table (DIGEST_NC_SLOTS entries);
 * when the table is full the entry with the oldest serial goes and every
 * serial up to it becomes stale, so a forgotten nonce can never be
 * replayed: its owner gets a fresh 401 with stale=true.  See docs/sip.md.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/md5.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "proto.h"

#define DIGEST_MAC_LEN		16	/* of the nonce's HMAC-SHA-256 */
#define DIGEST_NONCE_BYTES	(8 + 8 + DIGEST_MAC_LEN)

static const char digest_hexd[] = "0123456789abcdef";

static void
digest_hex(const uint8_t *in, size_t len, char *out)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digest_hexd[in[i] >> 4];
		out[2 * i + 1] = digest_hexd[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
digest_unhex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2*LEN hex digits of S into OUT; 0 or -1. */
static int
digest_unhex(const char *s, uint8_t *out, size_t len)
{
	size_t	i;
	int	hi, lo;

	if (strlen(s) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if ((hi = digest_unhex_digit((unsigned char)s[2 * i])) < 0 ||
		    (lo = digest_unhex_digit((unsigned char)s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void
digest_put64(uint8_t *p, uint64_t v)
{
	int	i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
digest_get64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* --- hashing ------------------------------------------------------------ */

static size_t
digest_alg_len(enum digest_alg alg)
{
	return alg == DIGEST_SHA256 ? WC_SHA256_DIGEST_SIZE :
	    WC_MD5_DIGEST_SIZE;
}

/*
 * H(PARTS[0] ":" PARTS[1] ":" ...) in lower-case hex into HEX
 * (DIGEST_HEX_MAX + 1 bytes).
 */
static int
digest_hash(enum digest_alg alg, const char *const *parts, size_t n,
    char *hex)
{
	wc_Md5		md5;
	wc_Sha256	sha;
	uint8_t		out[WC_SHA256_DIGEST_SIZE];
	size_t		i;
	int		rv = 0;

	if (alg == DIGEST_SHA256) {
		if (wc_InitSha256(&sha) != 0)
			return -1;
		for (i = 0; i < n && rv == 0; i++) {
			if (i > 0)
				rv = wc_Sha256Update(&sha,
				    (const byte *)":", 1);
			if (rv == 0)
				rv = wc_Sha256Update(&sha,
				    (const byte *)parts[i],
				    (word32)strlen(parts[i]));
		}
		if (rv == 0)
			rv = wc_Sha256Final(&sha, out);
		wc_Sha256Free(&sha);
	} else {
		if (wc_InitMd5(&md5) != 0)
			return -1;
		for (i = 0; i < n && rv == 0; i++) {
			if (i > 0)
				rv = wc_Md5Update(&md5, (const byte *)":", 1);
			if (rv == 0)
				rv = wc_Md5Update(&md5, (const byte *)parts[i],
				    (word32)strlen(parts[i]));
		}
		if (rv == 0)
			rv = wc_Md5Final(&md5, out);
		wc_Md5Free(&md5);
	}
	if (rv != 0)
		return -1;
	digest_hex(out, digest_alg_len(alg), hex);
	crypt_wipe(out, sizeof out);
	return 0;
}

/* HMAC-SHA-256(secret, LABEL ‖ DATA) into OUT (32 bytes). */
static int
digest_hmac(const struct digest_server *ds, char label, const void *data,
    size_t len, uint8_t *out)
{
	Hmac	h;
	int	rv;

	if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		return -1;
	rv = wc_HmacSetKey(&h, WC_SHA256, ds->secret, sizeof ds->secret);
	if (rv == 0)
		rv = wc_HmacUpdate(&h, (const byte *)&label, 1);
	if (rv == 0)
		rv = wc_HmacUpdate(&h, data, (word32)len);
	if (rv == 0)
		rv = wc_HmacFinal(&h, out);
	wc_HmacFree(&h);
	return rv == 0 ? 0 : -1;
}

int
digest_alg_parse(const char *s, enum digest_alg *alg)
{
	if (strcasecmp(s, "MD5") == 0)
		*alg = DIGEST_MD5;
	else if (strcasecmp(s, "SHA-256") == 0)
		*alg = DIGEST_SHA256;
	else
		return -1;
	return 0;
}

int
digest_compute(enum digest_alg alg, const char *user, const char *realm,
    const char *password, const char *method, const char *uri,
    const char *nonce, const char *nc, const char *cnonce, char *out)
{
	char		 ha1[DIGEST_HEX_MAX + 1], ha2[DIGEST_HEX_MAX + 1];
	const char	*p1[] = { user, realm, password };
	const char	*p2[] = { method, uri };
	const char	*p3[] = { ha1, nonce, nc, cnonce, "auth", ha2 };
	int		 rv;

	rv = digest_hash(alg, p1, 3, ha1) == 0 &&
	    digest_hash(alg, p2, 2, ha2) == 0 &&
	    digest_hash(alg, p3, 6, out) == 0 ? 0 : -1;
	/* HA1 is as good as the password to whoever holds it. */
	crypt_wipe(ha1, sizeof ha1);
	return rv;
}

/* --- the server: nonces, challenges, tags -------------------------------- */

int
digest_server_init(struct digest_server *ds, const char *realm,
    const uint8_t *secret, char *err)
{
	size_t	i, len = strlen(realm);

	if (len == 0 || len >= sizeof ds->realm) {
		cr_seterr(err, "realm: 1 to %d characters",
		    DIGEST_REALM_MAX - 1);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (realm[i] < ' ' || realm[i] > '~' || realm[i] == '"' ||
		    realm[i] == '\\') {
			cr_seterr(err, "realm: printable ASCII without quotes "
			    "or backslashes");
			return -1;
		}
	memset(ds, 0, sizeof *ds);
	memcpy(ds->realm, realm, len + 1);
	memcpy(ds->secret, secret, sizeof ds->secret);
	return 0;
}

void
digest_server_clear(struct digest_server *ds)
{
	crypt_wipe(ds, sizeof *ds);
}

int
digest_nonce(struct digest_server *ds, uint64_t now, char *out)
{
	uint8_t	b[DIGEST_NONCE_BYTES], mac[WC_SHA256_DIGEST_SIZE];

	digest_put64(b, now);
	digest_put64(b + 8, ds->serial + 1);
	if (digest_hmac(ds, 'N', b, 16, mac) == -1)
		return -1;
	ds->serial++;
	memcpy(b + 16, mac, DIGEST_MAC_LEN);
	digest_hex(b, sizeof b, out);
	return 0;
}

/* Ours, untouched: 0 with its timestamp and serial; else -1. */
static int
digest_nonce_check(const struct digest_server *ds, const char *nonce,
    uint64_t *ts, uint64_t *serial)
{
	uint8_t	b[DIGEST_NONCE_BYTES], mac[WC_SHA256_DIGEST_SIZE];

	if (digest_unhex(nonce, b, sizeof b) == -1 ||
	    digest_hmac(ds, 'N', b, 16, mac) == -1 ||
	    wolfSSL_CRYPTO_memcmp(mac, b + 16, DIGEST_MAC_LEN) != 0)
		return -1;
	*ts = digest_get64(b);
	*serial = digest_get64(b + 8);
	return 0;
}

int
digest_challenge(const struct digest_server *ds, enum digest_alg alg,
    const char *nonce, int stale, char *out, size_t size)
{
	int	n;

	n = snprintf(out, size, "Digest realm=\"%s\", nonce=\"%s\", "
	    "qop=\"auth\", algorithm=%s%s", ds->realm, nonce,
	    alg == DIGEST_SHA256 ? "SHA-256" : "MD5",
	    stale ? ", stale=true" : "");
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

int
digest_tag(const struct digest_server *ds, const void *data, size_t len,
    char *out)
{
	uint8_t	mac[WC_SHA256_DIGEST_SIZE];

	if (digest_hmac(ds, 'T', data, len, mac) == -1)
		return -1;
	digest_hex(mac, 8, out);
	return 0;
}

/* --- the Authorization parser -------------------------------------------- */

/* RFC 7230 tchar. */
static int
digest_is_tchar(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
digest_is_ows(int c)
{
	return c == ' ' || c == '\t';
}

struct digest_parser {
	struct digest_auth	*a;
	size_t			 w;	/* bytes used in a->buf */
};

/* Room for LEN bytes and a NUL in the value buffer: where they go. */
static char *
digest_room(struct digest_parser *dp, size_t len)
{
	char	*p;

	if (len + 1 > sizeof dp->a->buf - dp->w)
		return NULL;
	p = dp->a->buf + dp->w;
	dp->w += len + 1;
	return p;
}

/*
 * username* (RFC 7616 §3.4.4, RFC 8187 ext-value): UTF-8''pct-encoded,
 * the language ignored.  The decoded name may not hold controls.
 */
static const char *
digest_ext_value(struct digest_parser *dp, const char *v, char *err)
{
	const char	*q, *l;
	char		*out;
	size_t		 n = 0;
	int		 hi, lo;

	if ((q = strchr(v, '\'')) == NULL || (size_t)(q - v) != 5 ||
	    strncasecmp(v, "UTF-8", 5) != 0 ||
	    (l = strchr(q + 1, '\'')) == NULL) {
		cr_seterr(err, "username*: not UTF-8''name");
		return NULL;
	}
	if ((out = digest_room(dp, strlen(l + 1))) == NULL) {
		cr_seterr(err, "username*: too long");
		return NULL;
	}
	for (v = l + 1; *v != '\0'; v++) {
		if (*v == '%') {
			hi = digest_unhex_digit((unsigned char)v[1]);
			lo = hi < 0 ? -1 :
			    digest_unhex_digit((unsigned char)v[2]);
			if (lo < 0) {
				cr_seterr(err, "username*: bad %% escape");
				return NULL;
			}
			out[n] = (char)(hi << 4 | lo);
			v += 2;
		} else if (digest_is_tchar((unsigned char)*v) && *v != '%' &&
		    *v != '\'' && *v != '*')
			out[n] = *v;
		else {
			cr_seterr(err, "username*: bad character");
			return NULL;
		}
		if ((unsigned char)out[n] < ' ' || out[n] == 0x7f) {
			cr_seterr(err, "username*: control character");
			return NULL;
		}
		n++;
	}
	out[n] = '\0';
	if (params_text_span(out, n) != n) {
		cr_seterr(err, "username*: not UTF-8");
		return NULL;
	}
	return out;
}

/* Parameters the verifier reads; the rest are checked and skipped. */
static const char *const digest_params[] = {
	"username", "username*", "realm", "nonce", "uri", "response",
	"cnonce", "qop", "opaque", "algorithm", "nc", "userhash",
};

static int
digest_store(struct digest_parser *dp, const char *name, size_t namelen,
    const char *v, int quoted, char *err)
{
	struct digest_auth	*a = dp->a;
	const char		**slot = NULL;
	size_t			 i, k;
	int			 d;

	for (k = 0; k < sizeof digest_params / sizeof digest_params[0]; k++)
		if (strlen(digest_params[k]) == namelen &&
		    strncasecmp(digest_params[k], name, namelen) == 0)
			break;
	switch (k) {
	case 0:
	case 1:
		slot = &a->username;
		break;
	case 2: slot = &a->realm; break;
	case 3: slot = &a->nonce; break;
	case 4: slot = &a->uri; break;
	case 5: slot = &a->response; break;
	case 6: slot = &a->cnonce; break;
	case 7: slot = &a->qop; break;
	case 8: slot = &a->opaque; break;
	case 9: slot = &a->algorithm; break;
	case 10: slot = &a->nc_str; break;
	case 11:
		if (a->userhash != 0) {
			cr_seterr(err, "userhash: repeated");
			return -1;
		}
		if (strcasecmp(v, "true") == 0)
			a->userhash = 1;
		else if (strcasecmp(v, "false") == 0)
			a->userhash = -1;
		else {
			cr_seterr(err, "userhash: neither true nor false");
			return -1;
		}
		return 0;
	default:
		return 0;	/* an extension parameter */
	}
	if (*slot != NULL) {
		cr_seterr(err, "%s: repeated%s", digest_params[k], k <= 1 ?
		    " (username and username*)" : "");
		return -1;
	}
	if (k == 1) {
		if (quoted) {
			cr_seterr(err, "username*: must not be quoted");
			return -1;
		}
		return (*slot = digest_ext_value(dp, v, err)) == NULL ? -1 : 0;
	}
	if (k == 10) {
		/* nc = 8LHEX (RFC 7616 §3.4); upper case is tolerated. */
		if (strlen(v) != 8) {
			cr_seterr(err, "nc: not 8 hex digits");
			return -1;
		}
		a->nc = 0;
		for (i = 0; i < 8; i++) {
			if ((d = digest_unhex_digit((unsigned char)v[i])) < 0) {
				cr_seterr(err, "nc: not 8 hex digits");
				return -1;
			}
			a->nc = a->nc << 4 | (uint32_t)d;
		}
	}
	*slot = v;
	return 0;
}

int
digest_parse(const char *s, size_t len, struct digest_auth *a, char *err)
{
	struct digest_parser	 dp;
	const char		*name;
	size_t			 i = 0, n, namelen;
	char			*v;
	int			 quoted, nparams = 0;

	memset(a, 0, offsetof(struct digest_auth, buf));
	dp.a = a;
	dp.w = 0;
	while (i < len && digest_is_ows((unsigned char)s[i]))
		i++;
	for (n = i; i < len && digest_is_tchar((unsigned char)s[i]); i++)
		;
	if (i == n) {
		cr_seterr(err, "no authentication scheme");
		return -1;
	}
	if (i - n != 6 || strncasecmp(s + n, "Digest", 6) != 0)
		return 0;
	a->is_digest = 1;
	if (i < len && !digest_is_ows((unsigned char)s[i])) {
		cr_seterr(err, "bad authentication scheme");
		return -1;
	}

	/* #auth-param: empty list elements are allowed (RFC 7230 §7). */
	for (;;) {
		while (i < len && (digest_is_ows((unsigned char)s[i]) ||
		    s[i] == ','))
			i++;
		if (i >= len)
			break;
		name = s + i;
		n = i;
		while (i < len && digest_is_tchar((unsigned char)s[i]))
			i++;
		namelen = i - n;
		while (i < len && digest_is_ows((unsigned char)s[i]))
			i++;
		if (namelen == 0 || i >= len || s[i] != '=') {
			cr_seterr(err, "bad parameter at offset %zu", n);
			return -1;
		}
		i++;
		while (i < len && digest_is_ows((unsigned char)s[i]))
			i++;
		quoted = i < len && s[i] == '"';
		if (quoted) {
			size_t	j = i + 1, k = 0;

			/* The unquoted value is never longer than the rest. */
			if ((v = digest_room(&dp, len - j)) == NULL) {
				cr_seterr(err, "parameter too long");
				return -1;
			}
			for (; j < len && s[j] != '"'; j++) {
				if (s[j] == '\\' && ++j >= len)
					break;
				if ((unsigned char)s[j] < ' ' &&
				    s[j] != '\t') {
					cr_seterr(err, "control character in "
					    "%.*s", (int)namelen, name);
					return -1;
				}
				v[k++] = s[j];
			}
			if (j >= len) {
				cr_seterr(err, "%.*s: unterminated quote",
				    (int)namelen, name);
				return -1;
			}
			v[k] = '\0';
			/* Give back what the value did not use. */
			dp.w -= (len - (i + 1)) - k;
			i = j + 1;
		} else {
			for (n = i; i < len &&
			    digest_is_tchar((unsigned char)s[i]); i++)
				;
			if (i == n) {
				cr_seterr(err, "%.*s: no value", (int)namelen,
				    name);
				return -1;
			}
			if ((v = digest_room(&dp, i - n)) == NULL) {
				cr_seterr(err, "parameter too long");
				return -1;
			}
			memcpy(v, s + n, i - n);
			v[i - n] = '\0';
		}
		if (digest_store(&dp, name, namelen, v, quoted, err) == -1)
			return -1;
		nparams++;
		while (i < len && digest_is_ows((unsigned char)s[i]))
			i++;
		if (i < len && s[i] != ',') {
			cr_seterr(err, "expected a comma at offset %zu", i);
			return -1;
		}
	}
	if (nparams == 0) {
		cr_seterr(err, "Digest without parameters");
		return -1;
	}
	return 0;
}

/* --- verification --------------------------------------------------------- */

/* The slot for SERIAL, or NULL. */
static struct digest_nc *
digest_nc_find(struct digest_server *ds, uint64_t serial)
{
	size_t	i;

	for (i = 0; i < DIGEST_NC_SLOTS; i++)
		if (ds->nc[i].id == serial)
			return &ds->nc[i];
	return NULL;
}

/*
 * A slot for a new serial: a free one, else one whose nonce has expired
 * (it can only be refused as stale now), else the oldest serial, which
 * then raises the floor: nothing at or below it can be accepted again.
 */
static struct digest_nc *
digest_nc_claim(struct digest_server *ds, uint64_t now)
{
	struct digest_nc	*e, *old = NULL, *expired = NULL;
	size_t			 i;

	for (i = 0; i < DIGEST_NC_SLOTS; i++) {
		e = &ds->nc[i];
		if (e->id == 0)
			return e;
		if (now - e->issued > DIGEST_NONCE_TTL &&
		    (expired == NULL || e->id < expired->id))
			expired = e;
		if (old == NULL || e->id < old->id)
			old = e;
	}
	if (expired != NULL)
		return expired;
	if (old->id > ds->floor)
		ds->floor = old->id;
	return old;
}

enum digest_verdict
digest_verify(struct digest_server *ds, const struct digest_auth *a,
    const char *method, const char *user, const char *password,
    const void *txn, size_t txnlen, uint64_t now, char *err)
{
	struct digest_nc	*e;
	enum digest_alg		 alg = DIGEST_MD5;
	char			 want[DIGEST_HEX_MAX + 1];
	char			 got[DIGEST_HEX_MAX + 1];
	uint8_t			 th[WC_SHA256_DIGEST_SIZE];
	uint64_t		 ts, serial;
	size_t			 i, hexlen;
	int			 same;

	if (!a->is_digest) {
		cr_seterr(err, "not Digest credentials");
		return DIGEST_REFUSE;
	}
	if (a->username == NULL || a->realm == NULL || a->nonce == NULL ||
	    a->uri == NULL || a->response == NULL) {
		cr_seterr(err, "incomplete credentials");
		return DIGEST_REFUSE;
	}
	/* Without qop there is no nc, and so no defence against replay. */
	if (a->qop == NULL || strcasecmp(a->qop, "auth") != 0 ||
	    a->cnonce == NULL || a->nc_str == NULL) {
		cr_seterr(err, "qop=auth with nc and cnonce is required");
		return DIGEST_REFUSE;
	}
	if (strcmp(a->realm, ds->realm) != 0) {
		cr_seterr(err, "another realm");
		return DIGEST_REFUSE;
	}
	if (a->algorithm != NULL && digest_alg_parse(a->algorithm,
	    &alg) == -1) {
		cr_seterr(err, "algorithm %.32s was not offered", a->algorithm);
		return DIGEST_REFUSE;
	}
	if (a->userhash == 1) {
		cr_seterr(err, "userhash was not offered");
		return DIGEST_REFUSE;
	}
	if (a->nc == 0) {
		cr_seterr(err, "nc 0");
		return DIGEST_REFUSE;
	}
	if (strcmp(a->username, user) != 0) {
		cr_seterr(err, "unknown user");
		return DIGEST_REFUSE;
	}
	hexlen = 2 * digest_alg_len(alg);
	if (strlen(a->response) != hexlen) {
		cr_seterr(err, "response is not a %s digest", alg ==
		    DIGEST_SHA256 ? "SHA-256" : "MD5");
		return DIGEST_REFUSE;
	}
	for (i = 0; i < hexlen; i++)
		got[i] = (char)((a->response[i] >= 'A' &&
		    a->response[i] <= 'F') ? a->response[i] + 32 :
		    a->response[i]);
	got[hexlen] = '\0';
	if (digest_compute(alg, a->username, ds->realm, password, method,
	    a->uri, a->nonce, a->nc_str, a->cnonce, want) == -1) {
		cr_seterr(err, "hash failed");
		return DIGEST_REFUSE;
	}
	same = wolfSSL_CRYPTO_memcmp(want, got, hexlen) == 0;
	crypt_wipe(want, sizeof want);
	if (!same) {
		cr_seterr(err, "wrong response");
		return DIGEST_REFUSE;
	}

	/* Right credentials from here on: a bad nonce is only stale. */
	if (digest_nonce_check(ds, a->nonce, &ts, &serial) == -1) {
		cr_seterr(err, "a nonce this agent did not issue");
		return DIGEST_STALE;
	}
	if (ts > now || now - ts > DIGEST_NONCE_TTL) {
		cr_seterr(err, "nonce expired");
		return DIGEST_STALE;
	}
	if (wc_Sha256Hash(txn, (word32)txnlen, th) != 0) {
		cr_seterr(err, "hash failed");
		return DIGEST_REFUSE;
	}
	if ((e = digest_nc_find(ds, serial)) != NULL) {
		if (a->nc > e->nc) {
			e->nc = a->nc;
			memcpy(e->txn, th, sizeof e->txn);
			e->txn_time = now;
			return DIGEST_ACCEPT;
		}
		if (a->nc == e->nc && now - e->txn_time <= DIGEST_TXN_TTL &&
		    memcmp(e->txn, th, sizeof e->txn) == 0) {
			cr_seterr(err, "retransmission");
			return DIGEST_RETRANSMIT;
		}
		cr_seterr(err, "nc %08x replayed (last %08x)", a->nc, e->nc);
		return DIGEST_REFUSE;
	}
	if (serial <= ds->floor) {
		cr_seterr(err, "nonce no longer remembered");
		return DIGEST_STALE;
	}
	e = digest_nc_claim(ds, now);
	e->id = serial;
	e->issued = ts;
	e->nc = a->nc;
	memcpy(e->txn, th, sizeof e->txn);
	e->txn_time = now;
	return DIGEST_ACCEPT;
}
