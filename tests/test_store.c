/* test_store.c — the durable store: deltas by change number, durability. */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"
#include "failmalloc.h"

#define D1	"delta http://prov.example/d1.xml"
#define D2	"delta tftp://10.0.0.1/d2.xml"

struct fixture {
	char	 dir[64];
	char	 path[128];
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/cfgreport-store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/cfgreport.state", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* A params set from "NAME=VALUE" (or "NAME/ua" for ua-only) strings. */
static struct params *
batch(const char *first, ...)
{
	struct params	*p = params_new();
	va_list		 ap;
	const char	*s;
	char		 name[64], err[CR_ERRLEN], *eq, *sl;
	enum ua		 ua;

	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *)) {
		snprintf(name, sizeof name, "%s", s);
		ua = UA_NONE;
		if ((eq = strchr(name, '=')) != NULL) {
			*eq = '\0';
			assert_int_equal(params_set(p, name, eq + 1, UA_NONE,
			    err), 1);
			continue;
		}
		assert_non_null(sl = strchr(name, '/'));
		*sl = '\0';
		assert_int_equal(ua_parse(sl + 1, &ua), 0);
		assert_int_equal(params_set(p, name, NULL, ua, err), 1);
	}
	va_end(ap);
	return p;
}

/* "A,B,C" of a name list. */
static const char *
names(const struct params *p)
{
	static char	buf[1024];
	size_t		i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < params_count(p); i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s",
		    i ? "," : "", params_at(p, i)->name);
	return buf;
}

/* The delta KEY would hold now, as "A,B,C"; its seq into *SEQ. */
static const char *
delta(struct store *s, const char *key, uint64_t *seq)
{
	struct params	*n;
	const char	*r;
	uint64_t	 dummy;
	char		 err[CR_ERRLEN];

	n = store_delta_names(s, key, seq != NULL ? seq : &dummy, err);
	assert_non_null(n);
	r = names(n);
	assert_int_equal(store_dest_pending(s, key), params_count(n));
	params_free(n);
	return r;
}

static void
apply(struct store *s, const char *first, ...)
{
	struct params	*p = params_new();
	va_list		 ap;
	const char	*a;
	char		 name[64], err[CR_ERRLEN], *eq;

	va_start(ap, first);
	for (a = first; a != NULL; a = va_arg(ap, const char *)) {
		snprintf(name, sizeof name, "%s", a);
		assert_non_null(eq = strchr(name, '='));
		*eq = '\0';
		assert_int_equal(params_set(p, name, eq + 1, UA_NONE, err), 1);
	}
	va_end(ap);
	if (store_apply(s, p, NULL, err) != 0)
		fail_msg("store_apply: %s", err);
	params_free(p);
}

static const char *
value(const struct store *s, const char *name)
{
	const struct param	*p = params_find(store_params(s), name);

	return p != NULL ? p->value : NULL;
}

static char *
file(const char *path, size_t *len)
{
	char	err[CR_ERRLEN], *buf;

	if ((buf = fileio_read(path, STATE_MAX_SIZE, len, err)) == NULL)
		fail_msg("%s", err);
	return buf;
}

/* FNV-1a of BUF, continuing H. */
static uint64_t
fnv(uint64_t h, const char *buf, size_t len)
{
	while (len-- > 0)
		h = (h ^ (unsigned char)*buf++) * 0x100000001b3ULL;
	return h;
}

/*
 * A fingerprint of everything the store keeps on disk (the state file and
 * the journal, or their absence): equal means nothing was written.
 */
static uint64_t
ondisk(const struct fixture *f)
{
	const char	*files[] = { "cfgreport.state", "cfgreport.journal" };
	char		 path[160], *buf;
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i, len;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
		h = fnv(h, "|", 1);
		if (access(path, F_OK) == -1)
			continue;
		buf = file(path, &len);
		h = fnv(h, buf, len);
		h = fnv(h, (const char *)&len, sizeof len);
		free(buf);
	}
	return h;
}

/* A store given the baseline A..F = "0" and a digest of 0x11s. */
static struct store *
opened(struct fixture *f)
{
	struct store	*s;
	struct params	*prof;
	uint8_t		 d[STATE_DIGEST_LEN];
	char		 err[CR_ERRLEN];

	if ((s = store_open(f->dir, err)) == NULL)
		fail_msg("store_open: %s", err);
	assert_true(store_is_fresh(s));
	prof = batch("A=0", "B=0", "C=0", "D=0", "E=0", "F=0",
	    "Periodic_Upload_To_Server=3600", NULL);
	memset(d, 0x11, sizeof d);
	if (store_baseline(s, prof, d, err) != 0)
		fail_msg("store_baseline: %s", err);
	params_free(prof);
	return s;
}

static struct store *
reopen(struct fixture *f, struct store *s)
{
	char	err[CR_ERRLEN];

	store_free(s);
	if ((s = store_open(f->dir, err)) == NULL)
		fail_msg("store_open: %s", err);
	assert_null(store_recovered(s));
	return s;
}

static void
test_fresh_baseline(void **state)
{
	struct fixture		*f = *state;
	struct store		*s;
	struct params		*prof;
	const struct param	*p;
	struct stat		 sb;
	const char		*keys[] = { D1 };
	uint8_t			 d[STATE_DIGEST_LEN];
	uint64_t		 acked;
	char			 err[CR_ERRLEN];
	size_t			 i;

	s = store_open(f->dir, err);
	assert_non_null(s);
	assert_true(store_is_fresh(s));
	assert_null(store_recovered(s));
	assert_int_equal(store_seq(s), 0);
	assert_int_equal(params_count(store_params(s)), 0);
	assert_null(store_profile_digest(s));
	/* Nothing is written before there is a baseline. */
	assert_int_equal(access(f->path, F_OK), -1);
	memset(d, 0x22, sizeof d);
	assert_int_equal(store_dest_retain(s, keys, 1, err), -1);
	assert_non_null(strstr(err, "no configuration stored yet"));
	assert_int_equal(store_dest_ack(s, D1, 0, err), -1);
	assert_int_equal(store_set_profile_digest(s, d, err), -1);
	assert_int_equal(access(f->path, F_OK), -1);

	/* The loaded profile is every destination's baseline. */
	prof = batch("A=1", "B=2", "Speed_Dial_2_2_/rw", NULL);
	assert_int_equal(store_baseline(s, prof, d, err), 0);
	assert_false(store_is_fresh(s));
	assert_int_equal(store_seq(s), 0);
	assert_int_equal(params_count(store_params(s)), 3);
	for (i = 0; i < 3; i++) {
		p = params_at(store_params(s), i);
		assert_string_equal(p->name, params_at(prof, i)->name);
		assert_int_equal(p->seq, 0);
	}
	assert_null(value(s, "Speed_Dial_2_2_"));
	assert_memory_equal(store_profile_digest(s), d, sizeof d);
	assert_int_equal(store_dest_retain(s, keys, 1, err), 0);
	assert_string_equal(delta(s, D1, NULL), "");
	assert_int_equal(store_dest_acked(s, D1, &acked), 1);
	assert_int_equal(acked, 0);
	assert_int_equal(store_baseline(s, prof, d, err), -1);
	assert_non_null(strstr(err, "a baseline exists already"));
	params_free(prof);

	/* Secrets live in the file: owner only. */
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	s = reopen(f, s);
	assert_false(store_is_fresh(s));
	assert_string_equal(value(s, "B"), "2");
	assert_int_equal(params_find(store_params(s), "Speed_Dial_2_2_")->ua,
	    UA_RW);
	assert_memory_equal(store_profile_digest(s), d, sizeof d);
	assert_string_equal(delta(s, D1, NULL), "");
	store_free(s);
}

