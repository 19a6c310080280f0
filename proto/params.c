/*
 * params.c — an ordered set of parameters with a case-insensitive index.
 *
 * Entries live in one array in insertion order (reports list them that
 * way); an open-addressing table of array indices gives O(1) lookup by
 * name.  Names compare ASCII case-insensitively, locale-independently:
 * they are ASCII by construction (params_valid_name), so no locale can
 * make "I" and "i" differ.
 *
 * Memory is what an idle agent is made of (docs/benchmarks-agent.md), so
 * each entry's name and value share one allocation (the name, its NUL,
 * the value): half the blocks and malloc headers of two strdups.  A new
 * value therefore moves the name too (params_set, params_apply).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/*
 * Not an XML limit: it keeps error messages and the index sane.  Every
 * vendor parameter name is far shorter.
 */
#define PARAMS_MAX_NAME	256

/* An index + 1 into v, 0 when free: PARAMS_MAX_COUNT fits in 16 bits. */
typedef uint16_t params_slot;
_Static_assert(PARAMS_MAX_COUNT < UINT16_MAX, "params_slot too narrow");

/*
 * No hash is stored per entry (it would add 8 bytes to each of the 32):
 * lookups compare names in the slots they probe, at most half of which
 * are taken, and only a rebuilt index hashes the names again.
 */
struct params {
	struct param	*v;	/* each name is its entry's one block */
	size_t		 n;
	size_t		 cap;
	params_slot	*slot;
	size_t		 nslot;	/* 0 or a power of two >= 2 * cap */
};

static int
params_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
params_fold_equal(const char *a, const char *b)
{
	while (*a != '\0' && (*a == *b || params_lower((unsigned char)*a) ==
	    params_lower((unsigned char)*b))) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

/*
 * The same bytes need no folding: the usual case, a look-up that finds a
 * name spelled as stored, done by the C library's word-wise strcmp.
 */
static int
params_name_equal(const char *a, const char *b)
{
	return strcmp(a, b) == 0 || params_fold_equal(a, b);
}

/*
 * Eight bytes at a time, each with its 0x20 bit set: that folds A-Z onto
 * a-z, so names params_name_equal finds equal hash alike (other bytes it
 * folds together only collide, which the comparison sorts out).  Each
 * word is multiplied in and the result mixed (MurmurHash3's finalizer)
 * so that the low bits, which pick the slot, depend on every byte.  In
 * memory only: the order of a set never depends on it.
 */
static uint32_t
params_hash(const char *name)
{
	const uint64_t	fold = 0x2020202020202020ull;
	const uint64_t	k = 0xff51afd7ed558ccdull;
	size_t		len = strlen(name), i;
	uint64_t	h = 0x9e3779b97f4a7c15ull ^ len, w;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, name + i, 8);
		h = (h ^ (w | fold)) * k;
		h ^= h >> 32;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, name + i, len - i);
		h = (h ^ (w | fold)) * k;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static size_t
params_lookup(const struct params *p, const char *name, uint32_t h)
{
	size_t		mask, i;
	params_slot	s;

	if (p->nslot == 0)
		return SIZE_MAX;
	mask = p->nslot - 1;
	for (i = h & mask; (s = p->slot[i]) != 0; i = (i + 1) & mask) {
		if (params_name_equal(p->v[s - 1].name, name))
			return s - 1;
	}
	return SIZE_MAX;
}

/* Index entry IDX, whose name hashes to H; nslot >= 2 * cap leaves room. */
static void
params_index(struct params *p, size_t idx, uint32_t h)
{
	size_t	mask = p->nslot - 1, i;

	for (i = h & mask; p->slot[i] != 0; i = (i + 1) & mask)
		continue;
	p->slot[i] = (params_slot)(idx + 1);
}

static void
params_reindex(struct params *p)
{
	size_t	i;

	if (p->nslot == 0)
		return;
	memset(p->slot, 0, p->nslot * sizeof *p->slot);
	for (i = 0; i < p->n; i++)
		params_index(p, i, params_hash(p->v[i].name));
}

/*
 * Make room for EXTRA more entries so that adding them cannot fail: the
 * array doubles, or becomes EXACT when asked (a copy that will not grow).
 * The index keeps its load at most 1/2 with the fewest slots that do.
 * On failure the set's contents are untouched (only spare capacity may
 * have grown).
 */
