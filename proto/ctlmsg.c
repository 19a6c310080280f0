/*
 * ctlmsg.c — the framing of control-socket requests and replies
 * (docs/control.md).  Pure: bytes in, messages out.
 *
 * A request is a text header line, then the arguments, each terminated by
 * NUL, then an optional blob of raw bytes:
 *
 *	"CFGR1 <argc> <argbytes> <bloblen>\n" arg\0 arg\0 ... blob
 *
 * A reply is a header line and a body of raw bytes:
 *
 *	"CFGR1 OK <len>\n" body		"CFGR1 ERR <len>\n" message
 *
 * Every size is announced before the bytes, so the decoder checks it
 * against the limits before it holds any of them, and its buffer grows
 * with the bytes that actually arrive rather than with the claim: a peer
 * that announces 16 MiB and stalls costs what it sent, not 16 MiB.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define CTLMSG_MAGIC_LEN	(sizeof CTLMSG_MAGIC - 1)
#define CTLMSG_NUM_DIGITS	10	/* 9,999,999,999: over every limit */
#define CTLMSG_GROW_MIN		4096

enum ctlmsg_state {
	CTLMSG_S_HEADER,
	CTLMSG_S_BODY,
	CTLMSG_S_DONE,
	CTLMSG_S_FAILED,
};

struct ctlmsg_dec {
	enum ctlmsg_dir		 dir;
	enum ctlmsg_state	 state;

	char			 hdr[CTLMSG_HDR_MAX];
	size_t			 hdrlen;

	/* What the header announced. */
	size_t			 argc;
	size_t			 argbytes;	/* 0 in a reply */
	size_t			 total;		/* body bytes: args+blob, or text */
	int			 ok;		/* reply status */

	/* The body so far, NUL-terminated one past total once complete. */
	uint8_t			*data;
	size_t			 len;
	size_t			 size;

	/* Request arguments, checked as their NULs arrive. */
	size_t			 nargs;		/* complete arguments */
	size_t			 argstart;	/* offset of the current one */
	char			**argv;		/* built once complete */
};

/*
 * RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past
 * U+10FFFF.  Arguments become parameter values that go into XML reports,
 * where a stray byte would make the whole document unreadable.
 */
static int
ctlmsg_utf8_valid(const uint8_t *s, size_t len)
{
	size_t	i = 0, n, k;
	uint8_t	c;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		/* The second byte's range closes the remaining gaps. */
		if ((c == 0xe0 && s[i + 1] < 0xa0) ||
		    (c == 0xed && s[i + 1] > 0x9f) ||
		    (c == 0xf0 && s[i + 1] < 0x90) ||
		    (c == 0xf4 && s[i + 1] > 0x8f))
			return 0;
		i += n + 1;
	}
	return 1;
}

const char *
ctlmsg_dir_name(enum ctlmsg_dir dir)
{
	return dir == CTLMSG_REQUEST ? "request" : "reply";
}

int
ctlmsg_check_request(int argc, char *const *argv, size_t bloblen,
    size_t *argbytesp, char *err)
{
	size_t	argbytes = 0, len;
	int	i;

	if (argc < 1) {
		cr_seterr(err, "request: no command");
		return -1;
	}
	if (argc > CTLMSG_MAX_ARGS) {
		cr_seterr(err, "request: %d arguments: the limit is %d",
		    argc, CTLMSG_MAX_ARGS);
		return -1;
	}
	if (bloblen > CTLMSG_MAX_BLOB) {
		cr_seterr(err, "request: blob of %zu bytes: the limit is %d",
		    bloblen, CTLMSG_MAX_BLOB);
		return -1;
	}
	if (argv[0][0] == '\0') {
		cr_seterr(err, "request: argument 1 (the command) is empty");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		len = strlen(argv[i]);
		if (len > CTLMSG_MAX_ARG) {
			cr_seterr(err, "request: argument %d: longer than %d "
			    "bytes", i + 1, CTLMSG_MAX_ARG);
			return -1;
		}
		if (!ctlmsg_utf8_valid((const uint8_t *)argv[i], len)) {
			cr_seterr(err, "request: argument %d: not valid "
			    "UTF-8", i + 1);
			return -1;
		}
		argbytes += len + 1;
		/* Checked as it grows: the sum cannot wrap. */
		if (argbytes + bloblen > CTLMSG_MAX_REQUEST) {
			cr_seterr(err, "request: more than %d bytes",
			    CTLMSG_MAX_REQUEST);
			return -1;
		}
	}
	if (argbytesp != NULL)
		*argbytesp = argbytes;
	return 0;
}