/* spec.md §5: report 1 holds A, B, C; report 2 holds X, Y, Z only. */
static void
test_spec_example(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	const char	*keys[] = { D1 };
	char		 err[CR_ERRLEN];
	uint64_t	 seq;

	assert_int_equal(store_dest_retain(s, keys, 1, err), 0);
	apply(s, "A=a", NULL);
	apply(s, "B=b", NULL);
	apply(s, "C=c", NULL);
	assert_string_equal(delta(s, D1, &seq), "A,B,C");
	assert_int_equal(seq, 3);
	assert_int_equal(store_dest_ack(s, D1, seq, err), 0);
	assert_string_equal(delta(s, D1, NULL), "");
	apply(s, "X=x", "Y=y", NULL);
	apply(s, "Z=z", NULL);
	assert_string_equal(delta(s, D1, &seq), "X,Y,Z");
	assert_int_equal(store_dest_ack(s, D1, seq, err), 0);
	assert_string_equal(delta(s, D1, NULL), "");
	store_free(s);
}

/* A failed delta changes nothing: its changes come with the next one. */
static void
test_failed_delta_kept(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	const char	*keys[] = { D1 };
	char		 err[CR_ERRLEN];
	uint64_t	 s1, s2;

	assert_int_equal(store_dest_retain(s, keys, 1, err), 0);
	apply(s, "A=a", "B=b", NULL);
	assert_string_equal(delta(s, D1, &s1), "A,B");
	/* The upload failed: no ack.  More changes. */
	apply(s, "C=c", NULL);
	apply(s, "A=a2", NULL);
	assert_string_equal(delta(s, D1, &s2), "A,B,C");
	assert_true(s2 > s1);
	/* Survives a restart too. */
	s = reopen(f, s);
	assert_string_equal(delta(s, D1, NULL), "A,B,C");
	assert_int_equal(store_dest_ack(s, D1, s2, err), 0);
	assert_string_equal(delta(s, D1, NULL), "");
	store_free(s);
}

/* Changes made while a delta is in flight belong to the next one. */
static void
test_change_in_flight(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	const char	*keys[] = { D1 };
	char		 err[CR_ERRLEN];
	uint64_t	 s1, acked;

	assert_int_equal(store_dest_retain(s, keys, 1, err), 0);
	apply(s, "A=a", NULL);
	assert_string_equal(delta(s, D1, &s1), "A");
	apply(s, "B=b", NULL);
	apply(s, "A=again", NULL);	/* changed again after it was built */
	assert_int_equal(store_dest_ack(s, D1, s1, err), 0);
	assert_string_equal(delta(s, D1, NULL), "A,B");
	/* A late 2xx for an older delta does not move the baseline back. */
	assert_int_equal(store_dest_ack(s, D1, 0, err), 0);
	assert_int_equal(store_dest_acked(s, D1, &acked), 1);
	assert_int_equal(acked, s1);
	/* A number the store never gave out is refused. */
	assert_int_equal(store_dest_ack(s, D1, store_seq(s) + 1, err), -1);
	assert_non_null(strstr(err, "beyond the last one"));
	store_free(s);
}

static void
test_two_destinations(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	const char	*keys[] = { D1, D2 };
	char		 err[CR_ERRLEN];
	uint64_t	 seq;

	assert_int_equal(store_dest_retain(s, keys, 2, err), 0);
	apply(s, "A=a", NULL);
	assert_string_equal(delta(s, D1, &seq), "A");
	assert_int_equal(store_dest_ack(s, D1, seq, err), 0);
	apply(s, "B=b", NULL);
	assert_string_equal(delta(s, D1, NULL), "B");
	assert_string_equal(delta(s, D2, &seq), "A,B");
	assert_int_equal(store_dest_ack(s, D2, seq, err), 0);
	assert_string_equal(delta(s, D2, NULL), "");
	assert_string_equal(delta(s, D1, NULL), "B");
	s = reopen(f, s);
	assert_string_equal(delta(s, D1, NULL), "B");
	assert_string_equal(delta(s, D2, NULL), "");
	store_free(s);
}

/* A destination never seen has no history: it starts at now. */
static void
test_unknown_destination(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	const char	*keys[] = { D1, D2 };
	char		 err[CR_ERRLEN];
	uint64_t	 acked, seq;

	apply(s, "A=a", NULL);
	apply(s, "B=b", NULL);
	assert_int_equal(store_dest_acked(s, D2, &acked), 0);
	assert_int_equal(acked, 2);
	assert_string_equal(delta(s, D2, &seq), "");
	assert_int_equal(seq, 2);
	/* Retained, it is durable at now; later changes are its delta. */
	keys[0] = D2;
	assert_int_equal(store_dest_retain(s, keys, 1, err), 0);
	apply(s, "C=c", NULL);
	s = reopen(f, s);
	assert_string_equal(delta(s, D2, NULL), "C");
	/* An ack for an unknown key records it. */
	assert_int_equal(store_dest_ack(s, D1, 2, err), 0);
	assert_int_equal(store_dest_acked(s, D1, &acked), 1);
	assert_int_equal(acked, 2);
	assert_string_equal(delta(s, D1, NULL), "C");
	store_free(s);
}

