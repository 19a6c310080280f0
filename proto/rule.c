/*
 * rule.c — the Report Rule: which reports go where, and how (spec.md §3).
 *
 *	rule	= entry [ SEP entry ]		at most RULE_MAX_ENTRIES
 *	entry	= [ "[" args "]" ] url [ ";" ]
 *
 * The lexer below is shared by rule_parse and rule_mask_secrets so that
 * whatever the parser takes for a --key or --pwd value is exactly what the
 * mask hides.  docs/rule.md is the operator's version of this file.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define RULE_MASK	"*****"
/* Echoed argument words are cut here: an error line, not a dump. */
#define RULE_ECHO_MAX	32

enum rule_argid { RA_DELTA, RA_STATUS, RA_KEY, RA_UID, RA_PWD, RA_MD,
    RA_COUNT };

/* The Dutch manual's spellings are aliases of the English ones. */
static const struct rule_arg {
	const char	*name;		/* without the leading "--" */
	enum rule_argid	 id;
	int		 value;		/* takes a value */
	int		 secret;	/* masked by rule_mask_secrets */
} rule_args[] = {
	{ "delta",	RA_DELTA,	0, 0 },
	{ "status",	RA_STATUS,	0, 0 },
	{ "key",	RA_KEY,		1, 1 },
	{ "toets",	RA_KEY,		1, 1 },
	{ "sleutel",	RA_KEY,		1, 1 },
	{ "uid",	RA_UID,		1, 0 },
	{ "pwd",	RA_PWD,		1, 1 },
	{ "wachtwoord",	RA_PWD,		1, 1 },
	{ "md",		RA_MD,		1, 0 },
};
#define RULE_NARGS (sizeof rule_args / sizeof rule_args[0])

struct rule_buf {
	char	*b;
	size_t	 len;
	size_t	 size;
};

static int	rule_space(int);
static char	*rule_cat(const char *, const char *, size_t, const char *,
		    const char *);
static size_t	rule_dashes(const char *);
static const struct rule_arg *rule_lookup(const char *, size_t, int *);
static const struct rule_arg *rule_glued(const char *, size_t);
static const char *rule_quote_end(const char *);
static char	*rule_unquote(const char *, const char *);
static void	rule_wipe_free(char *);
static void	rule_entry_free(struct rule_entry *);
static int	rule_scheme_name(const char *, size_t *);
static int	rule_scheme_known(const char *, size_t, enum rule_scheme *);
static const char *rule_authority(const char *, const char *, size_t *);
static int	rule_check_url(const char *, const char *, const char *,
		    char *);
static int	rule_parse_args(const char *, const char **,
		    struct rule_entry *, char *);
static int	rule_parse_entry(const char *, const char **,
		    struct rule_entry *, char *);
static int	rule_settle(char **, enum rule_scheme *, const char *, int,
		    char *);
static int	rule_buf_add(struct rule_buf *, const char *, size_t);
static const char *rule_mask_value(struct rule_buf *, const char *, int,
		    int, int *);
static int	rule_mask_url(struct rule_buf *, const char *, size_t);

/* SEP: any ASCII white space, so a rule may be spread over lines. */
static int
rule_space(int c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f');
}

/*
 * A + the LEN bytes at S + B + C, malloc'd.  Not strndup or asprintf, so
 * that tests that make the Nth malloc fail reach every allocation here.
 */
static char *
rule_cat(const char *a, const char *s, size_t len, const char *b,
    const char *c)
{
	size_t	 al = strlen(a), bl = strlen(b), cl = strlen(c);
	char	*r;

	if (len > SIZE_MAX - al - bl - cl - 1 ||
	    (r = malloc(al + len + bl + cl + 1)) == NULL)
		return (NULL);
	memcpy(r, a, al);
	memcpy(r + al, s, len);
	memcpy(r + al + len, b, bl);
	memcpy(r + al + len + bl, c, cl + 1);
	return (r);
}

/*
 * Bytes of leading dashes: ASCII '-' and the dashes a word processor puts
 * in their place when a manual is copied (U+2010..U+2015, U+2212).  The
 * parser refuses the look-alikes with a hint; the mask treats them as the
 * real thing, so a pasted "–key" still hides its key.
 */