static int
params_room(struct params *p, size_t extra, int exact)
{
	struct param	*v;
	params_slot	*slot;
	size_t		 want = p->n + extra, cap, nslot;

	if (want <= p->cap)
		return 0;
	if (exact)
		cap = want;
	else {
		cap = p->cap < 16 ? 16 : p->cap;
		while (cap < want)
			cap *= 2;
	}
	nslot = p->nslot < 32 ? 32 : p->nslot;
	while (nslot < 2 * cap)
		nslot *= 2;
	if ((slot = calloc(nslot, sizeof *slot)) == NULL)
		return -1;
	if ((v = realloc(p->v, cap * sizeof *v)) == NULL) {
		free(slot);
		return -1;
	}
	p->v = v;
	p->cap = cap;
	free(p->slot);
	p->slot = slot;
	p->nslot = nslot;
	params_reindex(p);
	return 0;
}

/*
 * A new block holding NAME and, after its NUL, VALUE (NULL: a ua-only
 * entry's block, the name alone); *VALUEP points at the copied value or
 * is NULL.  NULL when out of memory.  Lengths are checked by the callers.
 */
static char *
params_block(const char *name, const char *value, char **valuep)
{
	size_t	 nlen = strlen(name) + 1;
	size_t	 vlen = value != NULL ? strlen(value) + 1 : 0;
	char	*b;

	if ((b = malloc(nlen + vlen)) == NULL)
		return NULL;
	memcpy(b, name, nlen);
	*valuep = NULL;
	if (value != NULL) {
		*valuep = b + nlen;
		memcpy(*valuep, value, vlen);
	}
	return b;
}

/*
 * Add an entry taking ownership of NAME's block (its name hashes to H);
 * room is reserved.
 */
static void
params_append(struct params *p, char *name, char *value, enum ua ua,
    uint32_t h)
{
	struct param	*e = &p->v[p->n];

	e->name = name;
	e->value = value;
	e->ua = ua;
	e->seq = 0;
	params_index(p, p->n++, h);
}

struct params *
params_new(void)
{
	return calloc(1, sizeof(struct params));
}

int
params_reserve(struct params *p, size_t n)
{
	return params_room(p, n > PARAMS_MAX_COUNT ? PARAMS_MAX_COUNT : n, 0);
}

void
params_free(struct params *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->v[i].name);	/* the value too */
	free(p->v);
	free(p->slot);
	free(p);
}

struct params *
params_dup(const struct params *src)
{
	struct params		*p;
	const struct param	*e;
	char			*name, *value;
	size_t			 i;

	if ((p = params_new()) == NULL)
		return NULL;
	/* The store's copies replace the live set: exactly its size. */
	if (params_room(p, src->n, 1) == -1)
		goto fail;
	for (i = 0; i < src->n; i++) {
		e = &src->v[i];
		if ((name = params_block(e->name, e->value, &value)) == NULL)
			goto fail;
		p->v[i] = *e;
		p->v[i].name = name;
		p->v[i].value = value;
		p->n++;
	}
	/* The same names in the same order: the same index, if as large. */
	if (p->nslot != 0 && p->nslot == src->nslot)
		memcpy(p->slot, src->slot, p->nslot * sizeof *p->slot);
	else
		params_reindex(p);
	return p;
fail:
	params_free(p);
	return NULL;
}

size_t
params_count(const struct params *p)
{
	return p->n;
}

const struct param *
params_at(const struct params *p, size_t i)
{
	return i < p->n ? &p->v[i] : NULL;
}

const struct param *
params_find(const struct params *p, const char *name)
{
	size_t	i;

	if (name == NULL)
		return NULL;
	i = params_lookup(p, name, params_hash(name));
	return i == SIZE_MAX ? NULL : &p->v[i];
}

/*
 * XML's Name production restricted to ASCII and without ':' (namespaces
 * have no place in a flat profile).
 */