static void
test_retain(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	const char	*keys[STATE_MAX_DESTS + 1], *two[] = { D2, D2, D1 };
	char		 err[CR_ERRLEN], k[STATE_MAX_DESTS + 1][16];
	char		 longkey[STATE_MAX_KEY + 2];
	uint64_t	 acked;
	uint64_t	 ino;
	size_t		 i;

	keys[0] = D1;
	keys[1] = D2;
	assert_int_equal(store_dest_retain(s, keys, 2, err), 0);
	apply(s, "A=a", NULL);
	assert_int_equal(store_dest_ack(s, D1, 1, err), 0);
	/* The same set, duplicates and another order: nothing written. */
	ino = ondisk(f);
	assert_int_equal(store_dest_retain(s, two, 3, err), 0);
	assert_true(ondisk(f) == ino);
	/* D1 dropped: forgotten, and a later return starts at now. */
	assert_int_equal(store_dest_retain(s, two, 1, err), 0);
	assert_true(ondisk(f) != ino);
	assert_int_equal(store_dest_acked(s, D1, &acked), 0);
	assert_int_equal(store_dest_acked(s, D2, &acked), 1);
	assert_int_equal(acked, 0);
	s = reopen(f, s);
	assert_int_equal(store_dest_acked(s, D1, &acked), 0);
	assert_string_equal(delta(s, D2, NULL), "A");

	/* Limits: sixteen keys, each at most STATE_MAX_KEY bytes. */
	for (i = 0; i <= STATE_MAX_DESTS; i++) {
		snprintf(k[i], sizeof k[i], "key %zu", i);
		keys[i] = k[i];
	}
	assert_int_equal(store_dest_retain(s, keys, STATE_MAX_DESTS + 1, err),
	    -1);
	assert_non_null(strstr(err, "more than 16 destinations"));
	assert_int_equal(store_dest_acked(s, D2, &acked), 1);
	assert_int_equal(store_dest_retain(s, keys, STATE_MAX_DESTS, err), 0);
	assert_int_equal(store_dest_ack(s, "one more", 0, err), -1);
	assert_non_null(strstr(err, "more than 16 destinations"));
	memset(longkey, 'k', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	keys[0] = longkey;
	assert_int_equal(store_dest_retain(s, keys, 1, err), -1);
	assert_non_null(strstr(err, "longer than 4096"));
	assert_int_equal(store_dest_ack(s, "", 0, err), -1);
	s = reopen(f, s);
	assert_int_equal(store_dest_acked(s, "key 15", &acked), 1);
	assert_int_equal(store_dest_acked(s, D2, &acked), 0);
	store_free(s);
}

static void
test_persistence(void **state)
{
	struct fixture		*f = *state;
	struct store		*s = opened(f);
	const struct param	*p;
	const char		*keys[] = { D1, D2 };
	uint8_t			 d[STATE_DIGEST_LEN];
	char			 err[CR_ERRLEN], *before, *after;
	uint64_t		 h0;
	size_t			 blen, alen;
	uint64_t		 acked;

	assert_int_equal(store_dest_retain(s, keys, 2, err), 0);
	apply(s, "A=line1\nline2\t\"q\"\\", "New_One=\xc3\xa9", NULL);
	apply(s, "B=", NULL);
	assert_int_equal(store_dest_ack(s, D2, 1, err), 0);
	memset(d, 0x33, sizeof d);
	assert_int_equal(store_set_profile_digest(s, d, err), 0);
	before = file(f->path, &blen);
	h0 = ondisk(f);

	s = reopen(f, s);
	assert_int_equal(store_seq(s), 2);
	assert_string_equal(value(s, "A"), "line1\nline2\t\"q\"\\");
	assert_string_equal(value(s, "B"), "");
	p = params_find(store_params(s), "new_one");
	assert_non_null(p);
	assert_string_equal(p->name, "New_One");
	assert_int_equal(p->seq, 1);
	assert_int_equal(params_find(store_params(s), "B")->seq, 2);
	assert_int_equal(params_find(store_params(s), "C")->seq, 0);
	/* Insertion order is kept: New_One after the profile's names. */
	assert_string_equal(params_at(store_params(s), 7)->name, "New_One");
	assert_memory_equal(store_profile_digest(s), d, sizeof d);
	assert_int_equal(store_dest_acked(s, D2, &acked), 1);
	assert_int_equal(acked, 1);
	assert_string_equal(delta(s, D1, NULL), "A,B,New_One");
	assert_string_equal(delta(s, D2, NULL), "B");
	/* Opening writes nothing. */
	after = file(f->path, &alen);
	assert_true(ondisk(f) == h0);
	assert_int_equal(blen, alen);
	assert_memory_equal(before, after, blen);
	free(before);
	free(after);
	store_free(s);
}

/* A refused value refuses the whole batch: nothing moves anywhere. */
static void
test_refused_batch(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	struct params	*b, *changed;
	char		 err[CR_ERRLEN], *before, *after;
	uint64_t	 h0;
	size_t		 blen, alen;

	apply(s, "A=a", NULL);
	before = file(f->path, &blen);
	h0 = ondisk(f);
	changed = batch("Z=", NULL);
	b = batch("A=other", "New=n", "Periodic_Upload_To_Server=5", NULL);
	assert_int_equal(store_apply(s, b, changed, err), -1);
	assert_non_null(strstr(err, "Periodic_Upload_To_Server"));
	assert_non_null(strstr(err, "\"5\""));
	params_free(b);
	/* A ua-only entry for a new agent setting would set "": judged. */
	b = batch("A=other", "HTTP_Report_Method/rw", NULL);
	assert_int_equal(store_apply(s, b, changed, err), -1);
	assert_non_null(strstr(err, "HTTP_Report_Method"));
	params_free(b);
	assert_string_equal(value(s, "A"), "a");
	assert_null(params_find(store_params(s), "New"));
	assert_int_equal(store_seq(s), 1);
	assert_string_equal(names(changed), "Z");
	after = file(f->path, &alen);
	assert_true(ondisk(f) == h0);
	assert_int_equal(blen, alen);
	assert_memory_equal(before, after, blen);
	free(after);
	s = reopen(f, s);
	assert_string_equal(value(s, "A"), "a");
	assert_int_equal(store_seq(s), 1);
	free(before);
	params_free(changed);
	store_free(s);
}

/*
 * BIG names with a value of PARAMS_MAX_VALUE bytes of FILL, from FIRST
 * on, as one batch.
 */
static int
apply_big(struct store *s, int first, int count, char fill, char *err)
{
	struct params	*b = params_new();
	char		*v, name[16];
	int		 i, rv;

	assert_non_null(v = malloc(PARAMS_MAX_VALUE + 1));
	memset(v, fill, PARAMS_MAX_VALUE);
	v[PARAMS_MAX_VALUE] = '\0';
	for (i = first; i < first + count; i++) {
		snprintf(name, sizeof name, "Big_%d", i);
		assert_int_equal(params_set(b, name, v, UA_NONE, err), 1);
	}
	free(v);
	rv = store_apply(s, b, NULL, err);
	params_free(b);
	return rv;
}

/*
 * A batch that would make the snapshot larger than STATE_MAX_SIZE is
 * refused whole; one that replaces as many bytes as it adds is not, near
 * the limit, live (the size kept exactly there) or after a replay (an
 * upper bound until then).  About 1,000 values of 64 KB.
 */
static void
test_size_limit(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	char		 err[CR_ERRLEN];
	uint64_t	 seq;
	int		 i;

	/* 1,000 lines of 64 KB and a little: 65.6 MB of 64. */
	for (i = 0; i < 1000; i += 250)
		assert_int_equal(apply_big(s, i, 250, 'a', err), 0);
	seq = store_seq(s);
	assert_int_equal(apply_big(s, 1000, 50, 'a', err), -1);
	assert_string_equal(err, "state: larger than 67108864 bytes");
	assert_int_equal(store_seq(s), seq);
	assert_null(params_find(store_params(s), "Big_1000"));
	/* As many bytes replaced as added: still fits. */
	assert_int_equal(apply_big(s, 0, 500, 'b', err), 0);
	assert_int_equal(apply_big(s, 500, 500, 'c', err), 0);
	assert_int_equal(store_seq(s), seq + 2);
	assert_int_equal(apply_big(s, 1000, 50, 'd', err), -1);
	assert_string_equal(err, "state: larger than 67108864 bytes");
	/* A replay leaves an upper bound: the same answers. */
	s = reopen(f, s);
	assert_int_equal(apply_big(s, 0, 500, 'e', err), 0);
	assert_int_equal(apply_big(s, 1000, 50, 'e', err), -1);
	assert_string_equal(err, "state: larger than 67108864 bytes");
	assert_int_equal(store_seq(s), seq + 3);
	assert_string_equal(params_find(store_params(s), "Big_499")->value +
	    PARAMS_MAX_VALUE - 1, "e");
	assert_string_equal(params_find(store_params(s), "Big_500")->value +
	    PARAMS_MAX_VALUE - 1, "c");
	assert_null(params_find(store_params(s), "Big_1000"));
	store_free(s);
}

/* ua-only entries change only the ua; unchanged batches write nothing. */
static void
test_ua_only_and_no_change(void **state)
{
	struct fixture		*f = *state;
	struct store		*s = opened(f);
	struct params		*b, *changed = params_new();
	const struct param	*p;
	const char		*keys[] = { D1 };
	char			 err[CR_ERRLEN];
	uint64_t		 ino;

	assert_int_equal(store_dest_retain(s, keys, 1, err), 0);
	b = batch("A/rw", "Z=z", NULL);
	assert_int_equal(params_set(changed, "Z", NULL, UA_KEEP, err), 1);
	assert_int_equal(store_apply(s, b, changed, err), 0);
	p = params_find(store_params(s), "A");
	assert_string_equal(p->value, "0");
	assert_int_equal(p->ua, UA_RW);
	assert_int_equal(p->seq, 1);
	/* Z was listed already: listed once. */
	assert_string_equal(names(changed), "Z,A");
	assert_string_equal(delta(s, D1, NULL), "A,Z");

	/* The same batch again changes nothing: no number, no write. */
	ino = ondisk(f);
	assert_int_equal(store_apply(s, b, changed, err), 0);
	assert_int_equal(store_seq(s), 1);
	assert_true(ondisk(f) == ino);
	params_free(b);
	/* Neither does a value equal to the stored one. */
	b = batch("B=0", NULL);
	assert_int_equal(store_apply(s, b, NULL, err), 0);
	assert_int_equal(store_seq(s), 1);
	assert_true(ondisk(f) == ino);
	params_free(b);
	params_free(changed);
	store_free(s);
}

static int
count_tmp(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, ".tmp") != NULL;
	closedir(d);
	return n;
}