static size_t
rule_dashes(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n = 0;

	for (;;) {
		if (u[n] == '-')
			n++;
		else if (u[n] == 0xe2 && u[n + 1] == 0x80 &&
		    u[n + 2] >= 0x90 && u[n + 2] <= 0x95)
			n += 3;
		else if (u[n] == 0xe2 && u[n + 1] == 0x88 && u[n + 2] == 0x92)
			n += 3;
		else
			return (n);
	}
}

/*
 * The argument WORD (LEN bytes) names, case-insensitively, whatever its
 * dashes; *STRICT tells whether it was written exactly "--name".
 */
static const struct rule_arg *
rule_lookup(const char *word, size_t len, int *strict)
{
	size_t	 d, i, nlen;

	d = rule_dashes(word);
	if (d == 0 || d > len)
		return (NULL);
	nlen = len - d;
	for (i = 0; i < RULE_NARGS; i++) {
		if (strlen(rule_args[i].name) != nlen ||
		    strncasecmp(word + d, rule_args[i].name, nlen) != 0)
			continue;
		if (strict != NULL)
			*strict = (d == 2 && word[0] == '-' && word[1] == '-');
		return (&rule_args[i]);
	}
	return (NULL);
}

/*
 * A dashed WORD (LEN bytes) that begins with the name of a secret argument
 * and goes on: "--key=abc", "--key\"a b\"", "--keyabc".  The parser says
 * so without echoing the word, and the mask hides what follows the name.
 */
static const struct rule_arg *
rule_glued(const char *word, size_t len)
{
	size_t	 d, i, nlen;

	if ((d = rule_dashes(word)) == 0 || d >= len)
		return (NULL);
	for (i = 0; i < RULE_NARGS; i++) {
		nlen = strlen(rule_args[i].name);
		if (rule_args[i].secret && len - d > nlen &&
		    strncasecmp(word + d, rule_args[i].name, nlen) == 0)
			return (&rule_args[i]);
	}
	return (NULL);
}

/*
 * Q points at an opening '"'.  Inside, \" is a quote and \\ a backslash;
 * any other backslash is an ordinary character, so keys with backslashes
 * need no doubling.  Returns the closing quote or NULL.
 */
static const char *
rule_quote_end(const char *q)
{
	const char	*p;

	for (p = q + 1; *p != '\0'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		else if (*p == '"')
			return (p);
	}
	return (NULL);
}

/* The value between an opening quote's next byte S and closing quote E. */
static char *
rule_unquote(const char *s, const char *e)
{
	char	*v, *o;

	if ((v = malloc(e - s + 1)) == NULL)
		return (NULL);
	for (o = v; s < e; s++) {
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		*o++ = *s;
	}
	*o = '\0';
	return (v);
}

/* Keys and passwords do not linger in freed heap. */
static void
rule_wipe_free(char *s)
{
	volatile char	*v;

	if (s == NULL)
		return;
	for (v = s; *v != '\0'; v++)
		*v = '\0';
	free(s);
}

static void
rule_entry_free(struct rule_entry *e)
{
	free(e->url);
	rule_wipe_free(e->key);
	free(e->uid);
	rule_wipe_free(e->pwd);
	memset(e, 0, sizeof *e);
}