int
ctlmsg_request_header(char *buf, int argc, char *const *argv,
    size_t bloblen, char *err)
{
	size_t	argbytes;

	if (ctlmsg_check_request(argc, argv, bloblen, &argbytes, err) != 0)
		return -1;
	return snprintf(buf, CTLMSG_HDR_MAX, "%s%d %zu %zu\n", CTLMSG_MAGIC,
	    argc, argbytes, bloblen);
}

uint8_t *
ctlmsg_request_encode(int argc, char *const *argv, const void *blob,
    size_t bloblen, size_t *lenp, char *err)
{
	char	 hdr[CTLMSG_HDR_MAX];
	uint8_t	*out, *p;
	size_t	 len;
	int	 hdrlen, i;

	if ((hdrlen = ctlmsg_request_header(hdr, argc, argv, bloblen,
	    err)) == -1)
		return NULL;
	len = (size_t)hdrlen;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	len += bloblen;
	if ((out = malloc(len)) == NULL) {
		cr_seterr(err, "request: out of memory");
		return NULL;
	}
	memcpy(out, hdr, (size_t)hdrlen);
	p = out + hdrlen;
	for (i = 0; i < argc; i++) {
		size_t	n = strlen(argv[i]) + 1;

		memcpy(p, argv[i], n);
		p += n;
	}
	if (bloblen > 0)
		memcpy(p, blob, bloblen);
	*lenp = len;
	return out;
}

int
ctlmsg_reply_header(char *buf, int ok, size_t len, char *err)
{
	if (len > CTLMSG_MAX_REPLY) {
		cr_seterr(err, "reply: %zu bytes: the limit is %d", len,
		    CTLMSG_MAX_REPLY);
		return -1;
	}
	return snprintf(buf, CTLMSG_HDR_MAX, "%s%s %zu\n", CTLMSG_MAGIC,
	    ok ? "OK" : "ERR", len);
}

uint8_t *
ctlmsg_reply_encode(int ok, const void *text, size_t len, size_t *lenp,
    char *err)
{
	char	 hdr[CTLMSG_HDR_MAX];
	uint8_t	*out;
	int	 hdrlen;

	if ((hdrlen = ctlmsg_reply_header(hdr, ok, len, err)) == -1)
		return NULL;
	if ((out = malloc((size_t)hdrlen + len)) == NULL) {
		cr_seterr(err, "reply: out of memory");
		return NULL;
	}
	memcpy(out, hdr, (size_t)hdrlen);
	if (len > 0)
		memcpy(out + hdrlen, text, len);
	*lenp = (size_t)hdrlen + len;
	return out;
}

