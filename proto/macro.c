/*
 * macro.c — the vendor's macros in Report Rule URLs and arguments (spec.md §3).
 *
 *	$NAME		NAME is the longest run of [A-Za-z0-9_]
 *	$(NAME)		for a name followed by one of those characters
 *	$(NAME:p)	the value from character p (0-based) on
 *	$(NAME:p:q)	q characters of it from character p
 *	$$		a '$'
 *
 * Names are looked up exactly as written (the vendor writes them in upper
 * case); an unknown name is copied through as written.  Values are not
 * expanded again.  docs/rule.md is the operator's version of this.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* A rule is at most a parameter value; so is what it expands to. */
#define MACRO_MAX_LEN	(64 * 1024)

struct macro_buf {
	char	*b;
	size_t	 len;
	size_t	 size;
};

static int	macro_namechar(int);
static int	macro_add(struct macro_buf *, const char *, size_t,
		    const char *, const char *, char *);
static const char *macro_number(const char *, size_t *);
static size_t	macro_skip(const char *, size_t, size_t);
static int	macro_is(const char *, size_t, const char *);
static const char *macro_status(const struct macro_env *, const char *);
static int	macro_mac(struct macro_env *, uint8_t *);

static int
macro_namechar(int c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_');
}

/* Append; refuse to grow past MACRO_MAX_LEN (AT in IN is blamed). */
static int
macro_add(struct macro_buf *b, const char *s, size_t len, const char *in,
    const char *at, char *err)
{
	char	*nb;
	size_t	 size;

	if (len > MACRO_MAX_LEN - b->len) {
		cr_seterr_at(err, in, at, "expansion longer than %d bytes",
		    MACRO_MAX_LEN);
		return (-1);
	}
	if (b->len + len + 1 > b->size) {
		size = b->size != 0 ? b->size : 128;
		while (size < b->len + len + 1)
			size *= 2;
		if ((nb = realloc(b->b, size)) == NULL) {
			cr_seterr(err, "out of memory");
			return (-1);
		}
		b->b = nb;
		b->size = size;
	}
	memcpy(b->b + b->len, s, len);
	b->len += len;
	b->b[b->len] = '\0';
	return (0);
}

/*
 * Decimal digits at S into *N, saturating (an offset past any value is as
 * good as SIZE_MAX).  Returns the first byte after them, S when none.
 */
static const char *
macro_number(const char *s, size_t *n)
{
	*n = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (*n > (SIZE_MAX - 9) / 10)
			*n = SIZE_MAX;
		else
			*n = *n * 10 + (*s - '0');
	}
	return (s);
}

/* Bytes of the first N characters of S (LEN bytes), clamped to LEN. */
static size_t
macro_skip(const char *s, size_t len, size_t n)
{
	size_t	 i;

	for (i = 0; i < len && n > 0; n--) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
	}
	return (i);
}

char *
macro_expand(const char *in, macro_lookup_fn lookup, void *arg, char *err)
{
	struct macro_buf	 b;
	const char		*p, *q, *name, *v, *close;
	size_t			 nlen, off, cnt, vlen, skip;
	int			 sub, subn;

	memset(&b, 0, sizeof b);
	if (in == NULL)
		in = "";
	if (macro_add(&b, "", 0, in, in, err) != 0)
		return (NULL);
	p = in;
	while (*p != '\0') {
		if (*p != '$') {
			if ((q = strchr(p, '$')) == NULL)
				q = p + strlen(p);
			if (macro_add(&b, p, q - p, in, p, err) != 0)
				goto fail;
			p = q;
			continue;
		}
		if (p[1] == '$') {
			if (macro_add(&b, "$", 1, in, p, err) != 0)
				goto fail;
			p += 2;
			continue;
		}
		if (p[1] != '(') {
			for (q = p + 1; macro_namechar(*q); q++)
				;
			v = NULL;
			if (q > p + 1 && lookup != NULL)
				v = lookup(arg, p + 1, q - (p + 1));
			if (v == NULL)
				v = p, vlen = q - p;	/* as written */
			else
				vlen = strlen(v);
			if (macro_add(&b, v, vlen, in, p, err) != 0)
				goto fail;
			p = q;
			continue;
		}

		/* $(NAME), $(NAME:p), $(NAME:p:q) */
		if ((close = strchr(p + 2, ')')) == NULL) {
			cr_seterr_at(err, in, p, "'$(' without ')'");
			goto fail;
		}
		name = p + 2;
		for (q = name; macro_namechar(*q); q++)
			;
		nlen = q - name;
		if (nlen == 0) {
			cr_seterr_at(err, in, name, "macro name expected after "
			    "'$('");
			goto fail;
		}
		off = 0;
		cnt = SIZE_MAX;
		sub = subn = 0;
		if (*q == ':') {
			sub = 1;
			if ((q = macro_number(q + 1, &off)) == name + nlen + 1) {
				cr_seterr_at(err, in, q, "offset in '$(%.*s:' is "
				    "not a number", (int)nlen, name);
				goto fail;
			}
			if (*q == ':') {
				subn = 1;
				v = q + 1;
				if ((q = macro_number(v, &cnt)) == v) {
					cr_seterr_at(err, in, q, "length in "
					    "'$(%.*s:%zu:' is not a number",
					    (int)nlen, name, off);
					goto fail;
				}
			}
		}
		if (q != close) {
			cr_seterr_at(err, in, q, "unexpected character in '$(%.*s"
			    "%s': ')' expected", (int)nlen, name,
			    subn ? ":p:q" : sub ? ":p" : "");
			goto fail;
		}
		v = lookup != NULL ? lookup(arg, name, nlen) : NULL;
		if (v == NULL) {
			if (macro_add(&b, p, close + 1 - p, in, p, err) != 0)
				goto fail;
		} else {
			vlen = strlen(v);
			skip = macro_skip(v, vlen, off);
			vlen = macro_skip(v + skip, vlen - skip, cnt);
			if (macro_add(&b, v + skip, vlen, in, p, err) != 0)
				goto fail;
		}
		p = close + 1;
	}
	return (b.b);

fail:
	free(b.b);
	return (NULL);
}