int
params_valid_name(const char *name)
{
	/* 1: a letter or _, anywhere; 2: a digit, - or ., not first. */
	static const unsigned char	 cls[256] = {
		['-'] = 2, ['.'] = 2,
		['0'] = 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
		['A'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		['_'] = 1,
		['a'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	};
	const unsigned char		*u = (const unsigned char *)name;
	size_t				 i;

	if (name == NULL || cls[u[0]] != 1)
		return 0;
	for (i = 1; u[i] != '\0'; i++) {
		if (i >= PARAMS_MAX_NAME || cls[u[i]] == 0)
			return 0;
	}
	return 1;
}

size_t
params_text_span(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	uint32_t		 cp, min;

	while (i < len) {
		cp = u[i];
		if (cp < 0x80) {
			/* XML 1.0 Char: no C0 controls besides TAB, LF, CR. */
			if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')
				return i;
			i++;
			continue;
		}
		if (cp >= 0xc2 && cp <= 0xdf) {
			n = 1;
			cp &= 0x1f;
			min = 0x80;
		} else if (cp >= 0xe0 && cp <= 0xef) {
			n = 2;
			cp &= 0x0f;
			min = 0x800;
		} else if (cp >= 0xf0 && cp <= 0xf4) {
			n = 3;
			cp &= 0x07;
			min = 0x10000;
		} else
			return i;
		if (len - i <= n)
			return i;
		for (k = 1; k <= n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (u[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond Unicode, U+FFFE/FFFF. */
		if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff || cp == 0xfffe || cp == 0xffff)
			return i;
		i += n + 1;
	}
	return len;
}

const char *
params_quote(const char *s, char *buf, size_t size)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 o = 0, limit;

	/* Too small for an escape and the "..." of a cut string. */
	if (size < 16) {
		if (size > 0)
			buf[0] = '\0';
		return buf;
	}
	if (s == NULL) {
		buf[0] = '\0';
		return buf;
	}
	/* Room for one escape (4), the "..." (3) and the NUL. */
	limit = size - 8;
	for (; *u != '\0'; u++) {
		if (o >= limit) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (*u == '"' || *u == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)*u;
		} else if (*u == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (*u < 0x20 || *u == 0x7f) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[*u >> 4];
			buf[o++] = hex[*u & 0xf];
		} else
			buf[o++] = (char)*u;
	}
	buf[o] = '\0';
	return buf;
}

/* Check what params_set would store, naming NAME in the reason. */
static int
params_check(const char *name, const char *value, enum ua ua, char *err)
{
	char	q[64];
	size_t	len, span;

	if (!params_valid_name(name)) {
		cr_seterr(err, "\"%s\": not a parameter name (letters, digits, "
		    "_ - . and not starting with a digit, - or .)",
		    params_quote(name, q, sizeof q));
		return -1;
	}
	if (ua < UA_KEEP || ua > UA_RW) {
		cr_seterr(err, "%s: bad ua", name);
		return -1;
	}
	if (value == NULL)
		return 0;
	len = strlen(value);
	if (len > PARAMS_MAX_VALUE) {
		cr_seterr(err, "%s: value of %zu bytes is longer than %d",
		    name, len, PARAMS_MAX_VALUE);
		return -1;
	}
	if ((span = params_text_span(value, len)) != len) {
		cr_seterr(err, "%s: value is not UTF-8 text (byte %zu)", name,
		    span + 1);
		return -1;
	}
	return 0;
}

int
params_set(struct params *p, const char *name, const char *value,
    enum ua ua, char *err)
{
	struct param	*pa;
	char		*n, *v;
	uint32_t	 h;
	size_t		 i;
	int		 changed = 0;

	if (params_check(name, value, ua, err) == -1)
		return -1;
	h = params_hash(name);
	if ((i = params_lookup(p, name, h)) != SIZE_MAX) {
		pa = &p->v[i];
		if (value != NULL && (pa->value == NULL ||
		    strcmp(pa->value, value) != 0)) {
			/*
			 * A new block with the name as first written; NAME
			 * may be the old block's own: not used after free.
			 */
			if ((n = params_block(pa->name, value, &v)) == NULL) {
				cr_seterr(err, "%s: out of memory", name);
				return -1;
			}
			free(pa->name);
			pa->name = n;
			pa->value = v;
			changed = 1;
		}
		if (ua != UA_KEEP && ua != pa->ua) {
			pa->ua = ua;
			changed = 1;
		}
		return changed;
	}
	if (p->n >= PARAMS_MAX_COUNT) {
		cr_seterr(err, "%s: more than %d parameters", name,
		    PARAMS_MAX_COUNT);
		return -1;
	}
	if (params_room(p, 1, 0) == -1 ||
	    (n = params_block(name, value, &v)) == NULL) {
		cr_seterr(err, "%s: out of memory", name);
		return -1;
	}
	params_append(p, n, v, ua == UA_KEEP ? UA_NONE : ua, h);
	return 1;
}

int
params_remove(struct params *p, const char *name)
{
	size_t	i;

	if (name == NULL ||
	    (i = params_lookup(p, name, params_hash(name))) == SIZE_MAX)
		return 0;
	free(p->v[i].name);	/* the value too */
	memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof *p->v);
	p->n--;
	/* Every later index moved: rebuild rather than patch. */
	params_reindex(p);
	return 1;
}

size_t
params_pos(const struct params *p, const char *name)
{
	return name == NULL ? SIZE_MAX : params_lookup(p, name,
	    params_hash(name));
}

int
params_set_seq(struct params *p, const char *name, uint64_t seq)
{
	size_t	i;

	if (name == NULL ||
	    (i = params_lookup(p, name, params_hash(name))) == SIZE_MAX)
		return -1;
	p->v[i].seq = seq;
	return 0;
}

void
params_set_seq_at(struct params *p, size_t i, uint64_t seq)
{
	if (i < p->n)
		p->v[i].seq = seq;
}

/* One entry of a batch, worked out before anything is changed. */
struct params_step {
	size_t		 at;		/* index in DST, SIZE_MAX when new */
	uint32_t	 hash;
	enum ua		 ua;
	int		 changed;
	char		*block;		/* a new DST entry's, or the block */
	char		*value;		/* replacing one with a new value */
	char		*listed;	/* a block for CHANGED, or NULL */
};

static void
params_steps_free(struct params_step *st, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(st[i].block);
		free(st[i].listed);
	}
	free(st);
}

