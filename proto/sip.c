/*
 * sip.c — the SIP requests a configuration agent answers (NOTIFY with
 * Event: report, OPTIONS, anything else with 405) and its responses, per
 * RFC 3261.  One UDP datagram is one message: no stream framing.
 *
 * The parser copies the request line's parts and every header value it
 * keeps into the message's own buffer, unfolded and NUL-terminated, so
 * the caller's datagram can be reused at once and nothing is allocated.
 * It is lenient where RFC 3261 §7.3 and the robustness principle allow
 * (bare LF line ends, white space before a colon, leading empty lines)
 * and strict where a response depends on it (Via, From, To, Call-ID,
 * CSeq): when those parse, a malformed request can still get its 400.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto.h"

/* Headers the parser keeps; the rest are checked for syntax and skipped. */
enum sip_hdr {
	SIP_H_OTHER,
	SIP_H_VIA,
	SIP_H_FROM,
	SIP_H_TO,
	SIP_H_CALL_ID,
	SIP_H_CSEQ,
	SIP_H_EVENT,
	SIP_H_CONTENT_LENGTH,
	SIP_H_AUTHORIZATION,
	SIP_H_MAX_FORWARDS,
};

/*
 * Full names and compact forms (RFC 3261 §7.3.3, RFC 6665 §8.2.1).  "e"
 * is Content-Encoding, not Event (whose compact form is "o"): it is one
 * of the "other" headers.
 */
static const struct {
	const char	*name;
	const char	*compact;
	enum sip_hdr	 hdr;
} sip_hdrs[] = {
	{ "Via",		"v", SIP_H_VIA },
	{ "From",		"f", SIP_H_FROM },
	{ "To",			"t", SIP_H_TO },
	{ "Call-ID",		"i", SIP_H_CALL_ID },
	{ "CSeq",		NULL, SIP_H_CSEQ },
	{ "Event",		"o", SIP_H_EVENT },
	{ "Content-Length",	"l", SIP_H_CONTENT_LENGTH },
	{ "Authorization",	NULL, SIP_H_AUTHORIZATION },
	{ "Max-Forwards",	NULL, SIP_H_MAX_FORWARDS },
};

/* What one parse has seen, beside the message itself. */
struct sip_parser {
	struct sip_msg	*m;
	size_t		 w;		/* bytes used in m->buf */
	int		 response;	/* the start line is a status line */
	int		 version;	/* SIP_OK or SIP_EVERSION */
	char		 bad[CR_ERRLEN]; /* the first malformation, or "" */
	char		 drop[CR_ERRLEN]; /* what makes it unanswerable */
	unsigned	 seen;		/* 1 << enum sip_hdr */
};