static int
macro_is(const char *name, size_t len, const char *s)
{
	return (strlen(s) == len && memcmp(name, s, len) == 0);
}

/* A status value, or NULL when absent or empty. */
static const char *
macro_status(const struct macro_env *env, const char *name)
{
	const struct param	*pa;

	if (env->status == NULL ||
	    (pa = params_find(env->status, name)) == NULL ||
	    pa->value == NULL || *pa->value == '\0')
		return (NULL);
	return (pa->value);
}

/*
 * The MAC: the agent's own (env->mac), else the status value MAC_Address
 * written as 12 hex digits with or without ':', '-' or '.' between them.
 */
static int
macro_mac(struct macro_env *env, uint8_t *mac)
{
	const char	*s;
	int		 i, n, c;

	if (env->mac != NULL) {
		memcpy(mac, env->mac, 6);
		return (0);
	}
	if ((s = macro_status(env, "MAC_Address")) == NULL)
		return (-1);
	memset(mac, 0, 6);
	for (n = 0; *s != '\0'; s++) {
		if (*s == ':' || *s == '-' || *s == '.')
			continue;
		if (*s >= '0' && *s <= '9')
			c = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			c = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			c = *s - 'A' + 10;
		else
			return (-1);
		if (n == 12)
			return (-1);
		i = n / 2;
		mac[i] = (mac[i] << 4) | c;
		n++;
	}
	return (n == 12 ? 0 : -1);
}

/*
 * The names of spec.md §3.  The returned string may live in env->buf and is
 * good until the next call; macro_expand copies it at once.
 */
const char *
macro_env_lookup(void *arg, const char *name, size_t len)
{
	/* Status values a vendor's status page shows for these. */
	static const struct {
		const char	*macro;
		const char	*status;
	} names[] = {
		{ "PN",		"Product_Name" },
		{ "PSN",	"Product_Series_Number" },
		{ "SN",		"Serial_Number" },
		{ "SWVER",	"Software_Version" },
		{ "HWVER",	"Hardware_Version" },
	};
	struct macro_env	*env = arg;
	const struct param	*pa;
	uint8_t			 m[6];
	char			 gpp[8];
	size_t			 i;

	if (env == NULL)
		return (NULL);
	if (macro_is(name, len, "MA") || macro_is(name, len, "MAU") ||
	    macro_is(name, len, "MAC")) {
		if (macro_mac(env, m) != 0)
			return (NULL);
		snprintf(env->buf, sizeof env->buf, len == 3 && name[2] == 'C' ?
		    "%02x:%02x:%02x:%02x:%02x:%02x" : len == 3 ?
		    "%02X%02X%02X%02X%02X%02X" : "%02x%02x%02x%02x%02x%02x",
		    m[0], m[1], m[2], m[3], m[4], m[5]);
		return (env->buf);
	}
	if (macro_is(name, len, "IP")) {
		if (env->ip != NULL && *env->ip != '\0')
			return (env->ip);
		return (macro_status(env, "Current_IP"));
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (macro_is(name, len, names[i].macro))
			return (macro_status(env, names[i].status));

	/* A-P and SA-SD: GPP_*, agent settings whose default is empty. */
	if ((len == 1 && name[0] >= 'A' && name[0] <= 'P') ||
	    (len == 2 && name[0] == 'S' && name[1] >= 'A' && name[1] <= 'D')) {
		snprintf(gpp, sizeof gpp, "GPP_%.*s", (int)len, name);
		if (env->params == NULL ||
		    (pa = params_find(env->params, gpp)) == NULL ||
		    pa->value == NULL)
			return ("");
		return (pa->value);
	}
	return (NULL);
}