/* Length of a scheme name ([A-Za-z][A-Za-z0-9+.-]*) at S followed by ':'. */
static int
rule_scheme_name(const char *s, size_t *len)
{
	size_t	 n;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return (0);
	for (n = 1; s[n] != '\0'; n++) {
		if ((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') ||
		    s[n] == '+' || s[n] == '-' || s[n] == '.')
			continue;
		break;
	}
	if (s[n] != ':')
		return (0);
	*len = n;
	return (1);
}

static int
rule_scheme_known(const char *s, size_t len, enum rule_scheme *scheme)
{
	if (len == 4 && strncasecmp(s, "http", 4) == 0)
		*scheme = RULE_HTTP;
	else if (len == 5 && strncasecmp(s, "https", 5) == 0)
		*scheme = RULE_HTTPS;
	else if (len == 4 && strncasecmp(s, "tftp", 4) == 0)
		*scheme = RULE_TFTP;
	else
		return (0);
	return (1);
}

/*
 * The host of an authority that starts at A and ends before E (or at the
 * first '/', '?', '#'): user information and port left out.  *LEN is 0
 * when there is none.
 */
static const char *
rule_authority(const char *a, const char *e, size_t *len)
{
	const char	*end, *at, *h, *p;

	for (end = a; end < e && *end != '/' && *end != '?' && *end != '#';
	    end++)
		;
	at = NULL;
	for (p = a; p < end; p++)
		if (*p == '@')
			at = p;
	h = at != NULL ? at + 1 : a;
	if (h < end && *h == '[') {
		for (p = h; p < end && *p != ']'; p++)
			;
		*len = p < end ? (size_t)(p + 1 - h) : 0;
		if (*len == 2)		/* "[]" */
			*len = 0;
		return (h);
	}
	for (p = h; p < end && *p != ':'; p++)
		;
	*len = p - h;
	return (h);
}

/*
 * What can be said of a URL as written (U up to E, in TEXT) before
 * macros: not an argument, no control characters, and a scheme, if it
 * has one, that we speak, with a host.  Macros may still change the
 * scheme and the host; rule_resolve checks again.
 */
static int
rule_check_url(const char *text, const char *u, const char *e, char *err)
{
	const struct rule_arg	*a;
	enum rule_scheme	 scheme;
	const char		*p;
	size_t			 n, hlen;

	if (rule_dashes(u) > 0) {
		for (p = u; p < e && *p != ']' && *p != '='; p++)
			;
		if ((a = rule_lookup(u, p - u, NULL)) != NULL) {
			cr_seterr_at(err, text, u, "--%s outside [ ]: write "
			    "[--%s ...]URL", a->name, a->name);
		} else
			cr_seterr_at(err, text, u, "a URL cannot begin with '-'");
		return (-1);
	}
	for (p = u; p < e; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			cr_seterr_at(err, text, p, "control character in URL");
			return (-1);
		}
	}
	if (!rule_scheme_name(u, &n) || u + n >= e)
		return (0);
	if (u[n + 1] >= '0' && u[n + 1] <= '9')
		return (0);		/* host:port/path, TFTP */
	if (!rule_scheme_known(u, n, &scheme)) {
		cr_seterr_at(err, text, u, "unsupported scheme '%.*s': use http://,"
		    " https:// or tftp://", n > RULE_ECHO_MAX ? RULE_ECHO_MAX :
		    (int)n, u);
		return (-1);
	}
	if (e - (u + n) < 3 || u[n + 1] != '/' || u[n + 2] != '/') {
		cr_seterr_at(err, text, u, "'%.*s:' must be followed by //", (int)n,
		    u);
		return (-1);
	}
	rule_authority(u + n + 3, e, &hlen);
	if (hlen == 0) {
		cr_seterr_at(err, text, u + n + 3, "no host in URL");
		return (-1);
	}
	return (0);
}

/*
 * The arguments of one entry: *PP points at '[', and is left after the
 * matching ']'.
 */
