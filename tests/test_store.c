/* test_store.c — the durable store: deltas by change number, durability. */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
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

static ino_t
inode(const char *path)
{
	struct stat	sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_ino;
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
	ino_t		 ino;
	size_t		 i;

	keys[0] = D1;
	keys[1] = D2;
	assert_int_equal(store_dest_retain(s, keys, 2, err), 0);
	apply(s, "A=a", NULL);
	assert_int_equal(store_dest_ack(s, D1, 1, err), 0);
	/* The same set, duplicates and another order: nothing written. */
	ino = inode(f->path);
	assert_int_equal(store_dest_retain(s, two, 3, err), 0);
	assert_true(inode(f->path) == ino);
	/* D1 dropped: forgotten, and a later return starts at now. */
	assert_int_equal(store_dest_retain(s, two, 1, err), 0);
	assert_true(inode(f->path) != ino);
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
	size_t			 blen, alen;
	uint64_t		 acked;

	assert_int_equal(store_dest_retain(s, keys, 2, err), 0);
	apply(s, "A=line1\nline2\t\"q\"\\", "New_One=\xc3\xa9", NULL);
	apply(s, "B=", NULL);
	assert_int_equal(store_dest_ack(s, D2, 1, err), 0);
	memset(d, 0x33, sizeof d);
	assert_int_equal(store_set_profile_digest(s, d, err), 0);
	before = file(f->path, &blen);

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
	size_t		 blen, alen;

	apply(s, "A=a", NULL);
	before = file(f->path, &blen);
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
	ino_t			 ino;

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
	ino = inode(f->path);
	assert_int_equal(store_apply(s, b, changed, err), 0);
	assert_int_equal(store_seq(s), 1);
	assert_true(inode(f->path) == ino);
	params_free(b);
	/* Neither does a value equal to the stored one. */
	b = batch("B=0", NULL);
	assert_int_equal(store_apply(s, b, NULL, err), 0);
	assert_int_equal(store_seq(s), 1);
	assert_true(inode(f->path) == ino);
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
	uint64_t	 acked;

	assert_int_equal(store_dest_retain(s, keys, 1, err), 0);
	apply(s, "A=a", NULL);
	/* rename() onto a directory fails, even for root. */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(mkdir(f->path, 0700), 0);

	changed = batch("Q=", NULL);
	b = batch("A=b", "New=n", NULL);
	assert_int_equal(store_apply(s, b, changed, err), -1);
	assert_non_null(strstr(err, f->path));
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

	/* Once writes work again, the same batch goes through whole. */
	assert_int_equal(rmdir(f->path), 0);
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
	size_t		 blen, alen;
	long		 n;
	int		 rc;

	if (!failmalloc_active())
		skip();
	s = opened(f);
	apply(s, "A=a", NULL);
	before = file(f->path, &blen);
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
	fputs("cfgreport-state 2\n", fp);
	fclose(fp);
	s = store_open(f->dir, err);
	assert_non_null(strstr(store_recovered(s), "format version 2"));
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
	ino_t		 ino;

	memset(d, 0x11, sizeof d);
	assert_memory_equal(store_profile_digest(s), d, sizeof d);
	ino = inode(f->path);
	assert_int_equal(store_set_profile_digest(s, d, err), 0);
	assert_true(inode(f->path) == ino);
	assert_int_equal(state_sha256("<flat-profile/>", 15, d), 0);
	assert_int_equal(store_set_profile_digest(s, d, err), 0);
	assert_true(inode(f->path) != ino);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