int
params_apply(struct params *dst, const struct params *src,
    struct params *changed, char *err)
{
	struct params_step	*st, *s;
	const struct param	*in;
	struct param		*cur;
	char			*none;
	size_t			 i, nnew = 0, nlisted = 0;
	int			 samevalue;

	if (dst == src || src->n == 0)
		return 0;
	if ((st = calloc(src->n, sizeof *st)) == NULL) {
		cr_seterr(err, "out of memory");
		return -1;
	}

	/* Work out every step; nothing in DST or CHANGED moves yet. */
	for (i = 0; i < src->n; i++) {
		s = &st[i];
		in = &src->v[i];
		s->hash = params_hash(in->name);
		s->at = params_lookup(dst, in->name, s->hash);
		if (s->at == SIZE_MAX) {
			nnew++;
			s->changed = 1;
			s->ua = in->ua;
			/* A ua-only entry for a new name: the empty value. */
			if ((s->block = params_block(in->name,
			    in->value != NULL ? in->value : "",
			    &s->value)) == NULL)
				goto nomem;
		} else {
			cur = &dst->v[s->at];
			/* No ua attribute in the batch keeps the current. */
			s->ua = in->ua == UA_NONE ? cur->ua : in->ua;
			samevalue = in->value == NULL || (cur->value != NULL &&
			    strcmp(cur->value, in->value) == 0);
			s->changed = !samevalue || s->ua != cur->ua;
			/* The name as DST spells it, with the new value. */
			if (!samevalue && (s->block = params_block(cur->name,
			    in->value, &s->value)) == NULL)
				goto nomem;
		}
		if (s->changed && changed != NULL &&
		    params_lookup(changed, in->name, s->hash) == SIZE_MAX) {
			if ((s->listed = params_block(in->name, NULL,
			    &none)) == NULL)
				goto nomem;
			nlisted++;
		}
	}
	if (dst->n + nnew > PARAMS_MAX_COUNT ||
	    (changed != NULL && changed->n + nlisted > PARAMS_MAX_COUNT)) {
		cr_seterr(err, "the batch would make more than %d parameters",
		    PARAMS_MAX_COUNT);
		params_steps_free(st, src->n);
		return -1;
	}
	if (params_room(dst, nnew, 0) == -1 ||
	    (changed != NULL && params_room(changed, nlisted, 0) == -1))
		goto nomem;

