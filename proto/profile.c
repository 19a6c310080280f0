/*
 * profile.c — the vendor's flat-profile XML, read and written with
 * Mini-XML 3.x.  Every mxml call of cfgreport lives here, so a port to
 * mxml 4.x touches this file only.
 *
 * Reading streams: mxml's SAX interface hands over one node at a time and
 * frees it after the callback, so a profile never exists as a whole tree
 * (it would double the memory a large profile needs).  The document is
 * read through a memory stream of our own (fopencookie) because ftell()
 * on it tells the callback where in the text mxml is: that gives every
 * parameter its line number, and tells <X/> (no content: keep the value)
 * from <X></X> (empty content: the empty value), which mxml itself reports
 * alike; and because the stream ends as soon as the load has failed, so
 * mxml stops there instead of reading on to the end.
 *
 * Hostile shapes never reach mxml: a flat profile is two levels deep and
 * a parameter has at most its ua attribute, but mxml keeps every open
 * element of a deep nesting (hundreds of MB for 15 MB of <a>) and sets
 * each attribute of an element with a linear search (seconds for 30,000
 * of them) before any callback could object.  profile_shape checks both in
 * one pass over the text first (docs/profile.md).
 *
 * Reading in slices: a large import must not hold the agent's loop for
 * the whole parse, and mxml cannot pause.  The same pass notes where the
 * root's content can be cut, before a '<' between two parameters (or
 * comments), about every SLICE bytes; each slice is then loaded by mxml
 * as a document of its own, wrapped in a <flat-profile> start and end tag
 * of ours, at the offsets it has in the whole text.  Every item is
 * bounded (PROFILE_MAX_ITEM), so no slice is much longer than SLICE.
 *
 * Writing streams as well: each parameter's element is built alone, saved
 * by mxml and handed to the caller's sink before the next is built.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#ifdef HAVE___FSETLOCKING
#include <stdio_ext.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mxml.h>

#include "proto.h"

#define PROFILE_ROOT	"flat-profile"
/*
 * The loader's own top element, the root's parent.  In SAX mode mxml
 * releases (frees) each element it closes, so a close tag matching this
 * name would free our node mid-parse (fuzz_profile found </document>
 * doing it).  mxml ends a close tag's name at white space, so a name with
 * a space in it is never matched: such a tag is a mismatched close tag.
 */
#define PROFILE_TOP	"the document"
#define PROFILE_PROLOG	"?xml version=\"1.0\" encoding=\"UTF-8\"?"
#define PROFILE_MASK	"*****"
/* What a slice is wrapped in: the root's name is checked before cutting. */
#define PROFILE_OPEN	"<" PROFILE_ROOT ">"
#define PROFILE_CLOSE	"</" PROFILE_ROOT ">"
/*
 * The most bytes a parameter element (start tag to end tag), a comment,
 * a processing instruction, a tag or the text between two tags may take
 * as written: a value of PARAMS_MAX_VALUE bytes of '"' written as &quot;
 * fits with room to spare.  It bounds the work of one slice.
 */
#define PROFILE_MAX_ITEM	(8 * PARAMS_MAX_VALUE)
/* Attributes an element may carry: a parameter its ua, the root a few. */
#define PROFILE_MAX_ATTRS	1
#define PROFILE_MAX_ROOT_ATTRS	4

/*
 * The one piece of file-scope mutable state in proto/: mxml 3.x's error
 * callback takes no user pointer, so this points at the error buffer of
 * the profile_parse running on this thread, for the duration of its load
 * only.  Thread-local because mxml keeps its callback per thread too.
 */
static _Thread_local char *profile_mxml_err;
/*
 * The load under way, for the line of an error: mxml counts lines from
 * the start of what it was given (a slice) and misses some (a line end
 * inside an end tag), so its "on line N" is replaced by the line of the
 * byte it has read up to, in the whole document.
 */
static _Thread_local struct profile_loader *profile_mxml_loading;

struct profile_text {
	char	*s;
	size_t	 len;
	size_t	 size;
};

/* profile_shape's place in the text, between two steps. */
struct profile_shape {
	const char	*p;
	const char	*pname;
	size_t		 pnamelen;
	const char	*pstart;
	const char	*text;
	int		 depth;
	int		 cutting;
	int		 rooted;
};

struct profile_loader {
	struct params	*p;
	char		 why[CR_ERRLEN];	/* the first error; set: failed */
	const char	*doc;		/* the input, LEN bytes, no NUL */
	size_t		 len;
	size_t		 pos;		/* the stream's read position */
	FILE		*fp;
	profile_warn_cb	 warn;
	void		*arg;

	int		 depth;		/* 0 document, 1 root, 2 parameter */
	int		 seen_root;
	size_t		 mark;		/* where the markup being read began */
	size_t		 end;		/* end of the last markup at depth 0 */
	size_t		 line_off;	/* running line count: LINE at OFF */
	size_t		 line;

	/* The parameter being read. */
	const char	*name;		/* its mxml node's, valid until close */
	size_t		 pline;
	long		 popen;		/* stream offset after its start tag */
	enum ua		 pua;
	struct profile_text val;

	/* The checks before mxml, a chunk per step. */
	enum { PROFILE_TEXT, PROFILE_SHAPE, PROFILE_LOAD } phase;
	size_t		 scanned;	/* PROFILE_TEXT: bytes checked */
	size_t		 bom;
	int		 nonblank;
	struct profile_shape shape;

	/* Where the root's content is cut into slices (profile_shape). */
	size_t		 slice;		/* bytes, about, per slice */
	size_t		*cuts;
	size_t		 ncuts;
	size_t		 cutsize;
	size_t		 next;		/* the slice to load next */
	int		 resume;	/* our start tag is next, not the root */
	/*
	 * The stream of the slice being loaded (NEXT): OPEN after the first,
	 * doc[from, to), CLOSE before the last.
	 */
	size_t		 from;
	size_t		 to;
	int		 state;		/* 1 more slices, 0 done, -1 failed */
};

static size_t	profile_line(struct profile_loader *, size_t);
static int	profile_is_rule(const char *);