static void __attribute__((format(printf, 2, 3)))
sip_bad(struct sip_parser *sp, const char *fmt, ...)
{
	va_list	ap;

	if (sp->bad[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(sp->bad, sizeof sp->bad, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
sip_drop(struct sip_parser *sp, const char *fmt, ...)
{
	va_list	ap;

	if (sp->drop[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(sp->drop, sizeof sp->drop, fmt, ap);
	va_end(ap);
}

/* RFC 3261 token characters. */
static int
sip_is_token(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-.!%*_+`'~", c) != NULL;
}

static int
sip_is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int
sip_token_span(const char *s, size_t len)
{
	size_t	i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!sip_is_token((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Copy LEN bytes into the message buffer as a NUL-terminated piece. */
static int
sip_keep(struct sip_parser *sp, const char *s, size_t len, struct sip_str *out)
{
	struct sip_msg	*m = sp->m;

	if (len + 1 > sizeof m->buf - sp->w)
		return -1;
	memcpy(m->buf + sp->w, s, len);
	m->buf[sp->w + len] = '\0';
	out->p = m->buf + sp->w;
	out->len = len;
	sp->w += len + 1;
	return 0;
}

/* Strictly decimal, no sign, at most MAX; 0 or -1. */
static int
sip_number(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long	v = 0;
	size_t		i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Skip a quoted string starting at S[*I] (the opening quote); on return
 * *I is just past the closing quote.  -1 when it never closes.
 */
static int
sip_skip_quoted(const char *s, size_t len, size_t *i)
{
	size_t	j;

	for (j = *i + 1; j < len; j++) {
		if (s[j] == '\\') {
			if (++j >= len)
				return -1;
			continue;
		}
		if (s[j] == '"') {
			*i = j + 1;
			return 0;
		}
	}
	return -1;
}

/*
 * Where the header parameters of a From or To value start (the ';'), or
 * LEN when there are none; -1 when quotes or angle brackets do not
 * close.  In name-addr form they follow the '>'; in addr-spec form the
 * first ';' starts them (RFC 3261 §20: such a URI has none of its own).
 */
static long
sip_addr_params(const char *s, size_t len)
{
	size_t	i = 0;
	int	angle = 0;

	while (i < len) {
		if (s[i] == '"') {
			if (angle || sip_skip_quoted(s, len, &i) == -1)
				return -1;
			continue;
		}
		if (s[i] == '<') {
			if (angle)
				return -1;
			angle = 1;
		} else if (s[i] == '>') {
			if (!angle)
				return -1;
			angle = 2;
		} else if (s[i] == ';' && angle != 1)
			return (long)i;
		i++;
	}
	return angle == 1 ? -1 : (long)len;
}

/*
 * Find parameter NAME among ";name[=value]" parameters in S (LEN bytes,
 * starting at a ';').  1 and its value's span (for a parameter without
 * '=', *VSTART is just past its name and white space), 0 when absent,
 * -1 on bad syntax.  The first of repeated parameters counts.
 */
static int
sip_find_param(const char *s, size_t len, const char *name, size_t *vstart,
    size_t *vlen, int *has_value)
{
	size_t	i = 0, n, e, nlen = strlen(name);
	int	found = 0, match;

	while (i < len) {
		if (s[i] != ';')
			return -1;
		i++;
		while (i < len && sip_is_wsp((unsigned char)s[i]))
			i++;
		n = i;
		while (i < len && sip_is_token((unsigned char)s[i]))
			i++;
		if (i == n)
			return -1;
		e = i;
		while (i < len && sip_is_wsp((unsigned char)s[i]))
			i++;
		match = !found && e - n == nlen &&
		    strncasecmp(s + n, name, nlen) == 0;
		if (match) {
			found = 1;
			*has_value = 0;
			*vstart = i;
			*vlen = 0;
		}
		if (i >= len || s[i] != '=')
			continue;
		i++;
		while (i < len && sip_is_wsp((unsigned char)s[i]))
			i++;
		n = i;
		if (i < len && s[i] == '"') {
			if (sip_skip_quoted(s, len, &i) == -1)
				return -1;
		} else
			while (i < len && s[i] != ';' && s[i] != ',' &&
			    !sip_is_wsp((unsigned char)s[i]))
				i++;
		if (i == n)
			return -1;
		if (match) {
			*has_value = 1;
			*vstart = n;
			*vlen = i - n;
		}
		while (i < len && sip_is_wsp((unsigned char)s[i]))
			i++;
	}
	return found;
}

/*
 * A From or To value: a name-addr or addr-spec, then parameters.  *TAG
 * (may be NULL) says whether a tag is among them.
 */
static int
sip_check_addr(const char *s, size_t len, int *tag)
{
	long	p;
	size_t	vs, vl;
	int	hv, r;

	if (len == 0 || (p = sip_addr_params(s, len)) <= 0)
		return -1;
	if ((r = sip_find_param(s + p, len - (size_t)p, "tag", &vs, &vl,
	    &hv)) == -1 || (r == 1 && !hv))
		return -1;
	if (tag != NULL)
		*tag = r == 1;
	return 0;
}

/*
 * The top Via: "SIP/2.0/transport sent-by *(;param)".  *HOST and *HOSTLEN
 * get the sent-by host (brackets of an IPv6 reference kept), *PARAMS the
 * offset of the first ';' (or LEN).
 */
static int
sip_via_parse(const char *s, size_t len, size_t *host, size_t *hostlen,
    size_t *params)
{
	size_t	i = 0, n, part;
	unsigned long port;

	/* sent-protocol: three tokens separated by '/', LWS allowed around. */
	for (part = 0; part < 3; part++) {
		while (i < len && sip_is_wsp((unsigned char)s[i]))
			i++;
		n = i;
		while (i < len && sip_is_token((unsigned char)s[i]))
			i++;
		if (i == n)
			return -1;
		while (i < len && sip_is_wsp((unsigned char)s[i]))
			i++;
		if (part < 2) {
			if (i >= len || s[i] != '/')
				return -1;
			i++;
		}
	}
	if (i >= len)
		return -1;
	*host = i;
	if (s[i] == '[') {
		while (i < len && s[i] != ']') {
			if (!(s[i] == '[' || s[i] == ':' || s[i] == '.' ||
			    (s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'f') ||
			    (s[i] >= 'A' && s[i] <= 'F')))
				return -1;
			i++;
		}
		if (i >= len)
			return -1;
		i++;
	} else {
		while (i < len && (sip_is_token((unsigned char)s[i]) &&
		    s[i] != '!' && s[i] != '%' && s[i] != '*' && s[i] != '+' &&
		    s[i] != '`' && s[i] != '\'' && s[i] != '~'))
			i++;
	}
	if ((*hostlen = i - *host) == 0)
		return -1;
	if (i < len && s[i] == ':') {
		n = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (sip_number(s + n, i - n, 65535, &port) == -1)
			return -1;
	}
	while (i < len && sip_is_wsp((unsigned char)s[i]))
		i++;
	*params = i;
	if (i < len) {
		size_t	vs, vl;
		int	hv;

		if (sip_find_param(s + i, len - i, "branch", &vs, &vl,
		    &hv) == -1)
			return -1;
	}
	return 0;
}

/* Split a Via value at commas (outside quotes) into m->via. */
static void
sip_add_vias(struct sip_parser *sp, char *v, size_t len)
{
	struct sip_msg	*m = sp->m;
	size_t		 i = 0, start, end, h, hl, pp;

	for (;;) {
		while (i < len && sip_is_wsp((unsigned char)v[i]))
			i++;
		start = i;
		while (i < len && v[i] != ',') {
			if (v[i] == '"') {
				if (sip_skip_quoted(v, len, &i) == -1) {
					sip_drop(sp, "Via: unterminated quote");
					return;
				}
				continue;
			}
			i++;
		}
		end = i;
		while (end > start && sip_is_wsp((unsigned char)v[end - 1]))
			end--;
		if (end == start) {
			sip_drop(sp, "Via: empty value");
			return;
		}
		if (m->nvia == SIP_MAX_VIA) {
			sip_drop(sp, "more than %d Via values", SIP_MAX_VIA);
			return;
		}
		if (sip_via_parse(v + start, end - start, &h, &hl, &pp) == -1) {
			sip_drop(sp, "Via: cannot parse \"%.*s\"",
			    (int)(end - start > 64 ? 64 : end - start),
			    v + start);
			return;
		}
		/* In place: the comma (or the value's end) becomes the NUL. */
		v[end] = '\0';
		m->via[m->nvia].p = v + start;
		m->via[m->nvia].len = end - start;
		m->nvia++;
		if (i >= len)
			return;
		i++;
	}
}

static void
sip_header(struct sip_parser *sp, enum sip_hdr hdr, const char *name,
    size_t namelen, struct sip_str *val)
{
	struct sip_msg	*m = sp->m;
	const char	*v = val->p;
	size_t		 len = val->len, i;
	unsigned long	 n;
	int		 single;

	single = hdr != SIP_H_VIA && hdr != SIP_H_AUTHORIZATION &&
	    hdr != SIP_H_OTHER;

	if (single && (sp->seen & (1U << hdr))) {
		/* Which one to echo?  None: such a request is not answered. */
		if (hdr == SIP_H_FROM || hdr == SIP_H_TO ||
		    hdr == SIP_H_CALL_ID || hdr == SIP_H_CSEQ)
			sip_drop(sp, "%.*s: repeated", (int)namelen, name);
		else
			sip_bad(sp, "%.*s: repeated", (int)namelen, name);
		return;
	}
	sp->seen |= 1U << hdr;

	switch (hdr) {
	case SIP_H_VIA:
		sip_add_vias(sp, (char *)v, len);
		break;
	case SIP_H_FROM:
		if (sip_check_addr(v, len, NULL) == -1)
			sip_drop(sp, "From: cannot parse");
		else
			m->from = *val;
		break;
	case SIP_H_TO:
		if (sip_check_addr(v, len, &m->to_tag) == -1)
			sip_drop(sp, "To: cannot parse");
		else
			m->to = *val;
		break;
	case SIP_H_CALL_ID:
		for (i = 0; i < len; i++)
			if ((unsigned char)v[i] <= ' ' ||
			    (unsigned char)v[i] >= 0x7f)
				break;
		if (len == 0 || i < len)
			sip_drop(sp, "Call-ID: cannot parse");
		else
			m->call_id = *val;
		break;
	case SIP_H_CSEQ:
		for (i = 0; i < len && v[i] >= '0' && v[i] <= '9'; i++)
			;
		/* "less than 2**31" (RFC 3261 §8.1.1.5) */
		if (sip_number(v, i, 0x7fffffffUL, &n) == -1 || i == len ||
		    !sip_is_wsp((unsigned char)v[i])) {
			sip_drop(sp, "CSeq: cannot parse");
			break;
		}
		while (i < len && sip_is_wsp((unsigned char)v[i]))
			i++;
		if (!sip_token_span(v + i, len - i)) {
			sip_drop(sp, "CSeq: cannot parse");
			break;
		}
		m->cseq = (uint32_t)n;
		m->cseq_method.p = v + i;
		m->cseq_method.len = len - i;
		break;
	case SIP_H_EVENT:
		/* event-type *( ";" event-param ) */
		for (i = 0; i < len && sip_is_token((unsigned char)v[i]); i++)
			;
		if (i == 0) {
			sip_bad(sp, "Event: cannot parse");
			break;
		}
		n = i;
		while (i < len && sip_is_wsp((unsigned char)v[i]))
			i++;
		if (i < len) {
			size_t	vs, vl;
			int	hv;

			if (sip_find_param(v + i, len - i, "id", &vs, &vl,
			    &hv) == -1) {
				sip_bad(sp, "Event: cannot parse");
				break;
			}
		}
		((char *)v)[n] = '\0';
		m->event.p = v;
		m->event.len = n;
		break;
	case SIP_H_CONTENT_LENGTH:
		if (sip_number(v, len, SIP_MAX_MSG, &n) == -1)
			sip_bad(sp, "Content-Length: not a length");
		else
			m->content_length = (long)n;
		break;
	case SIP_H_MAX_FORWARDS:
		if (sip_number(v, len, 255, &n) == -1)
			sip_bad(sp, "Max-Forwards: not 0 to 255");
		else
			m->max_forwards = (int)n;
		break;
	case SIP_H_AUTHORIZATION:
		if (m->nauth == SIP_MAX_AUTH) {
			sip_bad(sp, "more than %d Authorization rows",
			    SIP_MAX_AUTH);
			break;
		}
		m->auth[m->nauth++] = *val;
		break;
	case SIP_H_OTHER:
		break;
	}
}

static enum sip_hdr
sip_header_kind(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < sizeof sip_hdrs / sizeof sip_hdrs[0]; i++) {
		if (strlen(sip_hdrs[i].name) == len &&
		    strncasecmp(sip_hdrs[i].name, name, len) == 0)
			return sip_hdrs[i].hdr;
		if (sip_hdrs[i].compact != NULL && len == 1 &&
		    (name[0] | 0x20) == sip_hdrs[i].compact[0])
			return sip_hdrs[i].hdr;
	}
	return SIP_H_OTHER;
}

/*
 * The request line: Method SP Request-URI SP SIP-Version.  A status line
 * marks the message as a response (never answered).
 */
static void
sip_request_line(struct sip_parser *sp, const char *s, size_t len)
{
	struct sip_msg	*m = sp->m;
	const char	*sp1, *sp2;
	size_t		 i, ulen, vlen;
	int		 colon = 0;

	if (len >= 4 && strncasecmp(s, "SIP/", 4) == 0) {
		sp->response = 1;
		return;
	}
	if ((sp1 = memchr(s, ' ', len)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - s))) ==
	    NULL) {
		sip_bad(sp, "bad request line");
		return;
	}
	if (!sip_token_span(s, (size_t)(sp1 - s))) {
		sip_bad(sp, "bad method");
		return;
	}
	ulen = (size_t)(sp2 - sp1 - 1);
	for (i = 0; i < ulen; i++) {
		if ((unsigned char)sp1[1 + i] <= ' ' ||
		    (unsigned char)sp1[1 + i] >= 0x7f)
			break;
		if (sp1[1 + i] == ':')
			colon = 1;
	}
	if (ulen == 0 || i < ulen || !colon) {
		sip_bad(sp, "bad Request-URI");
		return;
	}
	vlen = len - (size_t)(sp2 + 1 - s);
	if (vlen < 4 || strncasecmp(sp2 + 1, "SIP/", 4) != 0) {
		sip_bad(sp, "bad SIP-Version");
		return;
	}
	if (vlen != 7 || memcmp(sp2 + 5, "2.0", 3) != 0) {
		for (i = 4; i < vlen; i++)
			if (!((sp2[1 + i] >= '0' && sp2[1 + i] <= '9') ||
			    sp2[1 + i] == '.'))
				break;
		if (i < vlen) {
			sip_bad(sp, "bad SIP-Version");
			return;
		}
		sp->version = SIP_EVERSION;
	}
	if (sip_keep(sp, s, (size_t)(sp1 - s), &m->method) == -1 ||
	    sip_keep(sp, sp1 + 1, ulen, &m->uri) == -1)
		sip_drop(sp, "request too large");
}

