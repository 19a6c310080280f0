/*
 * store.c — the agent's durable configuration and delta bookkeeping.
 *
 * The store holds the current parameters, a global change sequence number
 * and, per delta destination, the sequence number of the last delta the
 * server accepted.  A batch that changes anything takes the next number
 * and stamps it on every parameter it changed, so a destination's delta is
 * "every parameter stamped after its number": one integer per destination
 * instead of a copy of the profile.
 *
 * Every change is made on a copy, written whole through
 * fileio_write_atomic (temporary, fsync, rename, fsync of the directory)
 * and only then swapped in: a caller that sees success knows the change
 * survives kill -9 and power loss, and a failed write leaves memory and
 * disk as they were.  The file format is proto/state.c's; the reasons,
 * the corruption policy and measurements are in docs/store.md.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "agent.h"

#define STORE_FILE	"cfgreport.state"
#define STORE_ASIDE	".corrupt"
#define STORE_TMP	".tmp"		/* fileio_write_atomic's suffix */
#define STORE_TMPLEN	6		/* and its mkstemp XXXXXX */
#define STORE_MODE	0600		/* it holds the device's secrets */

struct store {
	char		*path;		/* DIR/cfgreport.state */
	int		 lockfd;	/* the directory, flock'd */
	struct state	 st;
	int		 fresh;		/* no baseline yet */
	char		*recovered;	/* why a bad state file was set aside */
};

/*
 * Remove the temporaries a write killed between mkstemp and rename left
 * behind; only this store writes in DIR (the lock says so).
 */
static void
store_sweep(DIR *d)
{
	struct dirent	*de;
	size_t		 plen = strlen(STORE_FILE STORE_TMP);

	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, STORE_FILE STORE_TMP, plen) == 0 &&
		    strlen(de->d_name) == plen + STORE_TMPLEN)
			unlinkat(dirfd(d), de->d_name, 0);
	}
}

/*
 * A state file that does not parse is moved aside (the last one is kept
 * for whoever investigates) and the store starts fresh, so the agent
 * comes up on its profile and says so loudly rather than not at all.
 */
static int
store_set_aside(struct store *s, const char *why, char *err)
{
	char	*aside;

	if (asprintf(&aside, "%s%s", s->path, STORE_ASIDE) == -1) {
		cr_seterr(err, "%s: out of memory", s->path);
		return -1;
	}
	/* The directory's fsync makes the move itself durable. */
	if (rename(s->path, aside) == -1 || fsync(s->lockfd) == -1) {
		cr_seterr(err, "%s: cannot set a bad state file aside: %s",
		    s->path, strerror(errno));
		free(aside);
		return -1;
	}
	if (asprintf(&s->recovered, "%s: %s; kept as %s, starting from "
	    "the profile", s->path, why, aside) == -1) {
		s->recovered = NULL;
		cr_seterr(err, "%s: out of memory", s->path);
		free(aside);
		return -1;
	}
	free(aside);
	return 0;
}

static int
store_load(struct store *s, char *err)
{
	struct stat	 sb;
	char		*buf, why[CR_ERRLEN];
	size_t		 len;
	int		 rv;

	if (stat(s->path, &sb) == -1) {
		if (errno != ENOENT) {
			cr_seterr(err, "%s: %s", s->path, strerror(errno));
			return -1;
		}
		return 0;
	}
	/* Not ours to move: someone put it there. */
	if (!S_ISREG(sb.st_mode)) {
		cr_seterr(err, "%s: not a regular file", s->path);
		return -1;
	}
	/* The encoder never writes more: this is damage, not a read error. */
	if (sb.st_size > STATE_MAX_SIZE) {
		snprintf(why, sizeof why, "larger than %d bytes",
		    STATE_MAX_SIZE);
		return store_set_aside(s, why, err);
	}
	/* An I/O error is not corruption: keep the file and fail. */
	if ((buf = fileio_read(s->path, STATE_MAX_SIZE, &len, err)) == NULL)
		return -1;
	rv = state_parse(buf, len, &s->st, why);
	crypt_wipe(buf, len);
	free(buf);
	if (rv == -1) {
		memset(&s->st, 0, sizeof s->st);
		return store_set_aside(s, why, err);
	}
	return 0;
}