/* mxml's own "on line N" (the last mention: what it quotes comes first). */
static void
profile_mxml_renumber(char *msg, struct profile_loader *l)
{
	static const char	 tag[] = " on line ";
	char			*at = NULL, *p, *end, rest[CR_ERRLEN];
	long			 pos;

	for (p = msg; (p = strstr(p, tag)) != NULL; p++)
		at = p;
	if (at == NULL || at[sizeof tag - 1] < '0' ||
	    at[sizeof tag - 1] > '9' || (pos = ftell(l->fp)) < 0)
		return;
	(void)strtoull(at + sizeof tag - 1, &end, 10);
	snprintf(rest, sizeof rest, "%s", end);
	snprintf(at, CR_ERRLEN - (size_t)(at - msg), "%s%zu%s", tag,
	    profile_line(l, pos > 0 ? (size_t)pos - 1 : 0), rest);
}

static void
profile_mxml_error(const char *msg)
{
	struct profile_loader	*l;
	size_t			 len;
	char			*p;
	long			 pos;

	if (profile_mxml_err == NULL || profile_mxml_err[0] != '\0')
		return;		/* the first error is the one that matters */
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '.' || msg[len - 1] == '\n'))
		len--;
	cr_seterr(profile_mxml_err, "XML: %.*s", (int)len, msg);
	if ((l = profile_mxml_loading) != NULL)
		profile_mxml_renumber(profile_mxml_err, l);
	/*
	 * mxml quotes what it could not read (an entity's name, a bit of
	 * text): inside a secret's value, or a rule's (its --key, --pwd),
	 * that would be part of the secret.  Only the name and line, then.
	 */
	if (l != NULL && l->depth == 2 && l->name != NULL &&
	    (settings_is_secret(l->name) ||
	    profile_is_rule(l->name)) && (pos = ftell(l->fp)) >= 0)
		cr_seterr(profile_mxml_err, "XML: line %zu: %s: the value is "
		    "not well-formed (not quoted: it is secret)",
		    profile_line(l, pos > 0 ? (size_t)pos - 1 : 0), l->name);
	/* One line, whatever of the document mxml quotes. */
	for (p = profile_mxml_err; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	}
}

/*
 * mxml 3 keeps the error callback and the wrap margin in per-thread
 * globals, with setters and no getters; a library must leave them as its
 * host had them (docs/library.md).  They are read through _mxml_global(),
 * which every mxml 3.x exports, laid out as its mxml-private.h has them
 * (3.0 to 3.3.1; tests/test_mxml_global.c checks this against the
 * installed mxml).  mxml 4 takes both per call: a port drops this.
 */
struct profile_mxml_global {
	void	(*error_cb)(const char *);
	int	  num_entity_cbs;
	int	(*entity_cbs[100])(const char *);
	int	  wrap;
};
struct profile_mxml_global *_mxml_global(void);

struct profile_mxml_saved {
	void	(*error_cb)(const char *);
	int	  wrap;
};

/* Our callback, writing into WHY, until profile_mxml_leave. */
static void
profile_mxml_enter(struct profile_mxml_saved *s, char *why)
{
	struct profile_mxml_global	*g = _mxml_global();

	s->error_cb = g->error_cb;
	s->wrap = g->wrap;
	mxmlSetErrorCallback(profile_mxml_error);
	profile_mxml_err = why;
}

static void
profile_mxml_leave(const struct profile_mxml_saved *s)
{
	profile_mxml_err = NULL;
	mxmlSetErrorCallback(s->error_cb);
	mxmlSetWrapMargin(s->wrap);
}

/*
 * The 1-based line of OFF, counted on from the last offset asked about.
 * Offsets mostly grow during a load, but not always (mxml can report an
 * element's end before the text a later check points back to): an
 * earlier one is counted from the start again.
 */
static size_t
profile_line(struct profile_loader *l, size_t off)
{
	const char	*p, *end;

	if (off > l->len)
		off = l->len;
	if (off < l->line_off) {
		l->line_off = 0;
		l->line = 1;
	}
	end = l->doc + off;
	for (p = l->doc + l->line_off;
	    (p = memchr(p, '\n', end - p)) != NULL; p++)
		l->line++;
	l->line_off = off;
	return l->line;
}