/* A write that fails leaves memory, disk and the caller's list as they were. */
static void
test_write_failure(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	struct params	*b, *changed;
	const char	*keys[] = { D1, D2 };
	uint8_t		 d[STATE_DIGEST_LEN];
	char		 err[CR_ERRLEN];
	uint64_t	 acked, h0;
	struct rlimit	 rl, lim;

	assert_int_equal(store_dest_retain(s, keys, 1, err), 0);
	apply(s, "A=a", NULL);
	/*
	 * No byte more may be written to any file (EFBIG, even for root):
	 * the journal's append and a snapshot's temporary both fail.
	 */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
	lim = rl;
	lim.rlim_cur = 1;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	h0 = ondisk(f);

	changed = batch("Q=", NULL);
	b = batch("A=b", "New=n", NULL);
	assert_int_equal(store_apply(s, b, changed, err), -1);
	assert_non_null(strstr(err, f->dir));
	assert_string_equal(value(s, "A"), "a");
	assert_null(params_find(store_params(s), "New"));
	assert_int_equal(store_seq(s), 1);
	assert_string_equal(names(changed), "Q");
	assert_int_equal(store_dest_ack(s, D1, 1, err), -1);
	assert_int_equal(store_dest_acked(s, D1, &acked), 1);
	assert_int_equal(acked, 0);
	assert_int_equal(store_dest_ack(s, D2, 1, err), -1);
	assert_int_equal(store_dest_acked(s, D2, &acked), 0);
	assert_int_equal(store_dest_retain(s, keys, 2, err), -1);
	assert_int_equal(store_dest_acked(s, D2, &acked), 0);
	memset(d, 0x44, sizeof d);
	assert_int_equal(store_set_profile_digest(s, d, err), -1);
	memset(d, 0x11, sizeof d);
	assert_memory_equal(store_profile_digest(s), d, sizeof d);
	assert_string_equal(delta(s, D1, NULL), "A");
	/* No temporary is left behind by the failures. */
	assert_int_equal(count_tmp(f->dir), 0);

	assert_true(ondisk(f) == h0);

	/* Once writes work again, the same batch goes through whole. */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
	assert_int_equal(store_apply(s, b, changed, err), 0);
	assert_string_equal(names(changed), "Q,A,New");
	params_free(b);
	params_free(changed);
	s = reopen(f, s);
	assert_string_equal(value(s, "A"), "b");
	assert_string_equal(value(s, "New"), "n");
	assert_string_equal(delta(s, D1, NULL), "A,New");
	store_free(s);
}