/* One line's end: *NEXT after its LF; the line without CR/LF. */
static size_t
sip_line(const char *s, size_t len, size_t off, size_t *next)
{
	const char	*lf = memchr(s + off, '\n', len - off);
	size_t		 end;

	if (lf == NULL) {
		*next = len;
		end = len;
	} else {
		*next = (size_t)(lf - s) + 1;
		end = (size_t)(lf - s);
	}
	if (end > off && s[end - 1] == '\r')
		end--;
	return end - off;
}

/* Bytes a header value may hold: no controls but TAB. */
static int
sip_text_ok(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < ' ' && s[i] != '\t') ||
		    s[i] == 0x7f)
			return 0;
	return 1;
}

int
sip_parse(const void *data, size_t len, struct sip_msg *m, char *err)
{
	struct sip_parser	 sp;
	const char		*s = data, *name = NULL, *line;
	size_t			 off = 0, next, ll, namelen = 0, i, body;
	struct sip_str		 val;
	enum sip_hdr		 kind;
	int			 in_header = 0, ended = 0, hctl = 0;
	size_t			 vstart = 0;

	memset(m, 0, offsetof(struct sip_msg, buf));
	m->max_forwards = -1;
	m->content_length = -1;
	memset(&sp, 0, sizeof sp);
	sp.m = m;
	if (len > SIP_MAX_MSG) {
		cr_seterr(err, "larger than %d bytes", SIP_MAX_MSG);
		return SIP_EDROP;
	}
	/* Empty lines before the start line (keep-alives) are skipped. */
	while (off < len && (s[off] == '\r' || s[off] == '\n'))
		off++;
	if (off == len) {
		cr_seterr(err, "empty");
		return SIP_EDROP;
	}
	ll = sip_line(s, len, off, &next);
	if (memchr(s + off, '\0', ll) != NULL)
		sip_bad(&sp, "NUL in the request line");
	else
		sip_request_line(&sp, s + off, ll);
	if (sp.response) {
		cr_seterr(err, "a response, not a request");
		return SIP_EDROP;
	}
	off = next;

	/*
	 * Header rows.  A row's value is copied into m->buf as it comes,
	 * continuation rows (folding) joined by one space, and handled when
	 * the next row starts.
	 */
	for (;;) {
		int	last = off >= len;

		if (!last) {
			ll = sip_line(s, len, off, &next);
			line = s + off;
		} else {
			ll = 0;
			line = s + len;
			next = len;
		}
		if (in_header && !last && ll > 0 &&
		    sip_is_wsp((unsigned char)line[0])) {
			/* A continuation: LWS becomes one SP. */
			for (i = 0; i < ll &&
			    sip_is_wsp((unsigned char)line[i]); i++)
				;
			if (i < ll) {
				if (sp.w >= sizeof m->buf - 1 ||
				    ll - i + 1 > sizeof m->buf - sp.w - 1) {
					sip_drop(&sp, "request too large");
					break;
				}
				if (sp.w > vstart)
					m->buf[sp.w++] = ' ';
				if (!sip_text_ok(line + i, ll - i))
					hctl = 1;
				memcpy(m->buf + sp.w, line + i, ll - i);
				sp.w += ll - i;
			}
			off = next;
			continue;
		}
		if (in_header) {
			/* The previous row is complete: trim and handle it. */
			while (sp.w > vstart &&
			    sip_is_wsp((unsigned char)m->buf[sp.w - 1]))
				sp.w--;
			m->buf[sp.w] = '\0';
			val.p = m->buf + vstart;
			val.len = sp.w - vstart;
			sp.w++;
			in_header = 0;
			kind = sip_header_kind(name, namelen);
			if (!hctl)
				sip_header(&sp, kind, name, namelen, &val);
			else if (kind == SIP_H_VIA || kind == SIP_H_FROM ||
			    kind == SIP_H_TO || kind == SIP_H_CALL_ID ||
			    kind == SIP_H_CSEQ)
				/* Never echo a control character back. */
				sip_drop(&sp, "%.*s: control character",
				    (int)namelen, name);
			else
				sip_bad(&sp, "%.*s: control character",
				    (int)namelen, name);
		}
		if (last)
			break;
		off = next;
		if (ll == 0) {
			ended = 1;
			break;
		}
		if (sip_is_wsp((unsigned char)line[0])) {
			sip_bad(&sp, "continuation without a header");
			continue;
		}
		for (i = 0; i < ll && sip_is_token((unsigned char)line[i]); i++)
			;
		name = line;
		namelen = i;
		while (i < ll && sip_is_wsp((unsigned char)line[i]))
			i++;
		if (namelen == 0 || i >= ll || line[i] != ':') {
			sip_bad(&sp, "bad header row");
			continue;
		}
		for (i++; i < ll && sip_is_wsp((unsigned char)line[i]); i++)
			;
		if (ll - i + 1 > sizeof m->buf - sp.w) {
			sip_drop(&sp, "request too large");
			break;
		}
		hctl = !sip_text_ok(line + i, ll - i);
		vstart = sp.w;
		memcpy(m->buf + sp.w, line + i, ll - i);
		sp.w += ll - i;
		in_header = 1;
	}

	if (sp.drop[0] == '\0') {
		if (m->nvia == 0)
			sip_drop(&sp, "no Via");
		else if (m->from.p == NULL)
			sip_drop(&sp, "no From");
		else if (m->to.p == NULL)
			sip_drop(&sp, "no To");
		else if (m->call_id.p == NULL)
			sip_drop(&sp, "no Call-ID");
		else if (m->cseq_method.p == NULL)
			sip_drop(&sp, "no CSeq");
	}
	if (sp.drop[0] != '\0') {
		/* Whatever parsed, sip_response must not answer this. */
		m->nvia = 0;
		cr_seterr(err, "%s", sp.drop);
		return SIP_EDROP;
	}
	if (!ended)
		sip_bad(&sp, "no empty line after the headers");
	/*
	 * RFC 3261 §18.3: bytes past Content-Length are discarded; fewer
	 * than it claims make the request malformed.
	 */
	body = len - off;
	if (m->content_length >= 0) {
		if ((size_t)m->content_length > body)
			sip_bad(&sp, "Content-Length %ld, but %zu bytes of "
			    "body", m->content_length, body);
		else
			body = (size_t)m->content_length;
	}
	m->body_len = body;
	if (m->method.p != NULL && (m->cseq_method.len != m->method.len ||
	    memcmp(m->cseq_method.p, m->method.p, m->method.len) != 0))
		sip_bad(&sp, "CSeq method %s for a %s request",
		    m->cseq_method.p, m->method.p);
	if (m->method.p == NULL)
		sip_bad(&sp, "bad request line");
	if (sp.bad[0] != '\0') {
		cr_seterr(err, "%s", sp.bad);
		return SIP_EBAD;
	}
	if (sp.version != SIP_OK) {
		cr_seterr(err, "not SIP/2.0");
		return SIP_EVERSION;
	}
	return SIP_OK;
}