/* XML's white space; what a value is trimmed of. */
static int
profile_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
profile_blank(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (!profile_space((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int
profile_text_add(struct profile_text *t, const char *s)
{
	size_t	n = strlen(s), size;
	char	*p;

	if (t->len + n + 1 > t->size) {
		size = t->size < 256 ? 256 : t->size;
		while (size < t->len + n + 1)
			size *= 2;
		if ((p = realloc(t->s, size)) == NULL)
			return -1;
		t->s = p;
		t->size = size;
	}
	memcpy(t->s + t->len, s, n + 1);
	t->len += n;
	return 0;
}

static void
profile_open(struct profile_loader *l, mxml_node_t *node, size_t off)
{
	const char	*name = mxmlGetElement(node), *an, *av;
	char		 q[64], q2[64];
	size_t		 line = profile_line(l, l->mark);
	int		 i, n;

	switch (l->depth++) {
	case 0:
		if (l->resume) {
			l->resume = 0;	/* a slice's start tag: the root goes on */
			return;
		}
		if (l->seen_root) {
			cr_seterr(l->why, "line %zu: <%s> after the "
			    "<" PROFILE_ROOT "> element", line,
			    params_quote(name, q, sizeof q));
		} else if (strcmp(name, PROFILE_ROOT) != 0) {
			cr_seterr(l->why, "line %zu: the root element is <%s>, "
			    "not <" PROFILE_ROOT ">", line,
			    params_quote(name, q, sizeof q));
		}
		l->seen_root = 1;
		return;
	case 1:
		break;
	default:
		cr_seterr(l->why, "line %zu: %s: element <%s> inside a "
		    "parameter", line, l->name,
		    params_quote(name, q, sizeof q));
		return;
	}

	/* A parameter. */
	if (!params_valid_name(name)) {
		cr_seterr(l->why, "line %zu: <%s>: not a parameter name "
		    "(letters, digits, _ - . and not starting with a digit, "
		    "- or .)", line, params_quote(name, q, sizeof q));
		return;
	}
	l->name = name;
	l->pline = line;
	l->popen = (long)off;
	l->pua = UA_NONE;
	l->val.len = 0;
	n = mxmlElementGetAttrCount(node);
	for (i = 0; i < n; i++) {
		av = mxmlElementGetAttrByIndex(node, i, &an);
		if (strcmp(an, "ua") != 0) {
			cr_seterr(l->why, "line %zu: %s: attribute \"%s\" "
			    "(only ua is allowed)", line, name,
			    params_quote(an, q2, sizeof q2));
			return;
		}
		if (ua_parse(av, &l->pua) == -1) {
			cr_seterr(l->why, "line %zu: %s: ua=\"%s\" (allowed "
			    "na, ro, rw)", line, name,
			    params_quote(av, q2, sizeof q2));
			return;
		}
	}
}

static void
profile_close(struct profile_loader *l, size_t off)
{
	const struct param	*old;
	const char		*value;
	char			*s, why[CR_ERRLEN], msg[CR_ERRLEN];
	size_t			 len;

	if (--l->depth != 1)
		return;

	/* Nothing read since the start tag: it was <X/> (no content). */
	if ((long)off == l->popen)
		value = NULL;
	else if (l->val.len == 0)
		value = "";
	else {
		s = l->val.s;
		len = l->val.len;
		while (len > 0 && profile_space((unsigned char)s[len - 1]))
			len--;
		s[len] = '\0';
		while (profile_space((unsigned char)*s)) {
			s++;
			len--;
		}
		value = s;
		if (len > PARAMS_MAX_VALUE) {
			cr_seterr(l->why, "line %zu: %s: value of %zu bytes is "
			    "longer than %d", l->pline, l->name, len,
			    PARAMS_MAX_VALUE);
			return;
		}
	}
	if ((old = params_find(l->p, l->name)) != NULL) {
		snprintf(msg, sizeof msg, "line %zu: %s: duplicate parameter, "
		    "the last one wins", l->pline, l->name);
		if (l->warn != NULL)
			l->warn(l->arg, msg);
	} else if (params_count(l->p) >= PARAMS_MAX_COUNT) {
		cr_seterr(l->why, "line %zu: %s: more than %d parameters",
		    l->pline, l->name, PARAMS_MAX_COUNT);
		return;
	}
	/* The last element wins whole: without ua it has none. */
	if (params_set(l->p, l->name, value, l->pua, why) == -1)
		cr_seterr(l->why, "line %zu: %s", l->pline, why);
}

/* Character data (DATA) and CDATA sections. */
static void
profile_data(struct profile_loader *l, const char *text)
{
	size_t	lead;

	if (l->depth == 2) {
		if (profile_text_add(&l->val, text) == -1)
			cr_seterr(l->why, "out of memory");
	} else if (l->depth < 2 && !profile_blank(text, strlen(text))) {
		/* The line of its first visible character, not of its start. */
		for (lead = 0; profile_space((unsigned char)text[lead]); lead++)
			continue;
		cr_seterr(l->why, "line %zu: text outside a parameter",
		    profile_line(l, l->mark + lead));
	}
}

static void
profile_sax(mxml_node_t *node, mxml_sax_event_t ev, void *arg)
{
	struct profile_loader	*l = arg;
	const char		*name;
	char			 q[32];
	long			 pos;
	size_t			 off;

	/*
	 * mxml 3.3.1 leaves a name or text NULL when its strdup fails, and
	 * itself compares the name at the close tag: give it one (the parse
	 * has failed) before it does.
	 */
	if (ev == MXML_SAX_DATA ? mxmlGetOpaque(node) == NULL :
	    ev != MXML_SAX_ELEMENT_CLOSE && mxmlGetElement(node) == NULL) {
		if (ev != MXML_SAX_DATA)
			(void)mxmlSetElement(node, "");
		if (l->why[0] == '\0')
			cr_seterr(l->why, "out of memory");
		return;
	}
	if (l->why[0] != '\0')
		return;		/* failed: let mxml run to its end */
	if ((pos = ftell(l->fp)) < 0) {
		cr_seterr(l->why, "cannot tell the position in the document");
		return;
	}
	off = (size_t)pos;
	switch (ev) {
	case MXML_SAX_ELEMENT_OPEN:
		profile_open(l, node, off);
		break;
	case MXML_SAX_ELEMENT_CLOSE:
		profile_close(l, off);
		break;
	case MXML_SAX_DATA:
		profile_data(l, mxmlGetOpaque(node));
		break;
	case MXML_SAX_CDATA:
		/* mxml names the node "![CDATA[" and the content. */
		profile_data(l, mxmlGetElement(node) + 8);
		break;
	case MXML_SAX_COMMENT:
		break;
	case MXML_SAX_DIRECTIVE:
		name = mxmlGetElement(node);
		/* <?...?> processing instructions, the prolog among them. */
		if (name[0] != '?') {
			cr_seterr(l->why, "line %zu: <%s>: DTDs are not "
			    "supported", profile_line(l, l->mark),
			    params_quote(name, q, sizeof q));
		}
		break;
	}
	/* Not a slice's end tag: that is after the slice's text. */
	if (l->depth == 0 && ev != MXML_SAX_DATA && off <= l->to)
		l->end = off;
	/* mxml reports text once it has read the '<' that ends it. */
	l->mark = ev == MXML_SAX_DATA && off > 0 ? off - 1 : off;
}

/* S's first LEN bytes, quoted for a message, into BUF. */
static void
profile_cut(const char *s, size_t len, char *buf, size_t size)
{
	char	raw[64];

	snprintf(raw, sizeof raw, "%.*s", (int)(len < sizeof raw ? len :
	    sizeof raw - 1), s);
	params_quote(raw, buf, size);
}

/* The end of the first NEEDLE in [P, END), or NULL. */
static const char *
profile_past(const char *p, const char *end, const char *needle)
{
	size_t	n = strlen(needle);

	for (; (size_t)(end - p) >= n; p++) {
		if (memcmp(p, needle, n) == 0)
			return p + n;
	}
	return NULL;
}

/* Refuse WHAT at START when it runs on past PROFILE_MAX_ITEM bytes. */
static int
profile_too_long(struct profile_loader *l, const char *start,
    const char *stop, const char *what)
{
	if ((size_t)(stop - start) <= PROFILE_MAX_ITEM)
		return 0;
	cr_seterr(l->why, "line %zu: %s longer than %d bytes",
	    profile_line(l, start - l->doc), what, PROFILE_MAX_ITEM);
	return -1;
}

/*
 * How far to look for the end of the item at START, whose end marker is
 * MARK bytes long: PROFILE_MAX_ITEM bytes, or the document's end when
 * that comes before the marker could.
 */
static const char *
profile_item_lim(const char *start, const char *end, size_t mark)
{
	return (size_t)(end - start) > PROFILE_MAX_ITEM + mark ?
	    start + PROFILE_MAX_ITEM : end;
}

/*
 * The end of the markup at START that ends in NEEDLE, when it ends within
 * PROFILE_MAX_ITEM bytes.  NULL with l->why set when it runs on past
 * that, NULL alone when the document ends first (mxml's to report).
 */
static const char *
profile_item_end(struct profile_loader *l, const char *start, const char *p,
    const char *end, const char *needle, const char *what)
{
	const char	*lim, *q;

	lim = profile_item_lim(start, end, strlen(needle));
	if ((q = profile_past(p, lim, needle)) == NULL && lim != end)
		(void)profile_too_long(l, start, end, what);
	return q;
}

/*
 * The end of the comment at START ("<!--"), where mxml ends it: at the
 * first "-->" with at least one character before it that is not '-'
 * ("<!---->" and "--->" do not end one).  As profile_item_end.
 */
static const char *
profile_comment_end(struct profile_loader *l, const char *start,
    const char *end)
{
	const char	*c = start + 4, *lim, *q;

	lim = profile_item_lim(start, end, 3);
	for (q = c + 3; q < lim; q++) {
		if ((q = memchr(q, '>', lim - q)) == NULL)
			break;
		if (q[-1] == '-' && q[-2] == '-' && q[-3] != '-')
			return q + 1;
	}
	if (lim != end)
		(void)profile_too_long(l, start, end, "a comment is");
	return NULL;
}

/*
 * What runs up to AT, a tag or the end: the text since the last tag
 * (TEXT) outside a parameter, or the parameter's element (from PSTART)
 * inside one, refused past PROFILE_MAX_ITEM.
 */
static int
profile_run_ends(struct profile_loader *l, int depth, const char *text,
    const char *pstart, const char *at)
{
	if (depth < 2)
		return profile_too_long(l, text, at,
		    "the text between two tags is");
	return profile_too_long(l, pstart, at, "a parameter's element is");
}

/*
 * Where mxml stops with an error, within the item at START: no cut past
 * it, and a refusal instead when mxml would first read more than an item
 * may hold.  0 or -1, as profile_shape.
 */
static int
profile_stop(struct profile_loader *l, const char *start, const char *at)
{
	return profile_too_long(l, start, at, "a start tag is");
}

/* Note a place to cut the root's content, if a slice's worth has passed. */
static int
profile_cut_at(struct profile_loader *l, size_t off)
{
	size_t	last = l->ncuts > 0 ? l->cuts[l->ncuts - 1] : 0, *c, size;

	if (off - last < l->slice)
		return 0;
	if (l->ncuts == l->cutsize) {
		size = l->cutsize == 0 ? 64 : l->cutsize * 2;
		if ((c = reallocarray(l->cuts, size, sizeof *c)) == NULL) {
			cr_seterr(l->why, "out of memory");
			return -1;
		}
		l->cuts = c;
		l->cutsize = size;
	}
	l->cuts[l->ncuts++] = off;
	return 0;
}

/*
 * One pass over the text, before mxml, about BUDGET bytes of it per call
 * (1: more to do): an element opened inside a
 * parameter, an element with more attributes than it may have, or an
 * item (a parameter element, a tag, a comment, the text between two
 * tags) longer than PROFILE_MAX_ITEM is refused at once with its line;
 * the places to cut the root's content into slices are noted.  Anything
 * else this lexer does not follow (malformed markup, a DTD) is left to
 * mxml, which reports it: what it skips cannot be deeper than what it
 * has seen, and no place to cut is noted past it.  0 done, or -1.
 */
static int
profile_shape(struct profile_loader *l, size_t budget)
{
	struct profile_shape	*sh = &l->shape;
	const char	*p = sh->p, *end = l->doc + l->len, *name;
	const char	*pname = sh->pname, *an, *first = NULL, *q, *start;
	const char	*text = sh->text, *pstart = sh->pstart, *stop;
	char		 qn[64], qa[64];
	size_t		 namelen, pnamelen = sh->pnamelen, anlen, firstlen = 0;
	size_t		 line;
	int		 depth = sh->depth, nattrs, max, cutting = sh->cutting;
	int		 rooted = sh->rooted, c;

	stop = (size_t)(end - p) > budget ? p + budget : end;
	while (p < stop && (p = memchr(p, '<', end - p)) != NULL) {
		start = p++;
		if (profile_run_ends(l, depth, text, pstart, start) == -1)
			return -1;
		if (depth == 1 && cutting &&
		    profile_cut_at(l, start - l->doc) == -1)
			return -1;
		if (p < end && *p == '?') {
			if ((p = profile_item_end(l, start, p, end, "?>",
			    "a processing instruction is")) == NULL)
				return l->why[0] != '\0' ? -1 : 0;
			text = p;
			continue;
		}
		if (end - p >= 3 && memcmp(p, "!--", 3) == 0) {
			if ((p = profile_comment_end(l, start, end)) == NULL)
				return l->why[0] != '\0' ? -1 : 0;
			text = p;
			continue;
		}
		if (end - p >= 8 && memcmp(p, "![CDATA[", 8) == 0) {
			if ((p = profile_item_end(l, start, p + 8, end, "]]>",
			    "a CDATA section is")) == NULL)
				return l->why[0] != '\0' ? -1 : 0;
			text = p;
			continue;
		}
		if (p < end && *p == '!') {
			/* A DTD: mxml's business, within bounds. */
			(void)profile_item_end(l, start, p, end, ">",
			    "a declaration is");
			return l->why[0] != '\0' ? -1 : 0;
		}
		if (p < end && *p == '/') {
			if ((p = profile_item_end(l, start, p, end, ">",
			    "an end tag is")) == NULL)
				return l->why[0] != '\0' ? -1 : 0;
			text = p;
			if (--depth < 0)
				return 0;	/* mxml stops there */
			if (depth == 1 && profile_too_long(l, pstart, p,
			    "a parameter's element is") == -1)
				return -1;
			if (depth == 0)
				cutting = 0;	/* the root has ended */
			continue;
		}

		/* A start tag: its name, then NAME="VALUE" pairs. */
		name = p;
		while (p < end && !profile_space((unsigned char)*p) &&
		    *p != '>' && *p != '/')
			p++;
		namelen = p - name;
		if (namelen == 0)
			return 0;
		if (depth >= 2) {
			profile_cut(pname, pnamelen, qn, sizeof qn);
			profile_cut(name, namelen, qa, sizeof qa);
			cr_seterr(l->why, "line %zu: %s: element <%s> inside "
			    "a parameter", profile_line(l, start - l->doc),
			    qn, qa);
			return -1;
		}
		max = depth == 0 ? PROFILE_MAX_ROOT_ATTRS : PROFILE_MAX_ATTRS;
		nattrs = 0;
		/*
		 * The rest of the tag as mxml reads it (mxml_parse_element):
		 * where it ends, and whether it opens an element.  Where mxml
		 * would stop with an error, so does this pass (no cut past it).
		 */
		if (p >= end)
			return profile_stop(l, start, p);
		for (c = *p == '/' || *p == '>' ? *p++ : ' ';;) {
			if (c == '/' || c == '?') {
				if (p >= end || *p != '>')
					return profile_stop(l, start, p);
				p++;
				break;
			}
			if (c == '>')
				break;
			/* Between attributes: white space, then a name. */
			while (p < end && profile_space((unsigned char)*p))
				p++;
			if (p >= end || *p == '<')
				return profile_stop(l, start, p);
			if (*p == '/' || *p == '?' || *p == '>') {
				c = *p++;
				continue;
			}
			/*
			 * mxml takes a name in quotes, and ends it at an
			 * entity that stands for its quote: not XML, refused
			 * rather than followed.
			 */
			if (*p == '"' || *p == '\'') {
				profile_cut(name, namelen, qn, sizeof qn);
				cr_seterr(l->why, "line %zu: <%s>: an attribute "
				    "name in quotes", profile_line(l,
				    start - l->doc), qn);
				return -1;
			}
			an = p;
			while (p < end && !profile_space((unsigned char)*p) &&
			    *p != '=' && *p != '/' && *p != '>' && *p != '?')
				p++;
			anlen = p - an;
			/* Name the first attribute that is not ua, if any. */
			if (first == NULL || (firstlen == 2 &&
			    memcmp(first, "ua", 2) == 0)) {
				first = an;
				firstlen = anlen;
			}
			if (++nattrs > max) {
				profile_cut(name, namelen, qn, sizeof qn);
				profile_cut(first, firstlen, qa, sizeof qa);
				line = profile_line(l, start - l->doc);
				if (depth == 0)
					cr_seterr(l->why, "line %zu: <%s>: more "
					    "than %d attributes", line, qn, max);
				else if (strcmp(qa, "ua") == 0)
					cr_seterr(l->why, "line %zu: %s: "
					    "attribute \"ua\" more than once",
					    line, qn);
				else
					cr_seterr(l->why, "line %zu: %s: "
					    "attribute \"%s\" (only ua is "
					    "allowed)", line, qn, qa);
				return -1;
			}
			while (p < end && profile_space((unsigned char)*p))
				p++;
			if (p >= end || *p != '=')
				return profile_stop(l, start, p);
			/* The value: quoted, or up to a space, = / or >. */
			p++;
			while (p < end && profile_space((unsigned char)*p))
				p++;
			if (p >= end)
				return profile_stop(l, start, p);
			if (*p == '"' || *p == '\'') {
				if ((q = memchr(p + 1, *p, end - p - 1)) == NULL)
					return profile_stop(l, start, end);
				c = *q;
				p = q + 1;
			} else {
				for (p++; p < end && !profile_space(
				    (unsigned char)*p) && *p != '=' &&
				    *p != '/' && *p != '>'; p++)
					continue;
				if (p >= end)
					return profile_stop(l, start, p);
				c = *p++;
			}
		}
		if (c != '/') {
			if (++depth == 2) {
				pname = name;
				pnamelen = namelen;
				pstart = start;
			} else if (depth == 1 && !rooted) {
				/* Cut only a root with our name. */
				rooted = 1;
				cutting = namelen == sizeof PROFILE_ROOT - 1 &&
				    memcmp(name, PROFILE_ROOT, namelen) == 0;
			}
		}
		if (profile_too_long(l, start, p, "a start tag is") == -1)
			return -1;
		first = NULL;
		text = p;
	}
	if (p != NULL && p < end) {
		/* The budget is spent: on from here at the next step. */
		sh->p = p;
		sh->pname = pname;
		sh->pnamelen = pnamelen;
		sh->pstart = pstart;
		sh->text = text;
		sh->depth = depth;
		sh->cutting = cutting;
		sh->rooted = rooted;
		return 1;
	}
	return profile_run_ends(l, depth, text, pstart, end) == -1 ? -1 : 0;
}

/*
 * The slice as a read-only stream: our start tag (after the first
 * slice), the document's bytes [FROM, TO), our end tag (before the last
 * slice), at the offsets of the whole document, so ftell() tells where in
 * the document mxml is.  It ends once the load has failed: mxml then
 * stops at the end of its buffer (fopencookie's, 8 KiB at most) instead
 * of reading on to the end.
 */
static ssize_t
profile_stream_read(void *cookie, char *buf, size_t size)
{
	struct profile_loader	*l = cookie;
	const char		*src;
	size_t			 n, done = 0, open = sizeof PROFILE_OPEN - 1;

	if (l->why[0] != '\0')
		return 0;
	while (done < size) {
		if (l->pos < l->from) {		/* our start tag */
			src = PROFILE_OPEN + open - (l->from - l->pos);
			n = l->from - l->pos;
		} else if (l->pos < l->to) {
			src = l->doc + l->pos;
			n = l->to - l->pos;
		} else if (l->next < l->ncuts && l->pos - l->to <
		    sizeof PROFILE_CLOSE - 1) {
			src = PROFILE_CLOSE + (l->pos - l->to);
			n = sizeof PROFILE_CLOSE - 1 - (l->pos - l->to);
		} else
			break;
		if (n > size - done)
			n = size - done;
		memcpy(buf + done, src, n);
		done += n;
		l->pos += n;
	}
	return (ssize_t)done;
}

/* Only what ftell() asks: where the stream is. */
static int
profile_stream_seek(void *cookie, off64_t *off, int whence)
{
	struct profile_loader	*l = cookie;

	if (whence != SEEK_CUR || *off != 0)
		return -1;
	*off = (off64_t)l->pos;
	return 0;
}

struct profile_loader *
profile_loader_new(const char *buf, size_t len, size_t slice,
    profile_warn_cb warn, void *arg, char *err)
{
	struct profile_loader	*l;

	/*
	 * No copy of the document: the stream reads BUF within LEN, so it
	 * needs no terminating NUL, and a refused profile costs no second
	 * copy of itself.
	 */
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->p = params_new()) == NULL) {
		free(l);
		cr_seterr(err, "out of memory");
		return NULL;
	}
	l->warn = warn;
	l->arg = arg;
	l->line = 1;
	l->doc = buf;
	l->len = len;
	l->slice = slice == 0 ? 1 : slice;
	l->phase = PROFILE_TEXT;
	l->state = 1;
	return l;
}

/*
 * The text's check, about BUDGET bytes per call (1: more to do, 0 done,
 * -1 refused): a stray byte or NUL, or no visible character at all.  A
 * chunk is read 3 bytes past its end, so a character it cuts is whole;
 * the next one starts with the first character not wholly in the chunk.
 */
static int
profile_text(struct profile_loader *l, size_t budget)
{
	const char	*buf = l->doc, *bom;
	size_t		 from = l->scanned, to, ext, span, i;

	if (from == 0 && l->len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		l->bom = 3;	/* mxml skips a byte order mark */
	to = l->len - from > budget ? from + budget : l->len;
	ext = l->len - to > 3 ? to + 3 : l->len;
	/*
	 * Checking the encoding first gives a clearer message than mxml's
	 * for a stray byte, and keeps NUL bytes from mxml.
	 */
	span = params_text_span(buf + from, ext - from);
	/*
	 * mxml drops U+FEFF wherever it reads one, which would change a
	 * value unseen and make markup read otherwise than it is written:
	 * only the document's first character may be one.  Whichever of the
	 * two problems comes first is the one told.
	 */
	for (i = from; (bom = memmem(buf + i, from + span - i,
	    "\xef\xbb\xbf", 3)) != NULL; i = (size_t)(bom - buf) + 3) {
		if (bom != buf) {
			cr_seterr(l->why, "line %zu: U+FEFF (a byte order "
			    "mark) inside the document",
			    profile_line(l, (size_t)(bom - buf)));
			return -1;
		}
	}
	if (from + span < to) {
		span += from;
		cr_seterr(l->why, "line %zu: %s", profile_line(l, span),
		    buf[span] == '\0' ? "NUL byte" :
		    "not UTF-8 XML text (a control character or a bad byte)");
		return -1;
	}
	to = from + span;
	for (i = from > l->bom ? from : l->bom; !l->nonblank && i < to; i++)
		l->nonblank = !profile_space((unsigned char)buf[i]);
	l->scanned = to;
	if (to < l->len)
		return 1;
	if (!l->nonblank) {
		cr_seterr(l->why, "empty document: no <" PROFILE_ROOT
		    "> element");
		return -1;
	}
	return 0;
}

/* The checks that need the whole document read. */
static void
profile_finish(struct profile_loader *l)
{
	size_t	end = l->end;

	if (!l->seen_root)
		cr_seterr(l->why, "no <" PROFILE_ROOT "> element");
	else if (!profile_blank(l->doc + end, l->len - end)) {
		while (profile_space((unsigned char)l->doc[end]))
			end++;
		cr_seterr(l->why, "line %zu: text after the <" PROFILE_ROOT
		    "> element", profile_line(l, end));
	}
}

int
profile_loader_step(struct profile_loader *pl, char *err)
{
	struct profile_loader	*l = pl;
	struct profile_mxml_saved saved;
	mxml_node_t		*top;
	FILE			*fp;
	size_t			 k = l->next, open = sizeof PROFILE_OPEN - 1, scan;
	int			 rv;

	if (l->state != 1) {
		cr_seterr(err, "%s", l->state == 0 ? "already read" : l->why);
		return l->state;
	}
	/* First the checks, a chunk per step: far cheaper than mxml's. */
	scan = l->slice <= SIZE_MAX / 16 ? l->slice * 16 : SIZE_MAX;
	switch (l->phase) {
	case PROFILE_TEXT:
		if ((rv = profile_text(l, scan)) == -1)
			goto fail;
		if (rv == 0) {
			l->phase = PROFILE_SHAPE;
			l->mark = l->end = l->bom;
			l->shape.p = l->shape.text = l->doc;
			l->shape.pname = "";
		}
		return 1;
	case PROFILE_SHAPE:
		if ((rv = profile_shape(l, scan)) == -1)
			goto fail;
		if (rv == 0) {
			l->phase = PROFILE_LOAD;
			l->line_off = 0;
			l->line = 1;
		}
		return 1;
	case PROFILE_LOAD:
		break;
	}
	l->from = k == 0 ? 0 : l->cuts[k - 1];
	l->to = k < l->ncuts ? l->cuts[k] : l->len;
	/* A cut is past the root's start tag, longer than ours. */
	l->pos = k == 0 ? 0 : l->from - open;
	l->resume = k > 0;

	if ((top = mxmlNewElement(MXML_NO_PARENT, PROFILE_TOP)) == NULL ||
	    (fp = fopencookie(l, "r", (cookie_io_functions_t){
	    .read = profile_stream_read, .seek = profile_stream_seek })) ==
	    NULL) {
		if (top != NULL)
			mxmlDelete(top);
		cr_seterr(l->why, "out of memory");
		goto fail;
	}
	l->fp = fp;
#ifdef HAVE___FSETLOCKING
	/*
	 * The stream is this call's alone: mxml reads it a byte at a time
	 * with getc(), and once any thread exists (curl's resolver) each
	 * call would take stdio's lock: 5 % of a large import's cost.
	 */
	(void)__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif

	/*
	 * Under a top node of our own mxml accepts white space, comments and
	 * processing instructions around the root; mxml's process-wide
	 * callback is ours for the load only.
	 */
	profile_mxml_enter(&saved, l->why);
	profile_mxml_loading = l;
	if (mxmlSAXLoadFile(top, fp, MXML_OPAQUE_CALLBACK, profile_sax, l) ==
	    NULL && l->why[0] == '\0')
		cr_seterr(l->why, "XML: cannot parse the document");
	profile_mxml_loading = NULL;
	profile_mxml_leave(&saved);
	fclose(fp);
	l->fp = NULL;
	mxmlDelete(top);

	if (l->why[0] == '\0' && k == l->ncuts)
		profile_finish(l);
	if (l->why[0] != '\0')
		goto fail;
	l->next++;
	l->state = k < l->ncuts ? 1 : 0;
	return l->state;
fail:
	l->state = -1;
	cr_seterr(err, "%s", l->why);
	return -1;
}

struct params *
profile_loader_take(struct profile_loader *pl)
{
	struct params	*p;

	if (pl->state != 0)
		return NULL;
	p = pl->p;
	pl->p = NULL;
	return p;
}

size_t
profile_loader_slices(const struct profile_loader *pl)
{
	return pl->ncuts + 1;
}

void
profile_loader_free(struct profile_loader *pl)
{
	if (pl == NULL)
		return;
	params_free(pl->p);
	if (pl->val.s != NULL)
		crypt_wipe(pl->val.s, pl->val.size);
	free(pl->val.s);
	free(pl->cuts);
	free(pl);
}

struct params *
profile_parse(const char *buf, size_t len, profile_warn_cb warn, void *arg,
    char *err)
{
	struct profile_loader	*pl;
	struct params		*p = NULL;
	int			 rv;

	if ((pl = profile_loader_new(buf, len, SIZE_MAX, warn, arg, err)) ==
	    NULL)
		return NULL;
	while ((rv = profile_loader_step(pl, err)) == 1)
		continue;
	if (rv == 0)
		p = profile_loader_take(pl);
	profile_loader_free(pl);
	return p;
}

/*
 * The layout of a saved document, by a node's place in the tree: the
 * prolog on its own line, then <flat-profile>, one parameter per line
 * indented by two spaces, </flat-profile>.  An element is saved alone
 * (profile_write) but stays the root's child meanwhile, so it is laid out
 * as in a whole tree.
 */
static const char *
profile_ws(mxml_node_t *node, int where)
{
	mxml_node_t	*parent = mxmlGetParent(node);

	if (parent == NULL)			/* the prolog */
		return where == MXML_WS_AFTER_OPEN ? "\n" : NULL;
	if (mxmlGetParent(parent) == NULL) {	/* <flat-profile> */
		if (where == MXML_WS_AFTER_OPEN)
			return mxmlGetType(mxmlGetFirstChild(node)) ==
			    MXML_ELEMENT ? "\n" : NULL;
		return where == MXML_WS_AFTER_CLOSE ? "\n" : NULL;
	}
	switch (where) {
	case MXML_WS_BEFORE_OPEN:
		return "  ";
	case MXML_WS_AFTER_OPEN:
		/* <X/> only gets the *_OPEN callbacks: end its line here. */
		return mxmlGetFirstChild(node) == NULL ? "\n" : NULL;
	case MXML_WS_AFTER_CLOSE:
		return "\n";
	}
	return NULL;
}

static int
profile_is_rule(const char *name)
{
	size_t	len = strlen(name);

	return len >= 5 && strcasecmp(name + len - 5, "_Rule") == 0;
}

const char *
profile_shown(const char *name, const char *value, char **owned)
{
	*owned = NULL;
	/* An empty secret stays empty: there is nothing to hide. */
	if (value == NULL || *value == '\0')
		return value;
	if (settings_is_secret(name))
		return PROFILE_MASK;
	if (profile_is_rule(name))
		return *owned = rule_mask_secrets(value);
	return value;
}

/*
 * Writing streams too: one element at a time is built, saved by mxml
 * (which does all the escaping) into a small buffer, handed to the
 * caller's sink and freed, so a document never exists as an mxml tree
 * (for 2,000 parameters that tree was 460 KB, three times the text).
 */
#define PROFILE_ELBUF	1024	/* nearly every element fits: no malloc */
#define PROFILE_FOOT	64	/* "</flat-profile>\n" */

struct profile_out {
	profile_sink_fn	 sink;		/* NULL: only count */
	void		*arg;
	size_t		 len;		/* bytes written so far */
	char		*big;		/* for elements over PROFILE_ELBUF */
	size_t		 bigsize;
	char		 buf[PROFILE_ELBUF];
};

static int
profile_put(struct profile_out *o, const char *s, size_t len)
{
	if (o->sink != NULL && o->sink(o->arg, s, len) != 0)
		return -1;
	o->len += len;
	return 0;
}

/* Save NODE alone with mxml, then hand its text on. */
static int
profile_emit(struct profile_out *o, mxml_node_t *node)
{
	char	*b = o->big != NULL ? o->big : o->buf;
	size_t	 size = o->big != NULL ? o->bigsize : sizeof o->buf;
	int	 n;

	if ((n = mxmlSaveString(node, b, (int)size, profile_ws)) < 0)
		return -1;
	if ((size_t)n >= size) {
		/* Counting needs only the length mxml returned. */
		if (o->sink == NULL) {
			o->len += (size_t)n;
			return 0;
		}
		/* Kept for the rest: the next one may be big too. */
		if (o->big != NULL)
			crypt_wipe(o->big, o->bigsize);
		free(o->big);
		o->bigsize = (size_t)n + 1;
		if ((b = o->big = malloc(o->bigsize)) == NULL)
			return -1;
		if (mxmlSaveString(node, b, (int)o->bigsize, profile_ws) != n)
			return -1;
	}
	return profile_put(o, b, (size_t)n);
}

/*
 * PA's element, written through EL: one element node per document, renamed
 * and refilled for each parameter, takes a fifth off the instructions of
 * a node built and deleted per parameter (profile_write runs twice for
 * every report the agent sends).
 */
static int
profile_element(struct profile_out *o, mxml_node_t *el,
    const struct param *pa, int flags)
{
	mxml_node_t	*text = mxmlGetFirstChild(el);
	const char	*value = pa->value, *ua = ua_name(pa->ua);
	char		*masked = NULL;
	int		 rc = -1;

	if ((flags & PROFILE_MASK_SECRETS) &&
	    (value = profile_shown(pa->name, value, &masked)) == NULL &&
	    pa->value != NULL)
		return -1;
	if (mxmlSetElement(el, pa->name) != 0)
		goto out;
	if (ua != NULL)
		mxmlElementSetAttr(el, "ua", ua);
	else
		mxmlElementDeleteAttr(el, "ua");
	if (value == NULL) {
		if (text != NULL)
			mxmlDelete(text);
	} else if (text != NULL ? mxmlSetOpaque(text, value) != 0 :
	    (text = mxmlNewOpaque(el, value)) == NULL ||
	    mxmlGetOpaque(text) == NULL)
		goto out;
	/* A failed mxmlElementSetAttr shows only here: emit nothing. */
	if (profile_mxml_err != NULL && profile_mxml_err[0] != '\0')
		goto out;
	rc = profile_emit(o, el);
out:
	free(masked);
	return rc;
}

int
profile_write(const struct params *p, int flags, profile_select_cb select,
    void *arg, profile_sink_fn sink, void *sinkarg, size_t *lenp)
{
	struct profile_out	 o;
	struct profile_mxml_saved saved;
	const struct param	*pa;
	mxml_node_t		*prolog, *root, *el;
	char			 why[CR_ERRLEN] = "", foot[PROFILE_FOOT];
	const char		*close;
	size_t			 i, footlen = 0;
	int			 n, rv = -1;

	memset(&o, 0, offsetof(struct profile_out, buf));
	o.sink = sink;
	o.arg = sinkarg;
	/*
	 * mxmlElementSetAttr cannot fail visibly but for its error callback;
	 * the default margin wraps at 72.  Both the host's again at the end.
	 */
	profile_mxml_enter(&saved, why);
	mxmlSetWrapMargin(0);

	/*
	 * The skeleton of an empty document (<flat-profile> and its end tag
	 * on two lines: a newline for content) is what goes before the
	 * elements and after them.  Its first end tag is the root's: the
	 * prolog has none.
	 */
	/*
	 * mxmlNew* leave the name or text NULL when their strdup fails
	 * (mxml 3.3.1), which mxmlSaveString then dereferences: check both.
	 */
	if ((prolog = mxmlNewElement(MXML_NO_PARENT, PROFILE_PROLOG)) == NULL ||
	    mxmlGetElement(prolog) == NULL ||
	    (root = mxmlNewElement(prolog, PROFILE_ROOT)) == NULL ||
	    mxmlGetElement(root) == NULL ||
	    (el = mxmlNewOpaque(root, "\n")) == NULL || mxmlGetOpaque(el) == NULL)
		goto out;
	n = mxmlSaveString(prolog, o.buf, (int)sizeof o.buf, profile_ws);
	if (n < 0 || (size_t)n >= sizeof o.buf ||
	    (close = strstr(o.buf, "</")) == NULL ||
	    (footlen = (size_t)n - (size_t)(close - o.buf)) > sizeof foot)
		goto out;
	memcpy(foot, close, footlen);
	/* The one element node: its name is each parameter's in turn. */
	if (profile_put(&o, o.buf, (size_t)(close - o.buf)) == -1 ||
	    (el = mxmlNewElement(root, PROFILE_ROOT)) == NULL ||
	    mxmlGetElement(el) == NULL)
		goto out;

	for (i = 0; i < params_count(p); i++) {
		pa = params_at(p, i);
		if (select != NULL && !select(arg, pa))
			continue;
		if ((flags & PROFILE_MASK_SECRETS) &&
		    settings_is_omitted(pa->name))
			continue;
		if (profile_element(&o, el, pa, flags) == -1 ||
		    why[0] != '\0')
			goto out;
	}
	if (profile_put(&o, foot, footlen) == -1)
		goto out;
	if (lenp != NULL)
		*lenp = o.len;
	rv = 0;
out:
	profile_mxml_leave(&saved);
	if (prolog != NULL)
		mxmlDelete(prolog);
	/* Values passed through here: leave none behind. */
	crypt_wipe(o.buf, sizeof o.buf);
	if (o.big != NULL)
		crypt_wipe(o.big, o.bigsize);
	free(o.big);
	return rv;
}

/* The block of the exact size that the second pass fills. */
struct profile_collect {
	char	*s;
	size_t	 len;
	size_t	 size;
};

static int
profile_collect(void *arg, const char *s, size_t len)
{
	struct profile_collect	*c = arg;

	if (len > c->size - c->len)
		return -1;
	memcpy(c->s + c->len, s, len);
	c->len += len;
	return 0;
}

/*
 * Measured first, then written into one block of that size: besides the
 * document only one element exists at a time, and nothing is reallocated
 * (no stale copy of a value left in freed memory).  The price is mxml's
 * work twice over.
 */
char *
profile_save_select(const struct params *p, int flags,
    profile_select_cb select, void *arg, size_t *lenp)
{
	struct profile_collect	 c = { NULL, 0, 0 };

	if (profile_write(p, flags, select, arg, NULL, NULL, &c.size) == -1 ||
	    c.size == SIZE_MAX || (c.s = malloc(c.size + 1)) == NULL)
		return NULL;
	if (profile_write(p, flags, select, arg, profile_collect, &c,
	    NULL) == -1 || c.len != c.size) {
		crypt_wipe(c.s, c.len);
		free(c.s);
		return NULL;
	}
	c.s[c.len] = '\0';
	if (lenp != NULL)
		*lenp = c.len;
	return c.s;
}

char *
profile_save(const struct params *p, int flags, size_t *lenp)
{
	return profile_save_select(p, flags, NULL, NULL, lenp);
}