/* Every allocation of a batch failing in turn: all or nothing each time. */
static void
test_failmalloc(void **state)
{
	struct fixture	*f = *state;
	struct store	*s;
	struct params	*b, *changed;
	char		 err[CR_ERRLEN], *before, *after;
	uint64_t	 h0;
	size_t		 blen, alen;
	long		 n;
	int		 rc;

	if (!failmalloc_active())
		skip();
	s = opened(f);
	apply(s, "A=a", NULL);
	before = file(f->path, &blen);
	h0 = ondisk(f);
	changed = batch("Q=", NULL);
	b = batch("A=b", "New=n", "Other=o", NULL);
	for (n = 0;; n++) {
		failmalloc_after(n);
		rc = store_apply(s, b, changed, err);
		failmalloc_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -1);
		assert_string_equal(value(s, "A"), "a");
		assert_null(params_find(store_params(s), "New"));
		assert_int_equal(store_seq(s), 1);
		assert_string_equal(names(changed), "Q");
		after = file(f->path, &alen);
		assert_true(ondisk(f) == h0);
		assert_int_equal(blen, alen);
		assert_memory_equal(before, after, blen);
		free(after);
	}
	assert_true(n > 10);
	assert_string_equal(names(changed), "Q,A,New,Other");
	assert_int_equal(store_seq(s), 2);
	params_free(b);
	params_free(changed);
	free(before);
	s = reopen(f, s);
	assert_string_equal(value(s, "Other"), "o");
	store_free(s);
}

/* A damaged state file is set aside and reported; the store starts fresh. */
static void
test_corrupt(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	char		 err[CR_ERRLEN], aside[160], *good, *kept;
	size_t		 len, klen;
	FILE		*fp;

	apply(s, "A=a", NULL);
	store_free(s);
	good = file(f->path, &len);
	snprintf(aside, sizeof aside, "%s.corrupt", f->path);

	/* One flipped bit in a value. */
	good[len / 2] ^= 0x04;
	assert_int_equal(fileio_write_atomic(f->path, good, len, 0600, err),
	    0);
	s = store_open(f->dir, err);
	assert_non_null(s);
	assert_true(store_is_fresh(s));
	assert_non_null(store_recovered(s));
	assert_non_null(strstr(store_recovered(s), "checksum mismatch"));
	assert_non_null(strstr(store_recovered(s), aside));
	assert_true(store_damaged(s));
	assert_int_equal(access(f->path, F_OK), -1);
	kept = file(aside, &klen);
	assert_int_equal(klen, len);
	assert_memory_equal(kept, good, len);
	free(kept);
	assert_int_equal(params_count(store_params(s)), 0);
	store_free(s);

	/* Torn: cut short.  The newer bad file replaces the kept one. */
	good[len / 2] ^= 0x04;
	assert_int_equal(fileio_write_atomic(f->path, good, len / 3, 0600,
	    err), 0);
	s = store_open(f->dir, err);
	assert_non_null(s);
	assert_true(store_is_fresh(s));
	assert_non_null(strstr(store_recovered(s), "no end line"));
	kept = file(aside, &klen);
	assert_int_equal(klen, len / 3);
	free(kept);
	store_free(s);

	/* Empty, another version, another kind of file. */
	fp = fopen(f->path, "w");
	fclose(fp);
	s = store_open(f->dir, err);
	assert_non_null(strstr(store_recovered(s), "not a cfgreport state"));
	store_free(s);
	fp = fopen(f->path, "w");
	fputs("cfgreport-state 3\n", fp);
	fclose(fp);
	s = store_open(f->dir, err);
	assert_non_null(strstr(store_recovered(s), "format version 3"));
	store_free(s);

	/* Once set aside, the next open is an ordinary fresh one. */
	s = store_open(f->dir, err);
	assert_null(store_recovered(s));
	assert_true(store_is_fresh(s));
	store_free(s);
	free(good);
}

/* What is not damage is an error, and nothing is moved. */
static void
test_open_errors(void **state)
{
	struct fixture	*f = *state;
	struct store	*s, *t;
	char		 err[CR_ERRLEN], path[192];
	FILE		*fp;

	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_null(store_open(f->dir, err));
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(rmdir(f->path), 0);

	/* The directory is made when missing (one level). */
	snprintf(path, sizeof path, "%s/sub", f->dir);
	s = store_open(path, err);
	assert_non_null(s);
	/* One store per directory. */
	t = store_open(path, err);
	assert_null(t);
	assert_non_null(strstr(err, "in use by another agent"));
	store_free(s);
	s = store_open(path, err);
	assert_non_null(s);
	store_free(s);
	snprintf(path, sizeof path, "%s/no/such", f->dir);
	assert_null(store_open(path, err));

	/* Temporaries of a killed write are swept; nothing else is. */
	snprintf(path, sizeof path, "%s.tmpAbC123", f->path);
	fp = fopen(path, "w");
	fclose(fp);
	snprintf(path, sizeof path, "%s.tmpAbC", f->path);
	fp = fopen(path, "w");
	fclose(fp);
	s = store_open(f->dir, err);
	assert_non_null(s);
	snprintf(path, sizeof path, "%s.tmpAbC123", f->path);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof path, "%s.tmpAbC", f->path);
	assert_int_equal(access(path, F_OK), 0);
	store_free(s);
}

