/*
 * state.c — the agent's durable state file, encoded and parsed.
 *
 *	cfgreport-state 2
 *	seq 42
 *	profile sha256 <64 lower-case hex digits>	(or "profile none")
 *	dest 17 "delta http://prov.example/x.xml"	(0 to STATE_MAX_DESTS)
 *	param 5 rw Report_Rule "[--delta]http://..."	(set order)
 *	param 0 - Speed_Dial_2_2_ -			(a ua-only entry)
 *	end crc32c <CRC-32C of every byte before this line, 8 hex digits>
 *
 * Every line ends in "\n".  Quoted strings escape \\ \" \n \r \t and
 * \xHH (other C0 bytes and DEL); bytes of 0x80 and above are written as
 * they are, so values stay readable.  The trailer's digest makes a torn
 * or damaged file detectable.  The parser accepts exactly what the encoder
 * writes (one spelling of every number, escape and field), so parsing and
 * encoding again gives the same bytes; it never keeps a partial result.
 * docs/store.md has the reasons.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "proto.h"

#define STATE_MAGIC		"cfgreport-state"
/* Version 2's trailer: CRC-32C; version 1's (still read): SHA-256. */
#define STATE_TRAILER		"end crc32c "
#define STATE_CRC_LEN		4
#define STATE_TRAILER_LEN	(sizeof STATE_TRAILER - 1 + \
				    2 * STATE_CRC_LEN + 1)
#define STATE_TRAILER_V1	"end sha256 "
#define STATE_TRAILER_V1_LEN	(sizeof STATE_TRAILER_V1 - 1 + \
				    2 * STATE_DIGEST_LEN + 1)
/* The longest line the encoder can write: a param of the longest value. */
#define STATE_MAX_LINE		(4 * PARAMS_MAX_VALUE + 1024)

static const char state_hex[] = "0123456789abcdef";

/*
 * 1 for the bytes a quoted string holds as they are: not NUL or another
 * C0 control, double quote, backslash or DEL.  One load per byte where
 * four comparisons were: every value of every snapshot and batch goes
 * through here (test_every_byte checks the table).
 */