static int
rule_parse_args(const char *text, const char **pp, struct rule_entry *e,
    char *err)
{
	const struct rule_arg	*a;
	const char		*open = *pp, *p = *pp + 1, *w, *v, *q;
	const char		*seen[RA_COUNT];
	const struct rule_arg	*seenarg[RA_COUNT];
	char			*val;
	size_t			 wlen;
	int			 strict;

	memset(seen, 0, sizeof seen);
	memset(seenarg, 0, sizeof seenarg);

	/*
	 * Find the ']' first, lexing as below, so that "[--delta URL" is
	 * blamed on its '[' rather than on the URL inside it.
	 */
	for (;;) {
		while (rule_space(*p))
			p++;
		if (*p == ']')
			break;
		if (*p == '\0') {
			cr_seterr_at(err, text, open, "'[' without ']'");
			return (-1);
		}
		if (*p == '"') {
			if ((q = rule_quote_end(p)) == NULL) {
				cr_seterr_at(err, text, p, "unterminated quote");
				return (-1);
			}
			p = q + 1;
			continue;
		}
		while (*p != '\0' && !rule_space(*p) && *p != ']')
			p++;
	}
	p = open + 1;

	for (;;) {
		while (rule_space(*p))
			p++;
		if (*p == '\0') {
			cr_seterr_at(err, text, open, "'[' without ']'");
			return (-1);
		}
		if (*p == ']')
			break;
		w = p;
		while (*p != '\0' && !rule_space(*p) && *p != ']')
			p++;
		wlen = p - w;
		if ((a = rule_lookup(w, wlen, &strict)) == NULL) {
			if (rule_dashes(w) == 0) {
				cr_seterr_at(err, text, w, "unexpected word inside"
				    " [ ]: arguments begin with --, a value "
				    "with white space must be quoted");
				return (-1);
			}
			/* Never past '=': "--key=secret" must not echo. */
			for (q = w; q < p && *q != '='; q++)
				;
			if (q < p && (a = rule_lookup(w, q - w, NULL)) !=
			    NULL) {
				cr_seterr_at(err, text, w, "write --%s and its "
				    "value apart, not with '='", a->name);
				return (-1);
			}
			if ((a = rule_glued(w, wlen)) != NULL) {
				cr_seterr_at(err, text, w, "write --%s and its "
				    "value apart, with white space", a->name);
				return (-1);
			}
			cr_seterr_at(err, text, w, "unknown argument '%.*s'",
			    q - w > RULE_ECHO_MAX ? RULE_ECHO_MAX :
			    (int)(q - w), w);
			return (-1);
		}
		if (!strict) {
			cr_seterr_at(err, text, w, "write --%s with two ASCII "
			    "hyphens", a->name);
			return (-1);
		}
		if (seen[a->id] != NULL) {
			if (seenarg[a->id] == a)
				cr_seterr_at(err, text, w, "duplicate argument "
				    "%.*s", (int)wlen, w);
			else
				cr_seterr_at(err, text, w, "duplicate argument "
				    "%.*s (same as --%s)", (int)wlen, w,
				    seenarg[a->id]->name);
			return (-1);
		}
		if ((a->id == RA_DELTA && seen[RA_STATUS] != NULL) ||
		    (a->id == RA_STATUS && seen[RA_DELTA] != NULL)) {
			cr_seterr_at(err, text, w, "--delta and --status exclude "
			    "each other");
			return (-1);
		}
		seen[a->id] = w;
		seenarg[a->id] = a;
		if (a->id == RA_DELTA)
			e->kind = REPORT_DELTA;
		else if (a->id == RA_STATUS)
			e->kind = REPORT_STATUS;
		if (!a->value)
			continue;

		while (rule_space(*p))
			p++;
		v = p;
		if (*p == '\0' || *p == ']' ||
		    (p[0] == '-' && p[1] == '-')) {
			cr_seterr_at(err, text, w, "--%s needs a value%s",
			    a->name, *p == '-' ? " (quote a value that begins "
			    "with --)" : "");
			return (-1);
		}
		if (*p == '"') {
			if ((q = rule_quote_end(p)) == NULL) {
				cr_seterr_at(err, text, p, "unterminated quote");
				return (-1);
			}
			if (q[1] != '\0' && !rule_space(q[1]) && q[1] != ']') {
				cr_seterr_at(err, text, q + 1, "white space or ']' "
				    "expected after a quoted value");
				return (-1);
			}
			val = rule_unquote(p + 1, q);
			p = q + 1;
		} else {
			while (*p != '\0' && !rule_space(*p) && *p != ']')
				p++;
			val = rule_cat("", v, p - v, "", "");
		}
		if (val == NULL) {
			cr_seterr(err, "out of memory");
			return (-1);
		}
		switch (a->id) {
		case RA_KEY:
			e->key = val;
			if (*val == '\0') {
				cr_seterr_at(err, text, v, "empty --%s", a->name);
				return (-1);
			}
			break;
		case RA_UID:
			e->uid = val;
			if (*val == '\0') {
				cr_seterr_at(err, text, v, "empty --%s", a->name);
				return (-1);
			}
			break;
		case RA_PWD:
			e->pwd = val;	/* may be empty: a valid password */
			break;
		case RA_MD:
			if (strcasecmp(val, "sha256") == 0)
				e->md = RULE_MD_SHA256;
			else if (strcasecmp(val, "md5") == 0)
				e->md = RULE_MD_MD5;
			else {
				cr_seterr_at(err, text, v, "--md must be sha256 or "
				    "md5, not '%.*s'", (int)(strlen(val) >
				    RULE_ECHO_MAX ? RULE_ECHO_MAX :
				    strlen(val)), val);
				free(val);
				return (-1);
			}
			free(val);
			break;
		default:
			free(val);	/* not reached: flags take no value */
			break;
		}
	}
	/* A password alone cannot be sent; the user name was forgotten. */
	if (seen[RA_PWD] != NULL && seen[RA_UID] == NULL) {
		cr_seterr_at(err, text, seen[RA_PWD], "--%s without --uid",
		    seenarg[RA_PWD]->name);
		return (-1);
	}
	*pp = p + 1;
	return (0);
}