static void
test_digest(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	uint8_t		 d[STATE_DIGEST_LEN];
	char		 err[CR_ERRLEN];
	uint64_t	 ino;

	memset(d, 0x11, sizeof d);
	assert_memory_equal(store_profile_digest(s), d, sizeof d);
	ino = ondisk(f);
	assert_int_equal(store_set_profile_digest(s, d, err), 0);
	assert_true(ondisk(f) == ino);
	assert_int_equal(state_sha256("<flat-profile/>", 15, d), 0);
	assert_int_equal(store_set_profile_digest(s, d, err), 0);
	assert_true(ondisk(f) != ino);
	s = reopen(f, s);
	assert_memory_equal(store_profile_digest(s), d, sizeof d);
	assert_int_equal(store_seq(s), 0);
	store_free(s);

	/* A baseline without a digest has none. */
	assert_int_equal(unlink(f->path), 0);
	s = store_open(f->dir, err);
	assert_true(store_is_fresh(s));
	{
		struct params	*p = batch("A=1", NULL);

		assert_int_equal(store_baseline(s, p, NULL, err), 0);
		params_free(p);
	}
	assert_null(store_profile_digest(s));
	s = reopen(f, s);
	assert_null(store_profile_digest(s));
	store_free(s);
}

/* A fresh store may also start from batches; the numbers run out loudly. */
static void
test_apply_fresh_and_exhausted(void **state)
{
	struct fixture	*f = *state;
	struct store	*s;
	struct state	 st;
	struct params	*b;
	char		 err[CR_ERRLEN], *buf;
	size_t		 len;

	s = store_open(f->dir, err);
	apply(s, "A=a", NULL);
	assert_false(store_is_fresh(s));
	assert_int_equal(store_seq(s), 1);
	store_free(s);

	memset(&st, 0, sizeof st);
	st.seq = UINT64_MAX;
	st.params = batch("A=a", NULL);
	buf = state_encode(&st, &len, err);
	assert_non_null(buf);
	assert_int_equal(fileio_write_atomic(f->path, buf, len, 0600, err),
	    0);
	free(buf);
	state_clear(&st);
	s = store_open(f->dir, err);
	assert_null(store_recovered(s));
	b = batch("A=b", NULL);
	assert_int_equal(store_apply(s, b, NULL, err), -1);
	assert_non_null(strstr(err, "change numbers exhausted"));
	assert_string_equal(value(s, "A"), "a");
	params_free(b);
	store_free(s);
}

static void
jpath(const struct fixture *f, char *buf, size_t size)
{
	snprintf(buf, size, "%s/cfgreport.journal", f->dir);
}

static off_t
fsize(const char *path)
{
	struct stat	sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

/*
 * A torn last record (every cut inside it) is ignored and reported; the
 * batch it held is absent, the rest is there, and the next batch follows
 * the last whole record.
 */
static void
test_journal_torn(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	char		 jp[160], err[CR_ERRLEN], *whole;
	size_t		 wlen;
	off_t		 before, k;

	jpath(f, jp, sizeof jp);
	apply(s, "A=a", NULL);
	apply(s, "B=b", NULL);
	before = fsize(jp);
	apply(s, "C=c", "A=a2", NULL);
	store_free(s);
	whole = file(jp, &wlen);
	for (k = before + 1; k < (off_t)wlen; k++) {
		assert_int_equal(fileio_write_atomic(jp, whole, (size_t)k,
		    0600, err), 0);
		s = store_open(f->dir, err);
		assert_non_null(s);
		assert_non_null(store_recovered(s));
		assert_non_null(strstr(store_recovered(s),
		    "incomplete last record"));
		assert_false(store_damaged(s));
		assert_false(store_is_fresh(s));
		assert_int_equal(store_seq(s), 2);
		assert_string_equal(value(s, "A"), "a");
		assert_string_equal(value(s, "C"), "0");
		store_free(s);
	}
	/* Zeros where the file system never wrote the tail: torn too. */
	memset(whole + before, 0, wlen - (size_t)before);
	assert_int_equal(fileio_write_atomic(jp, whole, wlen, 0600, err), 0);
	s = store_open(f->dir, err);
	assert_non_null(strstr(store_recovered(s), "incomplete last record"));
	/* The next record goes where the torn one began. */
	apply(s, "D=d", NULL);
	assert_int_equal(store_seq(s), 3);
	s = reopen(f, s);
	assert_int_equal(store_seq(s), 3);
	assert_string_equal(value(s, "D"), "d");
	assert_string_equal(value(s, "A"), "a");
	store_free(s);
	free(whole);
}

/*
 * A damaged record with whole records after it is damage, not a torn
 * tail: the journal is set aside loudly, the store keeps the records
 * before it and writes them as its snapshot at once.
 */
static void
test_journal_damaged(void **state)
{
	struct fixture	*f = *state;
	struct store	*s = opened(f);
	char		 jp[160], aside[192], err[CR_ERRLEN], *buf;
	size_t		 len;
	off_t		 mid;

	jpath(f, jp, sizeof jp);
	apply(s, "A=a", NULL);
	mid = fsize(jp);
	apply(s, "B=b", NULL);
	apply(s, "C=c", NULL);
	store_free(s);
	buf = file(jp, &len);
	buf[mid + 12] ^= 0x20;
	assert_int_equal(fileio_write_atomic(jp, buf, len, 0600, err), 0);
	s = store_open(f->dir, err);
	assert_non_null(s);
	assert_non_null(strstr(store_recovered(s), "record 2 at byte"));
	assert_non_null(strstr(store_recovered(s), "checksum mismatch"));
	assert_true(store_damaged(s));
	snprintf(aside, sizeof aside, "%s.corrupt", jp);
	assert_non_null(strstr(store_recovered(s), aside));
	assert_int_equal(access(aside, F_OK), 0);
	assert_int_equal(store_seq(s), 1);
	assert_string_equal(value(s, "A"), "a");
	assert_string_equal(value(s, "B"), "0");
	/* Kept: the next open is quiet and the same. */
	s = reopen(f, s);
	assert_int_equal(store_seq(s), 1);
	assert_string_equal(value(s, "A"), "a");
	apply(s, "E=e", NULL);
	s = reopen(f, s);
	assert_string_equal(value(s, "E"), "e");
	store_free(s);

	/* A record that does not fit the state (a batch out of order). */
	free(buf);
	buf = file(jp, &len);
	assert_int_equal(fileio_write_atomic(jp, buf, len, 0600, err), 0);
	{
		struct journal_rec	 r;
		uint8_t			*rec;
		size_t			 rlen;
		FILE			*fp;

		memset(&r, 0, sizeof r);
		r.type = JOURNAL_BATCH;
		r.num = 2;
		r.seq = 9;
		r.params = batch("G=g", NULL);
		assert_non_null(rec = journal_encode(&r, &rlen, err));
		assert_non_null(fp = fopen(jp, "a"));
		assert_int_equal(fwrite(rec, 1, rlen, fp), rlen);
		fclose(fp);
		free(rec);
		journal_rec_clear(&r);
	}
	s = store_open(f->dir, err);
	assert_non_null(strstr(store_recovered(s), "batch 9 after change 2"));
	assert_int_equal(store_seq(s), 2);
	assert_null(params_find(store_params(s), "G"));
	store_free(s);
	free(buf);
}

/*
 * Compaction: once the journal passes the bound, a new snapshot and an
 * empty journal.  A crash between the two leaves the old journal beside
 * the new snapshot: its head names the old snapshot, so it is not
 * replayed (its records are in the snapshot already).
 */
static void
test_compaction(void **state)
{
	struct fixture		*f = *state;
	struct store		*s = opened(f);
	struct store_stats	 st;
	char			 jp[160], err[CR_ERRLEN], v[32], *old = NULL;
	size_t			 olen = 0;
	int			 i;

	jpath(f, jp, sizeof jp);
	store_compact_at(s, 1000);
	for (i = 1; i <= 200; i++) {
		snprintf(v, sizeof v, "A=%d", i);
		apply(s, v, NULL);
		store_stats(s, &st);
		assert_true(st.journal <= 1000 + 100);
	}
	store_stats(s, &st);
	assert_true(st.records < 200);
	assert_int_equal(st.journal, (uint64_t)fsize(jp));
	assert_int_equal(st.snapshot, (uint64_t)fsize(f->path));
	s = reopen(f, s);
	assert_int_equal(store_seq(s), 200);
	assert_string_equal(value(s, "A"), "200");

	/* The crash between the snapshot's rename and the new journal's. */
	for (i = 201; i <= 205; i++) {
		snprintf(v, sizeof v, "A=%d", i);
		apply(s, v, NULL);
	}
	old = file(jp, &olen);
	store_compact_at(s, 1);
	apply(s, "B=b", NULL);
	store_stats(s, &st);
	assert_int_equal(st.records, 0);
	store_free(s);
	assert_int_equal(fileio_write_atomic(jp, old, olen, 0600, err), 0);
	s = reopen(f, NULL);
	assert_int_equal(store_seq(s), 206);
	assert_string_equal(value(s, "A"), "205");
	assert_string_equal(value(s, "B"), "b");
	apply(s, "B=c", NULL);
	s = reopen(f, s);
	assert_int_equal(store_seq(s), 207);
	assert_string_equal(value(s, "B"), "c");
	store_free(s);
	free(old);

	/*
	 * A state file from before the journal (or a journal deleted: its
	 * records are lost): the snapshot alone, and the first change
	 * starts a journal.
	 */
	assert_int_equal(unlink(jp), 0);
	s = reopen(f, NULL);
	assert_int_equal(store_seq(s), 206);
	apply(s, "C=c", NULL);
	s = reopen(f, s);
	assert_string_equal(value(s, "C"), "c");
	store_free(s);

	/* A journal without its state file is set aside. */
	assert_int_equal(unlink(f->path), 0);
	s = store_open(f->dir, err);
	assert_true(store_is_fresh(s));
	assert_non_null(strstr(store_recovered(s), "without its state"));
	store_free(s);
}

/* --- a seeded model: random operations and crashes against a reference --- */

#define M_NAMES		12
#define M_KEYS		4
/* A journal's head record: frame, type, number, magic, version, id. */
#define M_HEAD		(JOURNAL_FRAME + 1 + 8 + 17 + 1 + STATE_DIGEST_LEN)

struct model {
	struct params	*p;		/* names, values, ua, change numbers */
	uint64_t	 seq;
	int		 known[M_KEYS];
	uint64_t	 acked[M_KEYS];
	int		 has_digest;
	uint8_t		 digest;	/* every byte of it */
};

static const char *m_keys[M_KEYS] = { "delta a", "delta b", "delta c",
    "delta d" };

static void
model_copy(struct model *dst, const struct model *src)
{
	*dst = *src;
	dst->p = params_dup(src->p);
	assert_non_null(dst->p);
}

static uint32_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (uint32_t)(*x >> 11);
}