#define STATE_ROW(v)	v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char state_plain[256] = {
	STATE_ROW(0), STATE_ROW(0),			/* 0x00: controls */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x20: " */
	STATE_ROW(1), STATE_ROW(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* 0x50: backslash */
	STATE_ROW(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,	/* 0x70: DEL */
	STATE_ROW(1), STATE_ROW(1), STATE_ROW(1), STATE_ROW(1),
	STATE_ROW(1), STATE_ROW(1), STATE_ROW(1), STATE_ROW(1),
};

int
state_sha256(const void *data, size_t len, uint8_t out[STATE_DIGEST_LEN])
{
	wc_Sha256	 ctx;
	const uint8_t	*p = data;
	word32		 n;
	int		 rv = -1;

	if (wc_InitSha256(&ctx) != 0)
		return -1;
	/* wolfSSL takes a word32 length. */
	while (len > 0) {
		n = len > 0x40000000 ? 0x40000000 : (word32)len;
		if (wc_Sha256Update(&ctx, p, n) != 0)
			goto out;
		p += n;
		len -= n;
	}
	if (wc_Sha256Final(&ctx, out) == 0)
		rv = 0;
out:
	wc_Sha256Free(&ctx);
	return rv;
}

/*
 * CRC-32C (Castagnoli, reflected, as iSCSI and ext4 use it), eight bytes
 * a step (slicing-by-8): the checksum of snapshots and journal records.
 */
uint32_t
state_crc32c(uint32_t crc, const void *data, size_t len)
{
	static uint32_t	 t[8][256];
	const uint8_t	*p = data;
	uint32_t	 c, lo, hi;
	int		 i, k;

	if (t[0][1] == 0) {
		for (i = 0; i < 256; i++) {
			c = (uint32_t)i;
			for (k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82f63b78 : c >> 1;
			t[0][i] = c;
		}
		for (i = 0; i < 256; i++)
			for (k = 1; k < 8; k++)
				t[k][i] = (t[k - 1][i] >> 8) ^
				    t[0][t[k - 1][i] & 0xff];
	}
	crc = ~crc;
	while (len >= 8) {
		lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		    (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
		    t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		    t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		    t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

void
state_dests_free(struct state_dest *d, size_t n)
{
	size_t	i;

	for (i = 0; i < n && i < STATE_MAX_DESTS; i++)
		free(d[i].key);
}

int
state_dests_check(const struct state_dest *d, size_t n, const char *who,
    char *err)
{
	size_t	i, j, len;

	if (n > STATE_MAX_DESTS) {
		cr_seterr(err, "%s: more than %d destinations", who,
		    STATE_MAX_DESTS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (d[i].key == NULL || (len = strlen(d[i].key)) == 0 ||
		    len > STATE_MAX_KEY) {
			cr_seterr(err, "%s: destination key empty or longer "
			    "than %d bytes", who, STATE_MAX_KEY);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(d[i].key, d[j].key) == 0) {
				cr_seterr(err, "%s: duplicate destination", who);
				return -1;
			}
		}
	}
	return 0;
}

void
state_clear(struct state *st)
{
	state_dests_free(st->dest, st->ndest);
	params_free(st->params);
	memset(st, 0, sizeof *st);
}

/* --- encoder --- */

/*
 * Output cursor.  The encoder runs twice over the same code: once with
 * BUF NULL to count, once to write into a buffer of exactly that size,
 * so the two can never disagree.
 */
struct state_out {
	char	*buf;
	size_t	 len;
};

static void
state_put(struct state_out *o, const char *s, size_t len)
{
	if (o->buf != NULL)
		memcpy(o->buf + o->len, s, len);
	o->len += len;
}

static void
state_puts(struct state_out *o, const char *s)
{
	state_put(o, s, strlen(s));
}

static void
state_putu64(struct state_out *o, uint64_t v)
{
	char	d[20];
	size_t	i = sizeof d;

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	state_put(o, d + i, sizeof d - i);
}

static void
state_puthex(struct state_out *o, const uint8_t *p, size_t len)
{
	char	h[2];
	size_t	i;

	for (i = 0; i < len; i++) {
		h[0] = state_hex[p[i] >> 4];
		h[1] = state_hex[p[i] & 0xf];
		state_put(o, h, 2);
	}
}

static void
state_putquoted(struct state_out *o, const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	const unsigned char	*run;
	char			 e[4];

	state_put(o, "\"", 1);
	while (*u != '\0') {
		/* Copy plain bytes in runs: values are mostly plain. */
		for (run = u; state_plain[*u]; u++)
			continue;
		if (u != run)
			state_put(o, (const char *)run, (size_t)(u - run));
		if (*u == '\0')
			break;
		e[0] = '\\';
		switch (*u) {
		case '"':
		case '\\':
			e[1] = (char)*u;
			state_put(o, e, 2);
			break;
		case '\n':
			e[1] = 'n';
			state_put(o, e, 2);
			break;
		case '\r':
			e[1] = 'r';
			state_put(o, e, 2);
			break;
		case '\t':
			e[1] = 't';
			state_put(o, e, 2);
			break;
		default:
			e[1] = 'x';
			e[2] = state_hex[*u >> 4];
			e[3] = state_hex[*u & 0xf];
			state_put(o, e, 4);
			break;
		}
		u++;
	}
	state_put(o, "\"", 1);
}

static const char *
state_ua_name(enum ua ua)
{
	const char	*s = ua_name(ua);

	return s != NULL ? s : "-";
}

static void
state_emit_param(const struct param *p, struct state_out *o)
{
	state_puts(o, "param ");
	state_putu64(o, p->seq);
	state_puts(o, " ");
	state_puts(o, state_ua_name(p->ua));
	state_puts(o, " ");
	state_puts(o, p->name);
	state_puts(o, " ");
	if (p->value != NULL)
		state_putquoted(o, p->value);
	else
		state_puts(o, "-");
	state_puts(o, "\n");
}

static int	state_unhex(int);

/* Everything before the trailer. */
static void
state_emit(const struct state *st, struct state_out *o)
{
	size_t	i, n;

	state_puts(o, STATE_MAGIC " ");
	state_putu64(o, STATE_VERSION);
	state_puts(o, "\nseq ");
	state_putu64(o, st->seq);
	if (st->has_digest) {
		state_puts(o, "\nprofile sha256 ");
		state_puthex(o, st->digest, STATE_DIGEST_LEN);
	} else
		state_puts(o, "\nprofile none");
	state_puts(o, "\n");
	for (i = 0; i < st->ndest; i++) {
		state_puts(o, "dest ");
		state_putu64(o, st->dest[i].acked);
		state_puts(o, " ");
		state_putquoted(o, st->dest[i].key);
		state_puts(o, "\n");
	}
	n = st->params != NULL ? params_count(st->params) : 0;
	for (i = 0; i < n; i++)
		state_emit_param(params_at(st->params, i), o);
}

size_t
state_param_len(const struct param *p)
{
	struct state_out	o = { NULL, 0 };

	state_emit_param(p, &o);
	return o.len;
}

void
state_id(const char *buf, size_t len, uint8_t id[STATE_DIGEST_LEN])
{
	const char	*h;
	size_t		 i, n;

	/* Version 2: the CRC and the length; version 1: the digest. */
	memset(id, 0, STATE_DIGEST_LEN);
	if (len >= STATE_TRAILER_V1_LEN && memcmp(buf + len -
	    STATE_TRAILER_V1_LEN, STATE_TRAILER_V1,
	    sizeof STATE_TRAILER_V1 - 1) == 0)
		n = STATE_DIGEST_LEN;
	else {
		n = STATE_CRC_LEN;
		for (i = 0; i < 8; i++)
			id[STATE_CRC_LEN + i] = (uint8_t)(len >> (8 * i));
	}
	h = buf + len - 1 - 2 * n;
	for (i = 0; i < n; i++)
		id[i] = (uint8_t)(state_unhex((unsigned char)h[2 * i]) << 4 |
		    state_unhex((unsigned char)h[2 * i + 1]));
}
/*
 * Refuse to write what the parser would refuse to read back: a state
 * that cannot be loaded is worse than a batch refused now.
 */
static int
state_check(const struct state *st, char *err)
{
	const struct param	*p;
	size_t			 i, n;

	if (state_dests_check(st->dest, st->ndest, "state", err) == -1)
		return -1;
	for (i = 0; i < st->ndest; i++) {
		if (st->dest[i].acked > st->seq) {
			cr_seterr(err, "state: destination acknowledged "
			    "beyond seq");
			return -1;
		}
	}
	n = st->params != NULL ? params_count(st->params) : 0;
	for (i = 0; i < n; i++) {
		p = params_at(st->params, i);
		if (p->seq > st->seq) {
			cr_seterr(err, "state: %s: change number beyond seq",
			    p->name);
			return -1;
		}
	}
	return 0;
}

char *
state_encode(const struct state *st, size_t *lenp, char *err)
{
	struct state_out	o = { NULL, 0 };
	uint8_t			c[STATE_CRC_LEN];
	uint32_t		crc;
	size_t			body;

	if (state_check(st, err) == -1)
		return NULL;
	state_emit(st, &o);
	body = o.len;
	if (body > STATE_MAX_SIZE - STATE_TRAILER_LEN) {
		cr_seterr(err, "state: larger than %d bytes", STATE_MAX_SIZE);
		return NULL;
	}
	if ((o.buf = malloc(body + STATE_TRAILER_LEN + 1)) == NULL) {
		cr_seterr(err, "state: out of memory");
		return NULL;
	}
	o.len = 0;
	state_emit(st, &o);
	crc = state_crc32c(0, o.buf, body);
	c[0] = (uint8_t)(crc >> 24);
	c[1] = (uint8_t)(crc >> 16);
	c[2] = (uint8_t)(crc >> 8);
	c[3] = (uint8_t)crc;
	state_puts(&o, STATE_TRAILER);
	state_puthex(&o, c, sizeof c);
	state_puts(&o, "\n");
	o.buf[o.len] = '\0';
	*lenp = o.len;
	return o.buf;
}

/* --- parser --- */

/* One line being read: [p, end) without its "\n". */
struct state_in {
	const char	*p;
	const char	*end;
	size_t		 line;
	char		*err;
};

static int
state_fail(struct state_in *in, const char *what)
{
	cr_seterr(in->err, "state: line %zu: %s", in->line, what);
	return -1;
}

/* Consume the literal WORD. */
static int
state_lit(struct state_in *in, const char *word)
{
	size_t	len = strlen(word);

	if ((size_t)(in->end - in->p) < len || memcmp(in->p, word, len) != 0)
		return -1;
	in->p += len;
	return 0;
}

static int
state_sp(struct state_in *in)
{
	if (state_lit(in, " ") == -1)
		return state_fail(in, "expected one space");
	return 0;
}

static int
state_eol(struct state_in *in)
{
	if (in->p != in->end)
		return state_fail(in, "unexpected text at the end of the line");
	return 0;
}

/* A decimal uint64 in its one spelling: no sign, no leading zero. */
static int
state_u64(struct state_in *in, uint64_t *v)
{
	uint64_t	n = 0;
	unsigned	d;

	if (in->p == in->end || *in->p < '0' || *in->p > '9')
		return state_fail(in, "expected a number");
	if (*in->p == '0' && in->end - in->p > 1 && in->p[1] >= '0' &&
	    in->p[1] <= '9')
		return state_fail(in, "number with a leading zero");
	while (in->p != in->end && *in->p >= '0' && *in->p <= '9') {
		d = (unsigned)(*in->p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return state_fail(in, "number out of range");
		n = n * 10 + d;
		in->p++;
	}
	*v = n;
	return 0;
}

static int
state_unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;	/* upper case is not the one spelling */
}

static int
state_hexbytes(struct state_in *in, uint8_t *out, size_t len)
{
	size_t	i;
	int	hi, lo;

	if ((size_t)(in->end - in->p) < 2 * len)
		return state_fail(in, "digest too short");
	for (i = 0; i < len; i++) {
		hi = state_unhex((unsigned char)in->p[2 * i]);
		lo = state_unhex((unsigned char)in->p[2 * i + 1]);
		if (hi == -1 || lo == -1)
			return state_fail(in, "digest is not lower-case hex");
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	in->p += 2 * len;
	return 0;
}

/*
 * A quoted string of at most MAX decoded bytes, in the encoder's spelling.
 * Returns a malloc'd NUL-terminated copy in *OUT.
 */
static int
state_quoted(struct state_in *in, size_t max, char **out)
{
	const unsigned char	*u, *end = (const unsigned char *)in->end;
	char			*s, *o;
	int			 c, hi, lo;

	if (state_lit(in, "\"") == -1)
		return state_fail(in, "expected a quoted string");
	u = (const unsigned char *)in->p;
	/* Decoding never grows the text, so the rest of the line bounds it. */
	if ((s = malloc((size_t)(end - u) + 1)) == NULL)
		return state_fail(in, "out of memory");
	o = s;
	for (;;) {
		if (u == end) {
			free(s);
			return state_fail(in, "unterminated quoted string");
		}
		c = *u++;
		if (c == '"')
			break;
		if ((size_t)(o - s) >= max) {
			free(s);
			return state_fail(in, "quoted string too long");
		}
		if (c < 0x20 || c == 0x7f) {
			free(s);
			return state_fail(in, "control byte in a quoted "
			    "string");
		}
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		c = u == end ? -1 : *u++;
		switch (c) {
		case '"':
		case '\\':
			*o++ = (char)c;
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'x':
			hi = end - u >= 2 ? state_unhex(u[0]) : -1;
			lo = end - u >= 2 ? state_unhex(u[1]) : -1;
			if (hi == -1 || lo == -1) {
				free(s);
				return state_fail(in, "bad \\x escape");
			}
			c = hi << 4 | lo;
			/* Only bytes without a shorter escape, never NUL. */
			if (c == 0 || (c >= 0x20 && c != 0x7f) || c == '\n' ||
			    c == '\r' || c == '\t') {
				free(s);
				return state_fail(in, "bad \\x escape");
			}
			*o++ = (char)c;
			u += 2;
			break;
		default:
			free(s);
			return state_fail(in, "bad escape");
		}
	}
	*o = '\0';
	in->p = (const char *)u;
	*out = s;
	return 0;
}

/* Advance to the next line; 0 at the trailer (which starts at STOP). */
static int
state_next(struct state_in *in, const char **cur, const char *stop)
{
	const char	*nl;
	size_t		 max;

	in->line++;
	if (*cur == stop) {
		/* "Expected ..." then names the trailer's line. */
		in->p = in->end = stop;
		return 0;
	}
	max = (size_t)(stop - *cur);
	if (max > STATE_MAX_LINE + 1)
		max = STATE_MAX_LINE + 1;
	if ((nl = memchr(*cur, '\n', max)) == NULL)
		return state_fail(in, "line too long");
	in->p = *cur;
	in->end = nl;
	*cur = nl + 1;
	return 1;
}

static int
state_dest_line(struct state_in *in, struct state *st)
{
	struct state_dest	*d;
	char			*key;
	uint64_t		 acked;
	size_t			 i;

	if (st->params != NULL && params_count(st->params) > 0)
		return state_fail(in, "destination after the parameters");
	if (st->ndest == STATE_MAX_DESTS)
		return state_fail(in, "too many destinations");
	if (state_u64(in, &acked) == -1 || state_sp(in) == -1)
		return -1;
	if (acked > st->seq)
		return state_fail(in, "destination acknowledged beyond seq");
	if (state_quoted(in, STATE_MAX_KEY, &key) == -1)
		return -1;
	if (state_eol(in) == -1) {
		free(key);
		return -1;
	}
	if (key[0] == '\0') {
		free(key);
		return state_fail(in, "empty destination key");
	}
	for (i = 0; i < st->ndest; i++) {
		if (strcmp(st->dest[i].key, key) == 0) {
			free(key);
			return state_fail(in, "duplicate destination");
		}
	}
	d = &st->dest[st->ndest++];
	d->key = key;
	d->acked = acked;
	return 0;
}

static int
state_param_line(struct state_in *in, struct state *st)
{
	char		 why[CR_ERRLEN];
	char		*name = NULL, *value = NULL;
	const char	*sp;
	uint64_t	 seq;
	enum ua		 ua;
	size_t		 len, n;
	int		 rv = -1;

	if (state_u64(in, &seq) == -1 || state_sp(in) == -1)
		return -1;
	if (seq > st->seq)
		return state_fail(in, "change number beyond seq");
	if (state_lit(in, "- ") == 0)
		ua = UA_NONE;
	else if (state_lit(in, "na ") == 0)
		ua = UA_NA;
	else if (state_lit(in, "ro ") == 0)
		ua = UA_RO;
	else if (state_lit(in, "rw ") == 0)
		ua = UA_RW;
	else
		return state_fail(in, "bad ua");
	if ((sp = memchr(in->p, ' ', (size_t)(in->end - in->p))) == NULL)
		return state_fail(in, "expected a name and a value");
	len = (size_t)(sp - in->p);
	/* A NUL would cut the name short and let a different one in. */
	if (memchr(in->p, '\0', len) != NULL)
		return state_fail(in, "NUL byte in a name");
	if ((name = malloc(len + 1)) == NULL)
		return state_fail(in, "out of memory");
	memcpy(name, in->p, len);
	name[len] = '\0';
	in->p = sp + 1;
	if (state_lit(in, "-") == -1 &&
	    state_quoted(in, PARAMS_MAX_VALUE, &value) == -1)
		goto out;
	if (state_eol(in) == -1)
		goto out;
	/*
	 * params_set judges the name and the text (NUL, UTF-8, size); a
	 * name already there does not grow the set (one lookup, not two).
	 */
	n = params_count(st->params);
	if (params_set(st->params, name, value, ua, why) == -1) {
		state_fail(in, why);
		goto out;
	}
	if (params_count(st->params) != n + 1) {
		state_fail(in, "duplicate parameter");
		goto out;
	}
	if (params_set_seq(st->params, name, seq) == -1) {
		state_fail(in, "lost a parameter");
		goto out;
	}
	rv = 0;
out:
	free(name);
	free(value);
	return rv;
}

/* The number of the last line of BUF, for a message about the trailer. */
static void
state_lastline(struct state_in *in, const char *buf, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		n += buf[i] == '\n';
	in->line = n + (buf[len - 1] != '\n');
}

int
state_parse(const char *buf, size_t len, struct state *out, char *err)
{
	struct state		 st;
	struct state_in		 in;
	const char		*cur, *stop, *nl;
	const char		*trailer;
	uint8_t			 want[STATE_DIGEST_LEN], got[STATE_DIGEST_LEN];
	uint64_t		 version;
	uint32_t		 crc;
	size_t			 tlen, n;
	int			 r;

	memset(&st, 0, sizeof st);
	memset(&in, 0, sizeof in);
	in.err = err;
	if (len > STATE_MAX_SIZE) {
		cr_seterr(err, "state: larger than %d bytes", STATE_MAX_SIZE);
		return -1;
	}

	/* The header first, so another kind of file is named as such. */
	in.line = 1;
	in.p = buf;
	in.end = (nl = memchr(buf, '\n', len)) != NULL ? nl : buf + len;
	if (state_lit(&in, STATE_MAGIC " ") == -1)
		return state_fail(&in, "not a cfgreport state file");
	if (state_u64(&in, &version) == -1 || state_eol(&in) == -1)
		return -1;
	/* Version 1 differs only in its trailer (SHA-256). */
	if (version != STATE_VERSION && version != 1) {
		cr_seterr(err, "state: line 1: format version %llu, this "
		    "agent reads 1 and %d", (unsigned long long)version,
		    STATE_VERSION);
		return -1;
	}

	/*
	 * Then the trailer and the checksum: a torn write or a damaged byte
	 * anywhere is caught here, before any field is believed.  The line
	 * number is counted only for the message.
	 */
	tlen = version == 1 ? STATE_TRAILER_V1_LEN : STATE_TRAILER_LEN;
	trailer = version == 1 ? STATE_TRAILER_V1 : STATE_TRAILER;
	if (len < tlen || buf[len - 1] != '\n' ||
	    memcmp(buf + len - tlen, trailer, strlen(trailer)) != 0 ||
	    (len > tlen && buf[len - tlen - 1] != '\n')) {
		state_lastline(&in, buf, len);
		return state_fail(&in, "no end line (truncated file?)");
	}
	stop = buf + len - tlen;
	in.p = stop + strlen(trailer);
	in.end = buf + len - 1;
	n = version == 1 ? STATE_DIGEST_LEN : STATE_CRC_LEN;
	state_lastline(&in, buf, len);
	if (state_hexbytes(&in, want, n) == -1)
		return -1;
	if (version == 1) {
		if (state_sha256(buf, (size_t)(stop - buf), got) == -1)
			return state_fail(&in, "SHA-256 failed");
	} else {
		crc = state_crc32c(0, buf, (size_t)(stop - buf));
		got[0] = (uint8_t)(crc >> 24);
		got[1] = (uint8_t)(crc >> 16);
		got[2] = (uint8_t)(crc >> 8);
		got[3] = (uint8_t)crc;
	}
	if (memcmp(want, got, n) != 0)
		return state_fail(&in, "checksum mismatch (torn or damaged "
		    "file)");

	/* Now the fields, in their fixed order. */
	in.line = 1;
	cur = nl + 1;
	if (state_next(&in, &cur, stop) != 1 || state_lit(&in, "seq ") == -1)
		return state_fail(&in, "expected \"seq\"");
	if (state_u64(&in, &st.seq) == -1 || state_eol(&in) == -1)
		return -1;
	if (state_next(&in, &cur, stop) != 1 ||
	    state_lit(&in, "profile ") == -1)
		return state_fail(&in, "expected \"profile\"");
	if (state_lit(&in, "none") == 0)
		st.has_digest = 0;
	else if (state_lit(&in, "sha256 ") == 0) {
		if (state_hexbytes(&in, st.digest, sizeof st.digest) == -1)
			return -1;
		st.has_digest = 1;
	} else
		return state_fail(&in, "expected \"none\" or \"sha256\"");
	if (state_eol(&in) == -1)
		return -1;

	if ((st.params = params_new()) == NULL)
		return state_fail(&in, "out of memory");
	while ((r = state_next(&in, &cur, stop)) == 1) {
		if (state_lit(&in, "dest ") == 0)
			r = state_dest_line(&in, &st);
		else if (state_lit(&in, "param ") == 0)
			r = state_param_line(&in, &st);
		else
			r = state_fail(&in, "expected \"dest\", \"param\" or "
			    "\"end\"");
		if (r == -1)
			break;
	}
	if (r == -1) {
		state_clear(&st);
		return -1;
	}
	*out = st;
	return 0;
}