/* One entry at *PP (not white space, not the end); *PP is left after it. */
static int
rule_parse_entry(const char *text, const char **pp, struct rule_entry *e,
    char *err)
{
	const char	*p = *pp, *u, *ue, *after;

	e->kind = REPORT_FULL;
	e->md = RULE_MD_SHA256;
	if (*p == '[') {
		if (rule_parse_args(text, &p, e, err) != 0)
			return (-1);
		after = p;
		while (rule_space(*p))
			p++;
		if (*p == '\0' || *p == '[') {
			cr_seterr_at(err, text, after, "URL expected after ']'");
			return (-1);
		}
	}
	u = p;
	/* ";[" ends an entry too: "[--delta]A;[--status]B" means two. */
	while (*p != '\0' && !rule_space(*p) && !(p[0] == ';' && p[1] == '['))
		p++;
	ue = p;
	if (*p == ';')
		p++;
	else if (ue > u && ue[-1] == ';')
		ue--;
	if (ue == u) {
		cr_seterr_at(err, text, u, "empty URL");
		return (-1);
	}
	if (rule_check_url(text, u, ue, err) != 0)
		return (-1);
	if ((e->url = rule_cat("", u, ue - u, "", "")) == NULL) {
		cr_seterr(err, "out of memory");
		return (-1);
	}
	*pp = p;
	return (0);
}

int
rule_parse(const char *text, struct rule *out, char *err)
{
	struct rule	 r;
	const char	*p;

	memset(&r, 0, sizeof r);
	memset(out, 0, sizeof *out);
	if (text == NULL)
		text = "";
	p = text;
	for (;;) {
		while (rule_space(*p))
			p++;
		if (*p == '\0')
			break;
		if (r.n == RULE_MAX_ENTRIES) {
			cr_seterr_at(err, text, p, "more than %d entries",
			    RULE_MAX_ENTRIES);
			rule_clear(&r);
			return (-1);
		}
		if (rule_parse_entry(text, &p, &r.e[r.n], err) != 0) {
			rule_entry_free(&r.e[r.n]);
			rule_clear(&r);
			return (-1);
		}
		r.n++;
	}
	*out = r;
	return (0);
}

void
rule_clear(struct rule *r)
{
	size_t	 i;

	for (i = 0; i < r->n && i < RULE_MAX_ENTRIES; i++)
		rule_entry_free(&r->e[i]);
	memset(r, 0, sizeof *r);
}

const char *
report_kind_name(enum report_kind kind)
{
	switch (kind) {
	case REPORT_FULL:
		return ("full");
	case REPORT_DELTA:
		return ("delta");
	case REPORT_STATUS:
		return ("status");
	}
	return ("unknown");
}

/*
 * Settle the scheme of an expanded URL (*URLP, replaced on success) of
 * entry N: see rule_resolve.
 */