/* The store holds exactly what the model says. */
static void
model_check(const struct model *m, const struct store *s, uint64_t seed,
    int step)
{
	const struct param	*a, *b;
	uint64_t		 acked;
	size_t			 i;
	int			 k, known;

	if (store_seq(s) != m->seq ||
	    params_count(store_params(s)) != params_count(m->p))
		fail_msg("seed %llu step %d: seq %llu/%llu, %zu/%zu names",
		    (unsigned long long)seed, step,
		    (unsigned long long)store_seq(s),
		    (unsigned long long)m->seq,
		    params_count(store_params(s)), params_count(m->p));
	for (i = 0; i < params_count(m->p); i++) {
		a = params_at(m->p, i);
		b = params_at(store_params(s), i);
		if (strcmp(a->name, b->name) != 0 || a->ua != b->ua ||
		    a->seq != b->seq || (a->value == NULL) !=
		    (b->value == NULL) || (a->value != NULL &&
		    strcmp(a->value, b->value) != 0))
			fail_msg("seed %llu step %d: %s differs",
			    (unsigned long long)seed, step, a->name);
	}
	for (k = 0; k < M_KEYS; k++) {
		known = store_dest_acked(s, m_keys[k], &acked);
		if (known != m->known[k] || (known && acked != m->acked[k]))
			fail_msg("seed %llu step %d: %s at %llu, want %llu",
			    (unsigned long long)seed, step, m_keys[k],
			    (unsigned long long)acked,
			    (unsigned long long)m->acked[k]);
	}
	if ((store_profile_digest(s) != NULL) != m->has_digest ||
	    (m->has_digest && store_profile_digest(s)[5] != m->digest))
		fail_msg("seed %llu step %d: digest differs",
		    (unsigned long long)seed, step);
}

/*
 * Random batches (values and ua from small sets, so many change
 * nothing), acks (some late), retains, digests, reopens and "crashes":
 * the journal cut at a random byte, as a power cut may leave it before
 * the fsync.  The model keeps its state after each record, so a cut
 * anywhere has one right answer: the state after the last whole record.
 */