struct store *
store_open(const char *dir, char *err)
{
	struct store	*s;
	DIR		*d;
	int		 fd;

	if ((s = calloc(1, sizeof *s)) == NULL) {
		cr_seterr(err, "%s: out of memory", dir);
		return NULL;
	}
	s->lockfd = -1;
	if (asprintf(&s->path, "%s/%s", dir, STORE_FILE) == -1) {
		s->path = NULL;
		cr_seterr(err, "%s: out of memory", dir);
		goto fail;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		cr_seterr(err, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((s->lockfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		cr_seterr(err, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	/* Two writers would overwrite each other's state: refuse the second. */
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) == -1) {
		cr_seterr(err, "%s: %s", dir, errno == EWOULDBLOCK ?
		    "state directory in use by another agent" :
		    strerror(errno));
		goto fail;
	}
	if ((fd = dup(s->lockfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		cr_seterr(err, "%s: %s", dir, strerror(errno));
		if (fd != -1)
			close(fd);
		goto fail;
	}
	store_sweep(d);
	closedir(d);
	if (store_load(s, err) == -1)
		goto fail;
	if (s->st.params == NULL) {
		if ((s->st.params = params_new()) == NULL) {
			cr_seterr(err, "%s: out of memory", s->path);
			goto fail;
		}
		s->fresh = 1;
	}
	return s;
fail:
	store_free(s);
	return NULL;
}

void
store_free(struct store *s)
{
	if (s == NULL)
		return;
	state_clear(&s->st);
	if (s->lockfd != -1)
		close(s->lockfd);
	free(s->recovered);
	free(s->path);
	free(s);
}

int
store_is_fresh(const struct store *s)
{
	return s->fresh;
}

const char *
store_recovered(const struct store *s)
{
	return s->recovered;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

const struct params *
store_params(const struct store *s)
{
	return s->st.params;
}

uint64_t
store_seq(const struct store *s)
{
	return s->st.seq;
}

static int
store_put(struct store *s, const struct state *st, char *err)
{
	char	*buf;
	size_t	 len;
	int	 rv;

	if ((buf = state_encode(st, &len, err)) == NULL)
		return -1;
	rv = fileio_write_atomic(s->path, buf, len, STORE_MODE, err);
	/* A copy of every secret the device holds. */
	crypt_wipe(buf, len);
	free(buf);
	return rv;
}

/* Make NEXT durable; the caller swaps it in only when this succeeds. */
static int
store_write(struct store *s, const struct state *next, char *err)
{
	if (store_put(s, next, err) == 0)
		return 0;
	/*
	 * fileio_write_atomic also fails after its rename (the directory's
	 * fsync, or memory for it), and then NEXT is on disk.  Put back what
	 * memory still holds, so that a refusal leaves the disk as it was
	 * too; a fresh store had no file.
	 */
	if (s->fresh) {
		if (unlink(s->path) == 0)
			fsync(s->lockfd);
	} else
		store_put(s, &s->st, NULL);
	return -1;
}

/* Nothing but a fresh store's first write may take it out of freshness. */
static int
store_need_baseline(const struct store *s, char *err)
{
	if (s->fresh) {
		cr_seterr(err, "%s: no configuration stored yet", s->path);
		return -1;
	}
	return 0;
}

/* Zero every change number: the profile is every destination's baseline. */
int
store_baseline(struct store *s, const struct params *profile,
    const uint8_t digest[STATE_DIGEST_LEN], char *err)
{
	struct state		 next;
	struct params		*p;
	const struct param	*in;
	size_t			 i, n = params_count(profile);

	if (!s->fresh) {
		cr_seterr(err, "%s: a baseline exists already", s->path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		in = params_at(profile, i);
		if (settings_check(in->name, in->value, err) == -1)
			return -1;
	}
	if ((p = params_dup(profile)) == NULL) {
		cr_seterr(err, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		params_set_seq(p, params_at(p, i)->name, 0);
	next = s->st;
	next.params = p;
	next.seq = 0;
	next.has_digest = digest != NULL;
	if (digest != NULL)
		memcpy(next.digest, digest, STATE_DIGEST_LEN);
	if (store_write(s, &next, err) == -1) {
		params_free(p);
		return -1;
	}
	params_free(s->st.params);
	s->st = next;
	s->fresh = 0;
	return 0;
}

/*
 * Judge a batch before anything moves.  A ua-only entry keeps a known
 * name's value and gives a new name the empty value (params_apply), so
 * that is the value to judge.
 */
static int
store_check_batch(const struct params *cur, const struct params *batch,
    char *err)
{
	const struct param	*in;
	const char		*v;
	size_t			 i, n = params_count(batch);

	for (i = 0; i < n; i++) {
		in = params_at(batch, i);
		v = in->value;
		if (v == NULL) {
			if (params_find(cur, in->name) != NULL)
				continue;
			v = "";
		}
		if (settings_check(in->name, v, err) == -1)
			return -1;
	}
	return 0;
}

/* Undo what store_apply added to the caller's CHANGED list. */
static void
store_unlist(struct params *changed, const struct params *ch,
    const unsigned char *added)
{
	size_t	i, n = params_count(ch);

	for (i = 0; i < n; i++) {
		if (added[i])
			params_remove(changed, params_at(ch, i)->name);
	}
}

int
store_apply(struct store *s, const struct params *batch,
    struct params *changed, char *err)
{
	struct state		 next;
	struct params		*p = NULL, *ch = NULL;
	const struct param	*c;
	unsigned char		*added = NULL;
	uint64_t		 seq;
	size_t			 i, n;

	if (store_check_batch(s->st.params, batch, err) == -1)
		return -1;
	if (s->st.seq == UINT64_MAX) {
		cr_seterr(err, "%s: change numbers exhausted", s->path);
		return -1;
	}
	if ((p = params_dup(s->st.params)) == NULL ||
	    (ch = params_new()) == NULL) {
		cr_seterr(err, "out of memory");
		goto fail;
	}
	if (params_apply(p, batch, ch, err) == -1)
		goto fail;
	/* Nothing changed: nothing to number or to write. */
	if ((n = params_count(ch)) == 0) {
		params_free(ch);
		params_free(p);
		return 0;
	}
	seq = s->st.seq + 1;
	for (i = 0; i < n; i++)
		params_set_seq(p, params_at(ch, i)->name, seq);

	/* List the names for the caller now, so that failing is still free. */
	if (changed != NULL) {
		if ((added = calloc(n, 1)) == NULL) {
			cr_seterr(err, "out of memory");
			goto fail;
		}
		for (i = 0; i < n; i++) {
			c = params_at(ch, i);
			if (params_find(changed, c->name) != NULL)
				continue;
			if (params_set(changed, c->name, NULL, UA_KEEP,
			    err) == -1) {
				store_unlist(changed, ch, added);
				goto fail;
			}
			added[i] = 1;
		}
	}

	next = s->st;
	next.params = p;
	next.seq = seq;
	if (store_write(s, &next, err) == -1) {
		if (changed != NULL)
			store_unlist(changed, ch, added);
		goto fail;
	}
	params_free(s->st.params);
	s->st = next;
	s->fresh = 0;
	free(added);
	params_free(ch);
	return 0;
fail:
	free(added);
	params_free(ch);
	params_free(p);
	return -1;
}

/* The index of KEY's destination, or -1. */
static int
store_dest_index(const struct store *s, const char *key)
{
	size_t	i;

	for (i = 0; i < s->st.ndest; i++) {
		if (strcmp(s->st.dest[i].key, key) == 0)
			return (int)i;
	}
	return -1;
}

int
store_dest_acked(const struct store *s, const char *key, uint64_t *acked)
{
	int	i;

	/* Never seen: no history to report, the baseline is now. */
	if ((i = store_dest_index(s, key)) == -1) {
		*acked = s->st.seq;
		return 0;
	}
	*acked = s->st.dest[i].acked;
	return 1;
}

size_t
store_dest_pending(const struct store *s, const char *key)
{
	uint64_t	acked;
	size_t		i, n = params_count(s->st.params), count = 0;

	store_dest_acked(s, key, &acked);
	for (i = 0; i < n; i++)
		count += params_at(s->st.params, i)->seq > acked;
	return count;
}

struct params *
store_delta_names(const struct store *s, const char *key, uint64_t *seqp,
    char *err)
{
	const struct param	*p;
	struct params		*names;
	uint64_t		 acked;
	size_t			 i, n = params_count(s->st.params);

	store_dest_acked(s, key, &acked);
	if ((names = params_new()) == NULL) {
		cr_seterr(err, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		p = params_at(s->st.params, i);
		if (p->seq > acked &&
		    params_set(names, p->name, NULL, UA_KEEP, err) == -1) {
			params_free(names);
			return NULL;
		}
	}
	*seqp = s->st.seq;
	return names;
}

static int
store_check_key(const struct store *s, const char *key, char *err)
{
	size_t	len = strlen(key);

	if (len == 0 || len > STATE_MAX_KEY) {
		cr_seterr(err, "%s: destination key empty or longer than %d "
		    "bytes", s->path, STATE_MAX_KEY);
		return -1;
	}
	return 0;
}

int
store_dest_ack(struct store *s, const char *key, uint64_t seq, char *err)
{
	struct state	 next;
	char		*copy = NULL;
	int		 i;

	if (store_need_baseline(s, err) == -1 ||
	    store_check_key(s, key, err) == -1)
		return -1;
	if (seq > s->st.seq) {
		cr_seterr(err, "%s: acknowledged change %llu is beyond the "
		    "last one, %llu", s->path, (unsigned long long)seq,
		    (unsigned long long)s->st.seq);
		return -1;
	}
	next = s->st;
	if ((i = store_dest_index(s, key)) != -1) {
		/* A late answer for an older delta must not move it back. */
		if (s->st.dest[i].acked >= seq)
			return 0;
		next.dest[i].acked = seq;
	} else {
		if (next.ndest == STATE_MAX_DESTS) {
			cr_seterr(err, "%s: more than %d destinations",
			    s->path, STATE_MAX_DESTS);
			return -1;
		}
		if ((copy = strdup(key)) == NULL) {
			cr_seterr(err, "out of memory");
			return -1;
		}
		next.dest[next.ndest].key = copy;
		next.dest[next.ndest++].acked = seq;
	}
	if (store_write(s, &next, err) == -1) {
		free(copy);
		return -1;
	}
	s->st = next;
	return 0;
}

int
store_dest_retain(struct store *s, const char *const *keys, size_t nkeys,
    char *err)
{
	struct state	 next;
	unsigned char	 isnew[STATE_MAX_DESTS] = { 0 };
	size_t		 i, j, nnew = 0;
	int		 dup, k;

	if (store_need_baseline(s, err) == -1)
		return -1;
	next = s->st;
	next.ndest = 0;
	for (i = 0; i < nkeys; i++) {
		for (dup = 0, j = 0; j < next.ndest && !dup; j++)
			dup = strcmp(next.dest[j].key, keys[i]) == 0;
		if (dup)
			continue;
		if (next.ndest == STATE_MAX_DESTS) {
			cr_seterr(err, "%s: more than %d destinations",
			    s->path, STATE_MAX_DESTS);
			goto fail;
		}
		if (store_check_key(s, keys[i], err) == -1)
			goto fail;
		if ((k = store_dest_index(s, keys[i])) != -1) {
			next.dest[next.ndest++] = s->st.dest[k];
			continue;
		}
		/* New: its baseline is now. */
		if ((next.dest[next.ndest].key = strdup(keys[i])) == NULL) {
			cr_seterr(err, "out of memory");
			goto fail;
		}
		next.dest[next.ndest].acked = s->st.seq;
		isnew[next.ndest++] = 1;
		nnew++;
	}
	/* The same set, perhaps in another order: nothing to write. */
	if (nnew == 0 && next.ndest == s->st.ndest)
		return 0;
	if (store_write(s, &next, err) == -1)
		goto fail;
	/* Free the keys that were dropped; the kept ones moved over. */
	for (i = 0; i < s->st.ndest; i++) {
		for (dup = 0, j = 0; j < next.ndest && !dup; j++)
			dup = next.dest[j].key == s->st.dest[i].key;
		if (!dup)
			free(s->st.dest[i].key);
	}
	s->st = next;
	return 0;
fail:
	for (i = 0; i < next.ndest; i++) {
		if (isnew[i])
			free(next.dest[i].key);
	}
	return -1;
}

const uint8_t *
store_profile_digest(const struct store *s)
{
	return s->st.has_digest ? s->st.digest : NULL;
}

int
store_set_profile_digest(struct store *s,
    const uint8_t digest[STATE_DIGEST_LEN], char *err)
{
	struct state	next;

	if (store_need_baseline(s, err) == -1)
		return -1;
	if (s->st.has_digest &&
	    memcmp(s->st.digest, digest, STATE_DIGEST_LEN) == 0)
		return 0;
	next = s->st;
	next.has_digest = 1;
	memcpy(next.digest, digest, STATE_DIGEST_LEN);
	if (store_write(s, &next, err) == -1)
		return -1;
	s->st = next;
	return 0;
}