static int
rule_settle(char **urlp, enum rule_scheme *scheme, const char *server,
    int n, char *err)
{
	const char	*u = *urlp, *s, *se, *h, *path;
	char		*url;
	size_t		 len, hlen, slen;

	for (s = u; *s != '\0'; s++) {
		if ((unsigned char)*s <= 0x20 || *s == 0x7f) {
			cr_seterr(err, "entry %d: URL has white space or a "
			    "control character at position %zu after macro "
			    "expansion", n, cr_charpos(u, s));
			return (-1);
		}
	}
	if (*u == '\0') {
		cr_seterr(err, "entry %d: URL is empty after macro expansion",
		    n);
		return (-1);
	}

	if (rule_scheme_name(u, &len) && !(u[len + 1] >= '0' &&
	    u[len + 1] <= '9')) {
		if (!rule_scheme_known(u, len, scheme)) {
			cr_seterr(err, "entry %d: unsupported scheme '%.*s': "
			    "use http://, https:// or tftp://", n,
			    len > RULE_ECHO_MAX ? RULE_ECHO_MAX : (int)len, u);
			return (-1);
		}
		if (strncmp(u + len + 1, "//", 2) != 0) {
			cr_seterr(err, "entry %d: '%.*s:' must be followed by "
			    "//", n, (int)len, u);
			return (-1);
		}
		if ((url = rule_cat("", u, strlen(u), "", "")) == NULL) {
			cr_seterr(err, "out of memory");
			return (-1);
		}
		for (s = u; s < u + len; s++)	/* "HTTP://" as http:// */
			url[s - u] = (*s >= 'A' && *s <= 'Z') ? *s + 32 : *s;
	} else if (*u == '/') {
		/* DHCP option 66: host, host:port, IP, or a URL prefix. */
		if (server == NULL)
			server = "";
		while (rule_space(*server))
			server++;
		for (se = server + strlen(server);
		    se > server && rule_space(se[-1]); se--)
			;
		for (s = server; s < se; s++)
			if ((unsigned char)*s <= 0x20 || *s == 0x7f)
				break;
		if (se == server || s != se) {
			if (se == server)
				cr_seterr(err, "entry %d: no TFTP server known "
				    "for a bare /path (DHCP option 66 is not "
				    "set)", n);
			else
				cr_seterr(err, "entry %d: DHCP option 66 is not "
				    "a host name", n);
			return (-1);
		}
		slen = se - server;
		if (rule_scheme_name(server, &len) &&
		    !(server[len + 1] >= '0' && server[len + 1] <= '9')) {
			if (!rule_scheme_known(server, len, scheme)) {
				cr_seterr(err, "entry %d: DHCP option 66 has "
				    "an unsupported scheme '%.*s'", n,
				    len > RULE_ECHO_MAX ? RULE_ECHO_MAX :
				    (int)len, server);
				return (-1);
			}
			/* "http://prov/base/" + "/c.xml", not "//c.xml" */
			while (slen > len + 3 && server[slen - 1] == '/')
				slen--;
			url = rule_cat("", server, slen, "", u);
		} else if (memchr(server, ':', slen) != NULL &&
		    memchr(server, ':', slen) != memrchr(server, ':', slen) &&
		    *server != '[')		/* a bare IPv6 address */
			url = rule_cat("tftp://[", server, slen, "]", u);
		else
			url = rule_cat("tftp://", server, slen, "", u);
		if (url == NULL) {
			cr_seterr(err, "out of memory");
			return (-1);
		}
		if (rule_settle(&url, scheme, NULL, n, err) != 0) {
			free(url);
			return (-1);
		}
	} else {
		/* The vendor's default: "host/path" is TFTP. */
		if ((url = rule_cat("tftp://", u, strlen(u), "", "")) ==
		    NULL) {
			cr_seterr(err, "out of memory");
			return (-1);
		}
	}

	/* Every branch above leaves a scheme we speak; say so if not. */
	if (!rule_scheme_name(url, &len) ||
	    !rule_scheme_known(url, len, scheme) ||
	    strncmp(url + len, "://", 3) != 0) {
		cr_seterr(err, "entry %d: malformed URL", n);
		free(url);
		return (-1);
	}
	h = rule_authority(url + len + 3, url + strlen(url), &hlen);
	if (hlen == 0) {
		cr_seterr(err, "entry %d: no host in URL", n);
		free(url);
		return (-1);
	}
	if (*scheme == RULE_TFTP) {
		path = strchr(h, '/');
		if (path == NULL || path[1] == '\0') {
			cr_seterr(err, "entry %d: a TFTP URL needs a file name "
			    "(host/file or /file)", n);
			free(url);
			return (-1);
		}
	}
	free(*urlp);
	*urlp = url;
	return (0);
}

/*
 * All or nothing: on error the rule is as it was, so the caller can still
 * rule_clear it.  Call it once per parse: a second pass would expand what
 * "$$" produced.
 */