struct ctlmsg_dec *
ctlmsg_dec_new(enum ctlmsg_dir dir)
{
	struct ctlmsg_dec	*d;

	if ((d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	d->dir = dir;
	return d;
}

void
ctlmsg_dec_reset(struct ctlmsg_dec *d)
{
	enum ctlmsg_dir	dir = d->dir;

	free(d->data);
	free(d->argv);
	memset(d, 0, sizeof *d);
	d->dir = dir;
}

void
ctlmsg_dec_free(struct ctlmsg_dec *d)
{
	if (d == NULL)
		return;
	free(d->data);
	free(d->argv);
	free(d);
}

int
ctlmsg_dec_started(const struct ctlmsg_dec *d)
{
	return d->state != CTLMSG_S_HEADER || d->hdrlen > 0;
}

size_t
ctlmsg_dec_claimed(const struct ctlmsg_dec *d)
{
	return d->state == CTLMSG_S_HEADER ? 0 : d->total;
}

size_t
ctlmsg_dec_memory(const struct ctlmsg_dec *d)
{
	return sizeof *d + d->size + (d->argv != NULL ?
	    (d->argc + 1) * sizeof *d->argv : 0);
}

/*
 * A decimal field: 1 to 10 digits, no sign, no leading zero. In 64 bits:
 * ten digits overflow a 32-bit size_t, and a wrapped length would pass the
 * limits and misframe the stream.
 */
static int
ctlmsg_parse_num(const char **sp, uint64_t *v)
{
	const char	*s = *sp;
	uint64_t	 n = 0;
	size_t		 k = 0;

	if (*s == '0' && s[1] >= '0' && s[1] <= '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		if (++k > CTLMSG_NUM_DIGITS)
			return -1;
		n = n * 10 + (uint64_t)(*s++ - '0');
	}
	if (k == 0)
		return -1;
	*sp = s;
	*v = n;
	return 0;
}

/* The header line is complete (HDR is NUL-terminated, LF dropped). */
static int
ctlmsg_parse_header(struct ctlmsg_dec *d, char *err)
{
	const char	*s = d->hdr + CTLMSG_MAGIC_LEN;
	uint64_t	 argc, argbytes, bloblen, total;

	if (d->dir == CTLMSG_REPLY) {
		if (strncmp(s, "OK ", 3) == 0) {
			d->ok = 1;
			s += 3;
		} else if (strncmp(s, "ERR ", 4) == 0)
			s += 4;
		else
			goto bad;
		if (ctlmsg_parse_num(&s, &total) != 0 || *s != '\0')
			goto bad;
		if (total > CTLMSG_MAX_REPLY) {
			cr_seterr(err, "reply: %" PRIu64 " bytes: the limit is %d",
			    total, CTLMSG_MAX_REPLY);
			return -1;
		}
		d->total = (size_t)total;
		return 0;
	}

	if (ctlmsg_parse_num(&s, &argc) != 0 || *s++ != ' ' ||
	    ctlmsg_parse_num(&s, &argbytes) != 0 || *s++ != ' ' ||
	    ctlmsg_parse_num(&s, &bloblen) != 0 || *s != '\0')
		goto bad;
	if (argc == 0) {
		cr_seterr(err, "request: no command");
		return -1;
	}
	if (argc > CTLMSG_MAX_ARGS) {
		cr_seterr(err, "request: %" PRIu64 " arguments: the limit is %d",
		    argc, CTLMSG_MAX_ARGS);
		return -1;
	}
	if (argbytes < argc) {
		cr_seterr(err, "request: %" PRIu64 " argument bytes cannot hold "
		    "%" PRIu64 " arguments", argbytes, argc);
		return -1;
	}
	if (bloblen > CTLMSG_MAX_BLOB) {
		cr_seterr(err, "request: blob of %" PRIu64 " bytes: the limit "
		    "is %d", bloblen, CTLMSG_MAX_BLOB);
		return -1;
	}
	/* Each is at most 10 digits: the sum cannot wrap. */
	total = argbytes + bloblen;
	if (total > CTLMSG_MAX_REQUEST) {
		cr_seterr(err, "request: %" PRIu64 " bytes: the limit is %d",
		    total, CTLMSG_MAX_REQUEST);
		return -1;
	}
	d->argc = (size_t)argc;
	d->argbytes = (size_t)argbytes;
	d->total = (size_t)total;
	return 0;
bad:
	cr_seterr(err, "%s: malformed header", ctlmsg_dir_name(d->dir));
	return -1;
}

/* One header byte; returns 1 when the header is complete. */
static int
ctlmsg_header_byte(struct ctlmsg_dec *d, uint8_t c, char *err)
{
	const char	*what = ctlmsg_dir_name(d->dir);
	int		 allowed;

	if (d->hdrlen < CTLMSG_MAGIC_LEN) {
		if (c == (uint8_t)CTLMSG_MAGIC[d->hdrlen]) {
			d->hdr[d->hdrlen++] = (char)c;
			return 0;
		}
		/* "CFGR" then something else: a later protocol version. */
		if (d->hdrlen >= 4)
			cr_seterr(err, "%s: unsupported control protocol "
			    "version (this agent speaks %.5s)", what,
			    CTLMSG_MAGIC);
		else
			cr_seterr(err, "%s: not a cfgreport control message",
			    what);
		return -1;
	}
	if (c == '\n') {
		d->hdr[d->hdrlen] = '\0';
		if (ctlmsg_parse_header(d, err) != 0)
			return -1;
		return 1;
	}
	allowed = (c >= '0' && c <= '9') || c == ' ';
	if (d->dir == CTLMSG_REPLY)
		allowed = allowed || c == 'O' || c == 'K' || c == 'E' ||
		    c == 'R';
	if (!allowed) {
		cr_seterr(err, "%s: unexpected byte 0x%02x in the header",
		    what, c);
		return -1;
	}
	/* One byte is kept for the NUL that replaces the LF. */
	if (d->hdrlen + 1 >= CTLMSG_HDR_MAX) {
		cr_seterr(err, "%s: header longer than %d bytes", what,
		    CTLMSG_HDR_MAX);
		return -1;
	}
	d->hdr[d->hdrlen++] = (char)c;
	return 0;
}

/* Room for N more body bytes and the final NUL, never past the claim. */
static int
ctlmsg_grow(struct ctlmsg_dec *d, size_t n, char *err)
{
	size_t	 need = d->len + n + 1, size;
	uint8_t	*p;

	if (need <= d->size)
		return 0;
	size = d->size > 0 ? d->size : CTLMSG_GROW_MIN;
	while (size < need)
		size *= 2;
	if (size > d->total + 1)
		size = d->total + 1;
	if ((p = realloc(d->data, size)) == NULL) {
		cr_seterr(err, "%s: out of memory", ctlmsg_dir_name(d->dir));
		return -1;
	}
	d->data = p;
	d->size = size;
	return 0;
}

/*
 * Check the argument bytes just appended (from offset FROM): NULs close
 * arguments, which are checked then; the current one may not outgrow
 * its limit even before its NUL arrives.
 */
static int
ctlmsg_check_args(struct ctlmsg_dec *d, size_t from, char *err)
{
	uint8_t	*nul;
	size_t	 end = d->len < d->argbytes ? d->len : d->argbytes;

	while (from < end) {
		if (d->nargs == d->argc) {
			cr_seterr(err, "request: more arguments than the %zu "
			    "announced", d->argc);
			return -1;
		}
		nul = memchr(d->data + from, '\0', end - from);
		if (nul == NULL) {
			if (end - d->argstart > CTLMSG_MAX_ARG)
				goto toolong;
			break;
		}
		from = (size_t)(nul - d->data);
		if (from - d->argstart > CTLMSG_MAX_ARG)
			goto toolong;
		if (!ctlmsg_utf8_valid(d->data + d->argstart,
		    from - d->argstart)) {
			cr_seterr(err, "request: argument %zu: not valid "
			    "UTF-8", d->nargs + 1);
			return -1;
		}
		if (d->nargs == 0 && from == d->argstart) {
			cr_seterr(err, "request: argument 1 (the command) "
			    "is empty");
			return -1;
		}
		d->nargs++;
		d->argstart = ++from;
	}
	if (d->len >= d->argbytes && d->nargs < d->argc) {
		if (d->argstart < d->argbytes)
			cr_seterr(err, "request: argument %zu is not "
			    "terminated by NUL", d->nargs + 1);
		else
			cr_seterr(err, "request: %zu of the %zu arguments "
			    "announced", d->nargs, d->argc);
		return -1;
	}
	return 0;
toolong:
	cr_seterr(err, "request: argument %zu: longer than %d bytes",
	    d->nargs + 1, CTLMSG_MAX_ARG);
	return -1;
}

/* The body is complete: terminate it and point argv into it. */
static int
ctlmsg_finish(struct ctlmsg_dec *d, char *err)
{
	size_t	i, off;

	if (ctlmsg_grow(d, 0, err) != 0)
		return -1;
	d->data[d->len] = '\0';
	if (d->dir == CTLMSG_REQUEST) {
		if ((d->argv = calloc(d->argc + 1, sizeof *d->argv)) == NULL) {
			cr_seterr(err, "request: out of memory");
			return -1;
		}
		for (i = 0, off = 0; i < d->argc; i++) {
			d->argv[i] = (char *)d->data + off;
			off += strlen(d->argv[i]) + 1;
		}
	}
	d->state = CTLMSG_S_DONE;
	return 0;
}

int
ctlmsg_dec_feed(struct ctlmsg_dec *d, const void *buf, size_t len,
    size_t *usedp, char *err)
{
	const uint8_t	*p = buf;
	size_t		 used = 0, n, from;
	int		 rv;

	*usedp = 0;
	switch (d->state) {
	case CTLMSG_S_FAILED:
		cr_seterr(err, "%s: decoder failed earlier",
		    ctlmsg_dir_name(d->dir));
		return -1;
	case CTLMSG_S_DONE:
		return CTLMSG_COMPLETE;
	default:
		break;
	}

	while (d->state == CTLMSG_S_HEADER && used < len) {
		rv = ctlmsg_header_byte(d, p[used++], err);
		if (rv == -1)
			goto fail;
		if (rv == 1)
			d->state = CTLMSG_S_BODY;
	}
	if (d->state == CTLMSG_S_BODY) {
		n = len - used;
		if (n > d->total - d->len)
			n = d->total - d->len;
		if (n > 0) {
			if (ctlmsg_grow(d, n, err) != 0)
				goto fail;
			memcpy(d->data + d->len, p + used, n);
			from = d->len;
			d->len += n;
			used += n;
			if (d->dir == CTLMSG_REQUEST && from < d->argbytes &&
			    ctlmsg_check_args(d, from, err) != 0)
				goto fail;
		}
		if (d->len == d->total && ctlmsg_finish(d, err) != 0)
			goto fail;
	}
	*usedp = used;
	return d->state == CTLMSG_S_DONE ? CTLMSG_COMPLETE : CTLMSG_NEED_MORE;
fail:
	d->state = CTLMSG_S_FAILED;
	*usedp = used;
	return -1;
}

int
ctlmsg_dec_request(struct ctlmsg_dec *d, int *argcp, char ***argvp,
    const uint8_t **blobp, size_t *bloblenp)
{
	size_t	bloblen;

	if (d->dir != CTLMSG_REQUEST || d->state != CTLMSG_S_DONE)
		return -1;
	bloblen = d->total - d->argbytes;
	*argcp = (int)d->argc;
	*argvp = d->argv;
	*blobp = bloblen > 0 ? d->data + d->argbytes : NULL;
	*bloblenp = bloblen;
	return 0;
}

int
ctlmsg_dec_reply(struct ctlmsg_dec *d, int *okp, const char **textp,
    size_t *lenp)
{
	if (d->dir != CTLMSG_REPLY || d->state != CTLMSG_S_DONE)
		return -1;
	*okp = d->ok;
	*textp = (const char *)d->data;
	*lenp = d->total;
	return 0;
}