	/* Commit: no allocation from here on, so nothing can fail. */
	for (i = 0; i < src->n; i++) {
		s = &st[i];
		if (s->at == SIZE_MAX) {
			params_append(dst, s->block, s->value, s->ua, s->hash);
			s->block = NULL;
		} else {
			cur = &dst->v[s->at];
			if (s->block != NULL) {
				free(cur->name);
				cur->name = s->block;
				cur->value = s->value;
				s->block = NULL;
			}
			cur->ua = s->ua;
		}
		if (s->listed != NULL) {
			params_append(changed, s->listed, NULL, UA_NONE,
			    s->hash);
			s->listed = NULL;
		}
	}
	params_steps_free(st, src->n);
	return 0;

nomem:
	params_steps_free(st, src->n);
	cr_seterr(err, "out of memory");
	return -1;
}

struct params *
params_changes(const struct params *dst, const struct params *src,
    uint64_t seq, size_t *at, unsigned char *mark, char *err)
{
	struct params		*rec;
	const struct param	*in, *cur;
	uint32_t		*hash = NULL;
	size_t			 i, pos;
	enum ua			 ua;
	char			*block, *value;

	if ((rec = params_new()) == NULL)
		goto nomem;
	if (src->n == 0 || dst == src) {
		memset(mark, 0, src->n);
		return rec;
	}
	/* Exactly: a record never grows, and a fresh store keeps it. */
	if ((hash = malloc(src->n * sizeof *hash)) == NULL ||
	    params_room(rec, src->n, 1) == -1)
		goto nomem;

	/* The names DST knows, as DST spells them, in SRC's order. */
	for (i = 0; i < src->n; i++) {
		in = &src->v[i];
		hash[i] = params_hash(in->name);
		if ((pos = params_lookup(dst, in->name, hash[i])) == SIZE_MAX) {
			mark[i] = 2;
			continue;
		}
		cur = &dst->v[pos];
		ua = in->ua == UA_NONE ? cur->ua : in->ua;
		mark[i] = ua != cur->ua || (in->value != NULL &&
		    (cur->value == NULL || strcmp(cur->value, in->value) != 0));
		if (!mark[i])
			continue;
		if ((block = params_block(cur->name, in->value != NULL ?
		    in->value : cur->value, &value)) == NULL)
			goto nomem;
		at[rec->n] = pos;
		params_append(rec, block, value, ua, hash[i]);
		rec->v[rec->n - 1].seq = seq;
	}
	/* Then the new ones; a ua-only entry gets the empty value. */
	for (i = 0; i < src->n; i++) {
		if (mark[i] != 2)
			continue;
		in = &src->v[i];
		if ((block = params_block(in->name, in->value != NULL ?
		    in->value : "", &value)) == NULL)
			goto nomem;
		at[rec->n] = SIZE_MAX;
		params_append(rec, block, value, in->ua, hash[i]);
		rec->v[rec->n - 1].seq = seq;
	}
	free(hash);
	return rec;

nomem:
	free(hash);
	params_free(rec);
	cr_seterr(err, "out of memory");
	return NULL;
}

int
params_list(struct params *list, const struct params *src,
    const unsigned char *mark, char *err)
{
	const struct param	*in;
	size_t			 i, n = list->n, want = 0;
	uint32_t		 h;
	char			*block, *none;

	for (i = 0; i < src->n; i++)
		want += mark == NULL || mark[i];
	if (params_room(list, want, 0) == -1) {
		cr_seterr(err, "out of memory");
		return -1;
	}
	for (i = 0; i < src->n; i++) {
		if (mark != NULL && !mark[i])
			continue;
		in = &src->v[i];
		h = params_hash(in->name);
		if (params_lookup(list, in->name, h) != SIZE_MAX)
			continue;
		if (list->n >= PARAMS_MAX_COUNT) {
			cr_seterr(err, "%s: more than %d parameters", in->name,
			    PARAMS_MAX_COUNT);
			params_truncate(list, n);
			return -1;
		}
		if ((block = params_block(in->name, NULL, &none)) == NULL) {
			cr_seterr(err, "%s: out of memory", in->name);
			params_truncate(list, n);
			return -1;
		}
		params_append(list, block, NULL, UA_NONE, h);
	}
	return 0;
}

void
params_truncate(struct params *p, size_t n)
{
	size_t	i;

	if (n >= p->n)
		return;
	for (i = n; i < p->n; i++)
		free(p->v[i].name);	/* the value too */
	p->n = n;
	params_reindex(p);
}