int
rule_resolve(struct rule *r, macro_lookup_fn lookup, void *arg,
    const char *tftp_server, char *err)
{
	struct rule_entry	 x[RULE_MAX_ENTRIES];
	struct rule_entry	*e;
	char			 why[CR_ERRLEN];
	size_t			 i;
	int			 n;

	memset(x, 0, sizeof x);
	for (i = 0; i < r->n && i < RULE_MAX_ENTRIES; i++) {
		e = &r->e[i];
		n = (int)i + 1;
		x[i].kind = e->kind;
		x[i].md = e->md;
		if ((x[i].url = macro_expand(e->url, lookup, arg, why)) ==
		    NULL) {
			cr_seterr(err, "entry %d: URL: %s", n, why);
			goto fail;
		}
		if (e->key != NULL && (x[i].key = macro_expand(e->key, lookup,
		    arg, why)) == NULL) {
			cr_seterr(err, "entry %d: --key: %s", n, why);
			goto fail;
		}
		if (e->uid != NULL && (x[i].uid = macro_expand(e->uid, lookup,
		    arg, why)) == NULL) {
			cr_seterr(err, "entry %d: --uid: %s", n, why);
			goto fail;
		}
		if (e->pwd != NULL && (x[i].pwd = macro_expand(e->pwd, lookup,
		    arg, why)) == NULL) {
			cr_seterr(err, "entry %d: --pwd: %s", n, why);
			goto fail;
		}
		if (x[i].key != NULL && *x[i].key == '\0') {
			cr_seterr(err, "entry %d: --key is empty after macro "
			    "expansion", n);
			goto fail;
		}
		if (x[i].uid != NULL && (*x[i].uid == '\0' ||
		    strchr(x[i].uid, ':') != NULL)) {
			cr_seterr(err, "entry %d: --uid is %s after macro "
			    "expansion", n, *x[i].uid == '\0' ? "empty" :
			    "not a user name (it has a ':')");
			goto fail;
		}
		if (rule_settle(&x[i].url, &x[i].scheme, tftp_server, n,
		    err) != 0)
			goto fail;
		if (x[i].scheme == RULE_TFTP && x[i].uid != NULL) {
			cr_seterr(err, "entry %d: --uid/--pwd need http:// or "
			    "https://: TFTP has no authentication", n);
			goto fail;
		}
	}
	for (i = 0; i < r->n && i < RULE_MAX_ENTRIES; i++) {
		rule_entry_free(&r->e[i]);
		r->e[i] = x[i];
	}
	return (0);

fail:
	for (i = 0; i < RULE_MAX_ENTRIES; i++)
		rule_entry_free(&x[i]);
	return (-1);
}

static int
rule_buf_add(struct rule_buf *b, const char *s, size_t len)
{
	char	*nb;
	size_t	 size;

	if (b->len + len + 1 > b->size) {
		size = b->size != 0 ? b->size : 64;
		while (size < b->len + len + 1)
			size *= 2;
		if ((nb = realloc(b->b, size)) == NULL)
			return (-1);
		b->b = nb;
		b->size = size;
	}
	memcpy(b->b + b->len, s, len);
	b->len += len;
	b->b[b->len] = '\0';
	return (0);
}

/*
 * The value after an argument that takes one, from P (white space first).
 * IN: inside [ ].  SECRET: replace it with *****.  A quote that does not
 * close hides everything to the end.  Returns where scanning resumes; *FAIL
 * is set when out of memory.
 */
static const char *
rule_mask_value(struct rule_buf *b, const char *p, int in, int secret,
    int *fail)
{
	const char	*v, *q;

	for (v = p; rule_space(*v); v++)
		;
	if (rule_buf_add(b, p, v - p) != 0)
		goto oom;
	p = v;
	if (*p == '\0' || (in && *p == ']') || (!in && *p == '['))
		return (p);
	if (*p == '"') {
		q = rule_quote_end(p);
		p = q != NULL ? q + 1 : p + strlen(p);
	} else {
		while (*p != '\0' && !rule_space(*p) && !(in && *p == ']'))
			p++;
		/*
		 * "--key --delta": the key is missing, not "--delta".  As in
		 * the parser, only "--" makes a word an argument here: a key
		 * "-pwd" or "--secret" is a key, and hidden.
		 */
		if (v[0] == '-' && v[1] == '-' &&
		    rule_lookup(v, p - v, NULL) != NULL)
			return (v);
	}
	if (rule_buf_add(b, secret ? RULE_MASK : v, secret ?
	    strlen(RULE_MASK) : (size_t)(p - v)) != 0)
		goto oom;
	return (p);
oom:
	*fail = 1;
	return (p);
}

