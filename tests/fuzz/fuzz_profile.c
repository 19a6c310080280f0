/*
 * fuzz_profile.c — libFuzzer harness for the flat-profile reader.
 *
 * Whatever the input, profile_parse either fails with a one-line reason
 * or yields a set that survives save -> parse unchanged (and saves to the
 * same bytes again, streamed too); the masked form parses too and hides
 * every secret; applying the set as a batch works and is idempotent.
 * Read in slices (profile_loader_step), the outcome and the message are
 * exactly those of the whole read.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_warn(void *arg, const char *msg)
{
	if (msg == NULL || strchr(msg, '\n') != NULL)
		abort();
}

static int
fuzz_equal(const struct params *a, const struct params *b)
{
	const struct param	*x, *y;
	size_t			 i;

	if (params_count(a) != params_count(b))
		return 0;
	for (i = 0; i < params_count(a); i++) {
		x = params_at(a, i);
		y = params_at(b, i);
		if (strcmp(x->name, y->name) != 0 || x->ua != y->ua ||
		    (x->value == NULL) != (y->value == NULL) ||
		    (x->value != NULL && strcmp(x->value, y->value) != 0))
			return 0;
	}
	return 1;
}

/* profile_write's pieces, checked against the buffered document. */
struct fuzz_cmp {
	const char	*want;
	size_t		 len;
	size_t		 off;
};

static int
fuzz_cmp_sink(void *arg, const char *s, size_t len)
{
	struct fuzz_cmp	*c = arg;

	if (len > c->len - c->off || memcmp(c->want + c->off, s, len) != 0)
		abort();
	c->off += len;
	return 0;
}

/* DATA in slices of SLICE bytes: the same outcome as P/ERR, whole. */
static void
fuzz_sliced(const uint8_t *data, size_t size, size_t slice,
    const struct params *p, const char *err)
{
	struct profile_loader	*pl;
	struct params		*q = NULL;
	char			 err2[CR_ERRLEN] = "";
	int			 rv = -1;

	if ((pl = profile_loader_new((const char *)data, size, slice,
	    fuzz_warn, NULL, err2)) != NULL) {
		while ((rv = profile_loader_step(pl, err2)) == 1)
			continue;
		if (rv == 0)
			q = profile_loader_take(pl);
		profile_loader_free(pl);
	}
	if ((p == NULL) != (q == NULL) || (p == NULL && strcmp(err, err2)) ||
	    (p != NULL && !fuzz_equal(p, q)))
		abort();
	params_free(q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_cmp		 cmp;
	struct params		*p, *q, *m, *d, *chg;
	const struct param	*pa, *ma;
	char			 err[CR_ERRLEN] = "", *s, *t, *ms;
	size_t			 len, tlen, mlen, i;

	p = profile_parse((const char *)data, size, fuzz_warn, NULL, err);
	fuzz_sliced(data, size, 1, p, err);
	fuzz_sliced(data, size, 1 + size % 61, p, err);
	if (p == NULL) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			abort();
		return 0;
	}

	/* Round trip: the same set, then the same bytes. */
	if ((s = profile_save(p, 0, &len)) == NULL || strlen(s) != len)
		abort();
	if ((q = profile_parse(s, len, NULL, NULL, err)) == NULL ||
	    !fuzz_equal(p, q))
		abort();
	if ((t = profile_save(q, 0, &tlen)) == NULL || tlen != len ||
	    memcmp(s, t, len) != 0)
		abort();
	/* Streamed: the same bytes, and the same length measured. */
	cmp.want = s;
	cmp.len = len;
	cmp.off = 0;
	if (profile_write(p, 0, NULL, NULL, fuzz_cmp_sink, &cmp, &tlen) != 0 ||
	    cmp.off != len || tlen != len ||
	    profile_write(p, 0, NULL, NULL, NULL, NULL, &tlen) != 0 ||
	    tlen != len)
		abort();

	/* Masked: still a profile, every secret value gone, IKM left out. */
	if ((ms = profile_save(p, PROFILE_MASK_SECRETS, &mlen)) == NULL ||
	    (m = profile_parse(ms, mlen, NULL, NULL, err)) == NULL)
		abort();
	for (i = 0; i < params_count(p); i++) {
		pa = params_at(p, i);
		ma = params_find(m, pa->name);
		if (settings_is_omitted(pa->name)) {
			if (ma != NULL)
				abort();
			continue;
		}
		if (ma == NULL)
			abort();
		if (settings_is_secret(pa->name) && pa->value != NULL &&
		    pa->value[0] != '\0' && strcmp(ma->value, "*****") != 0)
			abort();
		/* And the agent's settings check never crashes on it. */
		(void)settings_check(pa->name, pa->value, err);
	}

	/* As a batch: onto a copy of itself nothing changes ... */
	if ((d = params_dup(p)) == NULL || (chg = params_new()) == NULL)
		abort();
	if (params_apply(d, q, chg, err) != 0 || params_count(chg) != 0 ||
	    !fuzz_equal(d, p))
		abort();
	params_free(d);
	/* ... onto an empty set every name arrives, ua-only ones empty. */
	if ((d = params_new()) == NULL)
		abort();
	if (params_apply(d, p, chg, err) != 0 ||
	    params_count(d) != params_count(p) ||
	    params_count(chg) != params_count(p))
		abort();
	for (i = 0; i < params_count(d); i++) {
		if (params_at(d, i)->value == NULL)
			abort();
	}
	free(ms);
	if ((ms = report_delta(p, chg, &mlen)) == NULL)
		abort();

	free(ms);
	free(s);
	free(t);
	params_free(chg);
	params_free(d);
	params_free(m);
	params_free(q);
	params_free(p);
	return 0;
}