/* One entry of a merge, worked out before anything is changed. */
struct params_move {
	size_t		 at;		/* index in DST, SIZE_MAX when new */
	uint32_t	 hash;		/* a new name's */
	int		 newvalue;	/* DST's entry takes SRC's value */
	char		*block;		/* a copy, when SRC's cannot move */
	char		*value;
};

static void
params_moves_free(struct params_move *mv, size_t n)
{
	size_t	i;

	if (mv == NULL)
		return;
	for (i = 0; i < n; i++)
		free(mv[i].block);
	free(mv);
}

int
params_merge(struct params *dst, struct params *src, const size_t *at,
    char *err)
{
	struct params_move	*mv, *m;
	struct param		*in, *cur;
	size_t			 i, nnew = 0;

	if (dst == src || src->n == 0)
		return 0;
	if ((mv = calloc(src->n, sizeof *mv)) == NULL)
		goto nomem;

	/* Work out every step; nothing in DST or SRC moves yet. */
	for (i = 0; i < src->n; i++) {
		m = &mv[i];
		in = &src->v[i];
		if (at != NULL)
			m->at = at[i];
		else {
			m->hash = params_hash(in->name);
			m->at = params_lookup(dst, in->name, m->hash);
		}
		if (m->at == SIZE_MAX) {
			nnew++;
			if (at != NULL)
				m->hash = params_hash(in->name);
			/* A ua-only entry for a new name: the empty value. */
			if (in->value == NULL && (m->block = params_block(
			    in->name, "", &m->value)) == NULL)
				goto nomem;
			continue;
		}
		cur = &dst->v[m->at];
		m->newvalue = in->value != NULL && (cur->value == NULL ||
		    strcmp(cur->value, in->value) != 0);
		/* DST keeps its spelling: SRC's block moves when it is that. */
		if (m->newvalue && strcmp(cur->name, in->name) != 0 &&
		    (m->block = params_block(cur->name, in->value,
		    &m->value)) == NULL)
			goto nomem;
	}
	if (dst->n + nnew > PARAMS_MAX_COUNT) {
		cr_seterr(err, "the batch would make more than %d parameters",
		    PARAMS_MAX_COUNT);
		params_moves_free(mv, src->n);
		return -1;
	}
	if (params_room(dst, nnew, 0) == -1)
		goto nomem;

	/* Commit: no allocation from here on, so nothing can fail. */
	for (i = 0; i < src->n; i++) {
		m = &mv[i];
		in = &src->v[i];
		if (m->at == SIZE_MAX) {
			if (m->block != NULL) {
				free(in->name);
				params_append(dst, m->block, m->value, in->ua,
				    m->hash);
			} else
				params_append(dst, in->name, in->value, in->ua,
				    m->hash);
			dst->v[dst->n - 1].seq = in->seq;
			continue;
		}
		cur = &dst->v[m->at];
		if (m->newvalue) {
			free(cur->name);
			if (m->block != NULL) {
				cur->name = m->block;
				cur->value = m->value;
				free(in->name);
			} else {
				cur->name = in->name;
				cur->value = in->value;
			}
		} else
			free(in->name);
		if (in->ua != UA_NONE)
			cur->ua = in->ua;
		cur->seq = in->seq;
	}
	free(mv);
	/* Every block moved or freed: SRC is an empty set. */
	src->n = 0;
	if (src->nslot != 0)
		memset(src->slot, 0, src->nslot * sizeof *src->slot);
	return 0;

nomem:
	params_moves_free(mv, src->n);
	cr_seterr(err, "out of memory");
	return -1;
}

const char *
ua_name(enum ua ua)
{
	switch (ua) {
	case UA_NA:
		return "na";
	case UA_RO:
		return "ro";
	case UA_RW:
		return "rw";
	default:
		return NULL;
	}
}

int
ua_parse(const char *s, enum ua *ua)
{
	static const enum ua	all[] = { UA_NA, UA_RO, UA_RW };
	size_t			i;

	for (i = 0; s != NULL && i < sizeof all / sizeof all[0]; i++) {
		if (params_fold_equal(s, ua_name(all[i]))) {
			*ua = all[i];
			return 0;
		}
	}
	return -1;
}