/* A URL word, with the password of "scheme://user:password@" hidden. */
static int
rule_mask_url(struct rule_buf *b, const char *u, size_t len)
{
	const char	*a, *end, *at, *colon, *p;

	a = NULL;
	for (p = u; p + 3 <= u + len; p++) {
		if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
			a = p + 3;
			break;
		}
	}
	if (a == NULL)
		return (rule_buf_add(b, u, len));
	for (end = a; end < u + len && *end != '/' && *end != '?' &&
	    *end != '#'; end++)
		;
	at = NULL;
	for (p = a; p < end; p++)
		if (*p == '@')
			at = p;
	colon = at != NULL ? memchr(a, ':', at - a) : NULL;
	if (colon == NULL)
		return (rule_buf_add(b, u, len));
	if (rule_buf_add(b, u, colon + 1 - u) != 0 ||
	    rule_buf_add(b, RULE_MASK, strlen(RULE_MASK)) != 0 ||
	    rule_buf_add(b, at, u + len - at) != 0)
		return (-1);
	return (0);
}

/*
 * Scans like the parser but never fails: whatever rule_parse would take
 * for a secret is hidden, and on broken text it errs towards hiding (a
 * stray word inside [ ] may be a key written with a space in it).
 */
char *
rule_mask_secrets(const char *text)
{
	struct rule_buf		 b;
	const struct rule_arg	*a;
	const char		*p, *w, *eq;
	size_t			 wlen, d;
	int			 in = 0, fail = 0;

	memset(&b, 0, sizeof b);
	if (rule_buf_add(&b, "", 0) != 0)
		return (NULL);
	p = text != NULL ? text : "";
	while (*p != '\0' && !fail) {
		if (rule_space(*p) || (!in && *p == '[') || (in && *p == ']')) {
			if (*p == '[' || *p == ']')
				in = (*p == '[');
			fail = rule_buf_add(&b, p, 1) != 0;
			p++;
			continue;
		}
		if (in && *p == '"') {
			w = rule_quote_end(p);
			fail = rule_buf_add(&b, RULE_MASK,
			    strlen(RULE_MASK)) != 0;
			p = w != NULL ? w + 1 : p + strlen(p);
			continue;
		}
		w = p;
		if (in) {
			while (*p != '\0' && !rule_space(*p) && *p != ']')
				p++;
		} else {
			while (*p != '\0' && !rule_space(*p) &&
			    !(p[0] == ';' && p[1] == '['))
				p++;
			if (*p == ';')
				p++;
		}
		wlen = p - w;

		if ((a = rule_lookup(w, wlen, NULL)) != NULL) {
			fail = rule_buf_add(&b, w, wlen) != 0;
			if (a->value && !fail)
				p = rule_mask_value(&b, p, in, a->secret,
				    &fail);
			continue;
		}
		/* "--key=secret" and the like: refused, but hidden. */
		d = rule_dashes(w);
		if ((a = rule_glued(w, wlen)) != NULL) {
			eq = w + d + strlen(a->name);
			if (*eq == '=')
				eq++;
			fail = rule_buf_add(&b, w, eq - w) != 0;
			if (!fail && *eq == '"') {
				w = rule_quote_end(eq);
				p = w != NULL ? w + 1 : eq + strlen(eq);
			}
			if (!fail)
				fail = rule_buf_add(&b, RULE_MASK,
				    strlen(RULE_MASK)) != 0;
			continue;
		}
		if (in && d == 0)
			fail = rule_buf_add(&b, RULE_MASK,
			    strlen(RULE_MASK)) != 0;
		else if (in)
			fail = rule_buf_add(&b, w, wlen) != 0;
		else
			fail = rule_mask_url(&b, w, wlen) != 0;
	}
	if (fail) {
		free(b.b);
		return (NULL);
	}
	return (b.b);
}