static void
model_run(struct fixture *f, uint64_t seed, int steps)
{
	struct model		 m, hist[400];
	struct store		*s;
	struct store_stats	 st;
	struct params		*b, *ch;
	uint64_t		 x = seed * 2654435761u + 1, off[400], acked;
	const char		*keys[M_KEYS];
	char			 jp[160], err[CR_ERRLEN], name[16], val[16];
	uint8_t			 d[STATE_DIGEST_LEN];
	size_t			 nhist = 0, i, nk;
	off_t			 cut;
	int			 step, op, k, n, j, rc;

	jpath(f, jp, sizeof jp);
	memset(&m, 0, sizeof m);
	m.p = batch("N0=0", "N1=0", "N2=0", NULL);
	s = store_open(f->dir, err);
	assert_int_equal(store_baseline(s, m.p, NULL, err), 0);
	store_compact_at(s, 600 + rnd(&x) % 2000);
	store_stats(s, &st);
	model_copy(&hist[nhist], &m);
	off[nhist++] = st.journal;
	for (step = 0; step < steps; step++) {
		op = (int)(rnd(&x) % 100);
		if (op < 50) {
			b = params_new();
			n = 1 + (int)(rnd(&x) % 3);
			for (j = 0; j < n; j++) {
				snprintf(name, sizeof name, "N%u",
				    rnd(&x) % M_NAMES);
				snprintf(val, sizeof val, "%u", rnd(&x) % 4);
				params_set(b, name, rnd(&x) % 5 == 0 ? NULL :
				    val, (enum ua)(rnd(&x) % 4), err);
			}
			rc = store_apply(s, b, NULL, err);
			if (rc != 0)
				fail_msg("seed %llu step %d: %s",
				    (unsigned long long)seed, step, err);
			ch = params_new();
			assert_int_equal(params_apply(m.p, b, ch, err), 0);
			if (params_count(ch) > 0) {
				m.seq++;
				for (i = 0; i < params_count(ch); i++)
					params_set_seq(m.p,
					    params_at(ch, i)->name, m.seq);
			}
			params_free(ch);
			params_free(b);
		} else if (op < 70) {
			k = (int)(rnd(&x) % M_KEYS);
			acked = m.seq > 0 ? rnd(&x) % (m.seq + 1) : 0;
			nk = 0;
			for (j = 0; j < M_KEYS; j++)
				nk += m.known[j];
			rc = store_dest_ack(s, m_keys[k], acked, err);
			assert_int_equal(rc, 0);
			if (!m.known[k] || m.acked[k] < acked) {
				m.known[k] = 1;
				m.acked[k] = acked;
			}
		} else if (op < 80) {
			nk = 0;
			for (j = 0; j < M_KEYS; j++) {
				if (rnd(&x) % 2)
					keys[nk++] = m_keys[j];
			}
			assert_int_equal(store_dest_retain(s, keys, nk, err),
			    0);
			for (j = 0; j < M_KEYS; j++) {
				int in = 0;

				for (i = 0; i < nk; i++)
					in |= keys[i] == m_keys[j];
				if (in && !m.known[j])
					m.acked[j] = m.seq;
				m.known[j] = in;
			}
		} else if (op < 85) {
			m.has_digest = 1;
			m.digest = (uint8_t)(rnd(&x) % 3);
			memset(d, m.digest, sizeof d);
			assert_int_equal(store_set_profile_digest(s, d, err),
			    0);
		} else if (op < 92) {
			store_free(s);
			if ((s = store_open(f->dir, err)) == NULL)
				fail_msg("seed %llu step %d: %s",
				    (unsigned long long)seed, step, err);
			/* A torn tail stays until the next record. */
			if (store_recovered(s) != NULL &&
			    strstr(store_recovered(s), "incomplete") == NULL)
				fail_msg("seed %llu step %d: %s",
				    (unsigned long long)seed, step,
				    store_recovered(s));
			store_compact_at(s, 600 + rnd(&x) % 2000);
		} else {
			/* A cut at a random byte of what the journal holds. */
			store_stats(s, &st);
			store_free(s);
			/* Never in the head: it is written whole, renamed. */
			cut = M_HEAD + (off_t)(rnd(&x) % (st.journal - M_HEAD +
			    1));
			assert_int_equal(truncate(jp, cut), 0);
			if ((s = store_open(f->dir, err)) == NULL)
				fail_msg("seed %llu step %d: %s",
				    (unsigned long long)seed, step, err);
			if (store_recovered(s) != NULL &&
			    strstr(store_recovered(s), "kept as") != NULL)
				fail_msg("seed %llu step %d: %s",
				    (unsigned long long)seed, step,
				    store_recovered(s));
			store_compact_at(s, 600 + rnd(&x) % 2000);
			/* The state after the last whole record. */
			for (i = nhist; i-- > 0; ) {
				if (off[i] <= (uint64_t)cut)
					break;
			}
			assert_true(i != (size_t)-1);
			params_free(m.p);
			model_copy(&m, &hist[i]);
			/* What was past the cut is gone. */
			for (j = (int)i + 1; j < (int)nhist; j++)
				params_free(hist[j].p);
			nhist = i + 1;
		}
		model_check(&m, s, seed, step);
		/* Remember the state at each journal length since its head. */
		store_stats(s, &st);
		if (nhist > 0 && st.journal < off[nhist - 1]) {
			for (j = 0; j < (int)nhist; j++)
				params_free(hist[j].p);
			nhist = 0;
		}
		if (nhist > 0 && st.journal == off[nhist - 1]) {
			params_free(hist[nhist - 1].p);
			nhist--;
		}
		if (nhist < sizeof hist / sizeof hist[0]) {
			model_copy(&hist[nhist], &m);
			off[nhist++] = st.journal;
		}
	}
	for (j = 0; j < (int)nhist; j++)
		params_free(hist[j].p);
	params_free(m.p);
	store_free(s);
}

static void
test_model(void **state)
{
	struct fixture	*f = *state;
	const char	*env = getenv("STORE_MODEL_SEED");
	uint64_t	 seed, first, n;
	char		 cmd[160];

	first = env != NULL ? strtoull(env, NULL, 10) : 1;
	n = env != NULL ? 1 : 40;
	for (seed = first; seed < first + n; seed++) {
		model_run(f, seed, 300);
		snprintf(cmd, sizeof cmd, "rm -f '%s'/cfgreport.*", f->dir);
		assert_int_equal(system(cmd), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_baseline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spec_example, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failed_delta_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_change_in_flight, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_destinations, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_destination,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_retain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistence, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_size_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_batch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ua_only_and_no_change,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failmalloc, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_fresh_and_exhausted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_torn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_journal_damaged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_model, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