/*
 * The user part of a SIP URI ("sip:1000@host;x", "<sips:1000@host>",
 * a To value with a display name): what lies between the scheme and the
 * '@', escapes left as they are (RFC 3261 §19.1.4 compares users
 * byte for byte after unescaping; phones send plain digits).
 */
int
sip_uri_user(const char *v, char *out, size_t size)
{
	const char	*lt, *p, *at, *end;
	size_t		 len;

	if ((lt = strchr(v, '<')) != NULL)
		v = lt + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (strncasecmp(v, "sip:", 4) == 0)
		p = v + 4;
	else if (strncasecmp(v, "sips:", 5) == 0)
		p = v + 5;
	else
		return -1;
	end = p + strcspn(p, ">;? \t");
	if ((at = memchr(p, '@', (size_t)(end - p))) == NULL || at == p)
		return -1;
	len = (size_t)(at - p);
	if (len >= size)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

const char *
sip_reason(int code)
{
	switch (code) {
	case 200:	return "OK";
	case 400:	return "Bad Request";
	case 401:	return "Unauthorized";
	case 403:	return "Forbidden";
	case 404:	return "Not Found";
	case 405:	return "Method Not Allowed";
	case 481:	return "Call/Transaction Does Not Exist";
	case 489:	return "Bad Event";
	case 500:	return "Server Internal Error";
	case 505:	return "Version Not Supported";
	default:	return "Unknown";
	}
}

/* An output buffer that remembers running out of room. */
struct sip_out {
	char	*p;
	size_t	 len;
	size_t	 size;
	int	 full;
};

static void
sip_put(struct sip_out *o, const char *s, size_t len)
{
	if (o->full || len >= o->size - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, len);
	o->len += len;
	o->p[o->len] = '\0';
}

static void
sip_puts(struct sip_out *o, const char *s)
{
	sip_put(o, s, strlen(s));
}

/* Host names and addresses compare without IPv6 brackets, in any case. */
static int
sip_same_host(const char *h, size_t hl, const char *src)
{
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	return strlen(src) == hl && strncasecmp(h, src, hl) == 0;
}

/*
 * The top Via with the received and rport parameters RFC 3261 §18.2.1
 * and RFC 3581 §4 ask of a server.
 */
static void
sip_put_top_via(struct sip_out *o, const struct sip_str *via, const char *src,
    unsigned int srcport)
{
	const char	*v = via->p;
	size_t		 h, hl, pp, vs, vl, i;
	int		 hv, rport;
	char		 num[16];

	if (sip_via_parse(v, via->len, &h, &hl, &pp) == -1) {
		/* sip_parse checked it: not reached for a parsed message. */
		sip_put(o, v, via->len);
		return;
	}
	rport = sip_find_param(v + pp, via->len - pp, "rport", &vs, &vl,
	    &hv) == 1 && !hv;
	if (src == NULL || (!rport && sip_same_host(v + h, hl, src))) {
		sip_put(o, v, via->len);
		return;
	}
	/* An empty rport gets the source port: vs is just past its name. */
	i = rport ? pp + vs : via->len;
	sip_put(o, v, i);
	if (rport) {
		snprintf(num, sizeof num, "=%u", srcport);
		sip_puts(o, num);
		sip_put(o, v + i, via->len - i);
	}
	sip_puts(o, ";received=");
	sip_puts(o, src);
}

int
sip_response(const struct sip_msg *m, int code, const char *totag,
    const char *src, unsigned int srcport, const char *extra, char *out,
    size_t size, char *err)
{
	struct sip_out	o;
	char		line[64];
	size_t		i;

	if (code < 100 || code > 699 || m->nvia == 0 || m->from.p == NULL ||
	    m->to.p == NULL || m->call_id.p == NULL ||
	    m->cseq_method.p == NULL || size == 0) {
		cr_seterr(err, "cannot answer this message");
		return -1;
	}
	o.p = out;
	o.len = 0;
	o.size = size;
	o.full = 0;
	out[0] = '\0';
	snprintf(line, sizeof line, "SIP/2.0 %d %s\r\n", code,
	    sip_reason(code));
	sip_puts(&o, line);
	for (i = 0; i < m->nvia; i++) {
		sip_puts(&o, "Via: ");
		if (i == 0)
			sip_put_top_via(&o, &m->via[0], src, srcport);
		else
			sip_put(&o, m->via[i].p, m->via[i].len);
		sip_puts(&o, "\r\n");
	}
	sip_puts(&o, "From: ");
	sip_put(&o, m->from.p, m->from.len);
	sip_puts(&o, "\r\nTo: ");
	sip_put(&o, m->to.p, m->to.len);
	if (!m->to_tag && totag != NULL && *totag != '\0') {
		sip_puts(&o, ";tag=");
		sip_puts(&o, totag);
	}
	sip_puts(&o, "\r\nCall-ID: ");
	sip_put(&o, m->call_id.p, m->call_id.len);
	snprintf(line, sizeof line, "\r\nCSeq: %u ", m->cseq);
	sip_puts(&o, line);
	sip_put(&o, m->cseq_method.p, m->cseq_method.len);
	sip_puts(&o, "\r\n");
	if (extra != NULL)
		sip_puts(&o, extra);
	sip_puts(&o, "Content-Length: 0\r\n\r\n");
	if (o.full) {
		cr_seterr(err, "response larger than %zu bytes", size);
		return -1;
	}
	return (int)o.len;
}
