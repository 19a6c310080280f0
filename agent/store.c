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
 * On disk: a snapshot (cfgreport.state, proto/state.c, replaced whole
 * through fileio_write_atomic) and a journal beside it (cfgreport.journal,
 * proto/journal.c) of every change since, each one record appended and
 * fsynced before the call returns.  A change costs its own size; when the
 * journal outgrows the snapshot, a new snapshot and an empty journal
 * replace both.  Loading replays the snapshot then the journal.  The
 * reasons, every crash point, the corruption policy and measurements are
 * in docs/store.md.
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
#define STORE_JOURNAL	"cfgreport.journal"
#define STORE_ASIDE	".corrupt"
#define STORE_TMP	".tmp"		/* fileio_write_atomic's suffix */
#define STORE_TMPLEN	6		/* and its mkstemp XXXXXX */
#define STORE_MODE	0600		/* it holds the device's secrets */
/* Compact when the journal passes the snapshot's size, or this. */
#define STORE_COMPACT_MIN	(64 * 1024)
/* The most a journal may hold: more is damage, not a read error. */
#define STORE_JOURNAL_MAX	(2 * (size_t)STATE_MAX_SIZE)
/*
 * Room kept below STATE_MAX_SIZE for what the running size estimate does
 * not follow (the destination lines, the header): a batch is refused when
 * the snapshot could no longer be written.
 */
#define STORE_SLACK	(STATE_MAX_DESTS * (4 * STATE_MAX_KEY + 32) + 256)

/* What store_apply has worked out of a live batch. */
struct store_lines {
	size_t		 grow;		/* the bytes of the batch's lines */
	size_t		 shrink;	/* of the lines they replace */
	int		 measured;	/* shrink is known (else 0) */
	const size_t	*at;		/* each entry's index in the state */
};

struct store {
	char		*path;		/* DIR/cfgreport.state */
	char		*jpath;		/* DIR/cfgreport.journal */
	int		 lockfd;	/* the directory, flock'd */
	struct state	 st;
	int		 fresh;		/* no baseline yet */
	char		*recovered;	/* what was set aside or ignored */
	int		 damaged;	/* something was set aside */

	size_t		 size;		/* a snapshot of st would take this */
	off_t		 snaplen;	/* the snapshot file's size */
	uint8_t		 id[STATE_DIGEST_LEN];	/* its id (state_id) */
	int		 jfd;		/* the journal, to append; or -1 */
	off_t		 jlen;		/* its whole records' bytes */
	uint64_t	 jnum;		/* the next record's number */
	int		 jneed;		/* start a journal before appending */
	int		 jtorn;		/* cut the torn tail off first */
	int		 jbroken;	/* write a snapshot before appending */
	size_t		 compact_at;	/* store_compact_at's bound, or 0 */
	int		 size_upper;	/* size is an upper bound */
};

/*
 * Remove the temporaries a write killed between mkstemp and rename left
 * behind; only this store writes in DIR (the lock says so).
 */
static void
store_sweep(DIR *d)
{
	struct dirent	*de;
	const char	*pre[] = { STORE_FILE STORE_TMP,
			    STORE_JOURNAL STORE_TMP };
	size_t		 i, plen;

	while ((de = readdir(d)) != NULL) {
		for (i = 0; i < sizeof pre / sizeof pre[0]; i++) {
			plen = strlen(pre[i]);
			if (strncmp(de->d_name, pre[i], plen) == 0 &&
			    strlen(de->d_name) == plen + STORE_TMPLEN)
				unlinkat(dirfd(d), de->d_name, 0);
		}
	}
}

/* Add WHY to what store_recovered says. */
static int
store_say(struct store *s, const char *why, char *err)
{
	char	*msg;

	if (asprintf(&msg, "%s%s%s", s->recovered != NULL ? s->recovered :
	    "", s->recovered != NULL ? "; " : "", why) == -1) {
		cr_seterr(err, "%s: out of memory", s->path);
		return -1;
	}
	free(s->recovered);
	s->recovered = msg;
	return 0;
}

/*
 * A damaged file is moved aside (the last one is kept for whoever
 * investigates) and the move made durable; WHY and WHAT NEXT go to
 * store_recovered, which the agent logs loudly.
 */
static int
store_set_aside(struct store *s, const char *path, const char *why,
    const char *next, char *err)
{
	char	*aside, *msg;

	if (asprintf(&aside, "%s%s", path, STORE_ASIDE) == -1) {
		cr_seterr(err, "%s: out of memory", path);
		return -1;
	}
	if (rename(path, aside) == -1 || fsync(s->lockfd) == -1) {
		cr_seterr(err, "%s: cannot set a bad state file aside: %s",
		    path, strerror(errno));
		free(aside);
		return -1;
	}
	if (asprintf(&msg, "%s: %s; kept as %s, %s", path, why, aside,
	    next) == -1) {
		cr_seterr(err, "%s: out of memory", path);
		free(aside);
		return -1;
	}
	free(aside);
	s->damaged = 1;
	if (store_say(s, msg, err) == -1) {
		free(msg);
		return -1;
	}
	free(msg);
	return 0;
}

/*
 * Read PATH whole: 1 and *BUF, 0 when it does not exist, -1 on an error
 * that is not damage (not a regular file, I/O).  Longer than MAX: 1 with
 * *BUF NULL.
 */
static int
store_read(const char *path, size_t max, char **bufp, size_t *lenp,
    char *err)
{
	struct stat	sb;

	*bufp = NULL;
	if (stat(path, &sb) == -1) {
		if (errno != ENOENT) {
			cr_seterr(err, "%s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	/* Not ours to move: someone put it there. */
	if (!S_ISREG(sb.st_mode)) {
		cr_seterr(err, "%s: not a regular file", path);
		return -1;
	}
	/* The store never writes more: this is damage, not a read error. */
	if ((uint64_t)sb.st_size > max)
		return 1;
	if ((*bufp = fileio_read(path, max, lenp, err)) == NULL)
		return -1;
	return 1;
}

static int
store_load(struct store *s, char *err)
{
	char	*buf, why[CR_ERRLEN];
	size_t	 len;
	int	 rv;

	if ((rv = store_read(s->path, STATE_MAX_SIZE, &buf, &len, err)) <= 0)
		return rv;
	if (buf == NULL) {
		snprintf(why, sizeof why, "larger than %d bytes",
		    STATE_MAX_SIZE);
		return store_set_aside(s, s->path, why, "starting from the "
		    "profile", err);
	}
	rv = state_parse(buf, len, &s->st, why);
	if (rv == 0) {
		state_id(buf, len, s->id);
		s->snaplen = (off_t)len;
		s->size = len;
	}
	crypt_wipe(buf, len);
	free(buf);
	if (rv == -1) {
		memset(&s->st, 0, sizeof s->st);
		return store_set_aside(s, s->path, why, "starting from the "
		    "profile", err);
	}
	return 0;
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

/*
 * Apply a record to memory: the one path for a change just made durable
 * and for a change replayed from the journal.  Takes the keys and the
 * parameters R holds.  LINES: for a live batch, the bytes of its lines
 * and of the lines it replaces and where its names are in the state
 * (store_apply has worked them out).  -1 when the record does not fit
 * the state (ERR says why), -2 when memory ran out; either way nothing
 * changed.
 */
static int
store_rec_apply(struct store *s, struct journal_rec *r,
    const struct store_lines *lines, char *err)
{
	size_t	i, n, grow = 0, nnew = 0;
	int	k;

	switch (r->type) {
	case JOURNAL_BATCH:
		if (r->seq != s->st.seq + 1 || s->st.seq == UINT64_MAX) {
			cr_seterr(err, "batch %llu after change %llu",
			    (unsigned long long)r->seq,
			    (unsigned long long)s->st.seq);
			return -1;
		}
		n = params_count(r->params);
		/*
		 * The size a snapshot would take grows by the new lines; a
		 * live change also takes off the old ones when store_apply
		 * measured them (near the limit).  Else the size is an upper
		 * bound until store_resize needs the truth.
		 */
		if (lines == NULL) {
			for (i = 0; i < n; i++)
				grow += state_param_len(params_at(r->params,
				    i));
		}
		/* Every name it holds takes its number; its blocks move. */
		for (i = 0; i < n; i++)
			params_set_seq_at(r->params, i, r->seq);
		if (params_merge(s->st.params, r->params, lines != NULL ?
		    lines->at : NULL, err) == -1) {
			/* Too many names is the record's fault, else memory. */
			for (i = 0; i < n; i++)
				nnew += params_find(s->st.params,
				    params_at(r->params, i)->name) == NULL;
			return params_count(s->st.params) + nnew >
			    PARAMS_MAX_COUNT ? -1 : -2;
		}
		s->st.seq = r->seq;
		if (lines != NULL) {
			s->size = s->size + lines->grow - lines->shrink;
			s->size_upper |= !lines->measured;
		} else {
			s->size += grow;
			s->size_upper = 1;
		}
		return 0;
	case JOURNAL_ACK:
		if (r->dest[0].acked > s->st.seq) {
			cr_seterr(err, "acknowledged beyond the last change");
			return -1;
		}
		if ((k = store_dest_index(s, r->dest[0].key)) != -1) {
			if (s->st.dest[k].acked >= r->dest[0].acked) {
				cr_seterr(err, "a baseline moved back");
				return -1;
			}
			s->st.dest[k].acked = r->dest[0].acked;
			return 0;
		}
		if (s->st.ndest == STATE_MAX_DESTS) {
			cr_seterr(err, "more than %d destinations",
			    STATE_MAX_DESTS);
			return -1;
		}
		s->st.dest[s->st.ndest++] = r->dest[0];
		r->dest[0].key = NULL;
		r->ndest = 0;
		return 0;
	case JOURNAL_DESTS:
		for (i = 0; i < r->ndest; i++) {
			if (r->dest[i].acked > s->st.seq) {
				cr_seterr(err, "acknowledged beyond the last "
				    "change");
				return -1;
			}
		}
		for (i = 0; i < s->st.ndest; i++)
			free(s->st.dest[i].key);
		memcpy(s->st.dest, r->dest, sizeof r->dest);
		s->st.ndest = r->ndest;
		r->ndest = 0;
		return 0;
	case JOURNAL_PROFILE:
		s->st.has_digest = 1;
		memcpy(s->st.digest, r->id, STATE_DIGEST_LEN);
		return 0;
	case JOURNAL_HEAD:
		break;
	}
	cr_seterr(err, "a second head");
	return -1;
}

/* A journal holding nothing but its head, for the snapshot ID. */
static int
store_journal_new(struct store *s, const uint8_t id[STATE_DIGEST_LEN],
    char *err)
{
	struct journal_rec	 r;
	uint8_t			*buf;
	size_t			 len;
	int			 rv;

	memset(&r, 0, sizeof r);
	r.type = JOURNAL_HEAD;
	memcpy(r.id, id, STATE_DIGEST_LEN);
	if ((buf = journal_encode(&r, &len, err)) == NULL)
		return -1;
	/* A new name: fileio_write_atomic fsyncs the directory too. */
	rv = fileio_write_atomic(s->jpath, buf, len, STORE_MODE, err);
	free(buf);
	if (s->jfd != -1)
		close(s->jfd);
	s->jfd = -1;
	if (rv == -1)
		return -1;
	s->jlen = (off_t)len;
	s->jnum = 1;
	s->jneed = s->jtorn = 0;
	return 0;
}

/*
 * Write ST as the new snapshot, then an empty journal that names it.
 * Every crash point leaves a state that loads to ST or to what was
 * durable before (docs/store.md); on failure the store writes a snapshot
 * again before its next record.
 */
static int
store_snapshot(struct store *s, const struct state *st, char *err)
{
	uint8_t	 id[STATE_DIGEST_LEN];
	char	*buf;
	size_t	 len;
	int	 rv;

	s->jbroken = 1;
	if ((buf = state_encode(st, &len, err)) == NULL)
		return -1;
	state_id(buf, len, id);
	rv = fileio_write_atomic(s->path, buf, len, STORE_MODE, err);
	/* A copy of every secret the device holds. */
	crypt_wipe(buf, len);
	free(buf);
	/* From here the old journal no longer applies: its head differs. */
	if (rv == -1 || store_journal_new(s, id, err) == -1)
		return -1;
	memcpy(s->id, id, sizeof id);
	s->snaplen = (off_t)len;
	s->size = len;
	s->size_upper = 0;
	s->jbroken = 0;
	return 0;
}

/*
 * Append R, numbered, and fsync it: after 0 it survives kill -9 and power
 * loss.  On -1 the journal is as it was (or the store writes a snapshot
 * before its next record).
 */
static int
store_append(struct store *s, struct journal_rec *r, off_t *at, char *err)
{
	uint8_t	*buf;
	size_t	 len, off = 0;
	ssize_t	 n;

	if (s->jbroken && store_snapshot(s, &s->st, err) == -1)
		return -1;
	if (s->jneed && store_journal_new(s, s->id, err) == -1)
		return -1;
	if (s->jfd == -1 && (s->jfd = open(s->jpath, O_WRONLY | O_APPEND |
	    O_CLOEXEC)) == -1) {
		cr_seterr(err, "%s: %s", s->jpath, strerror(errno));
		return -1;
	}
	/* A crash's torn record goes before anything follows it. */
	if (s->jtorn) {
		if (ftruncate(s->jfd, s->jlen) == -1) {
			cr_seterr(err, "%s: %s", s->jpath, strerror(errno));
			return -1;
		}
		s->jtorn = 0;
	}
	r->num = s->jnum;
	*at = s->jlen;
	if ((buf = journal_encode(r, &len, err)) == NULL)
		return -1;
	while (off < len) {
		if ((n = write(s->jfd, buf + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	if (off < len || fsync(s->jfd) == -1) {
		cr_seterr(err, "%s: %s", s->jpath, strerror(errno));
		crypt_wipe(buf, len);
		free(buf);
		/*
		 * Take the record back; after a failed fsync the kernel's
		 * view of the file is not to be trusted: a snapshot next.
		 */
		if (ftruncate(s->jfd, s->jlen) == -1 || fsync(s->jfd) == -1)
			s->jtorn = 1;
		s->jbroken = 1;
		return -1;
	}
	crypt_wipe(buf, len);
	free(buf);
	s->jlen += (off_t)len;
	s->jnum++;
	return 0;
}

/* The record just appended could not be applied: take it back. */
static void
store_unappend(struct store *s, off_t len)
{
	if (ftruncate(s->jfd, len) == -1 || fsync(s->jfd) == -1)
		s->jbroken = 1;
	s->jlen = len;
	s->jnum--;
}

/*
 * Append R and apply it to memory: the one way a store that has its
 * baseline changes.  Then compact when the journal has outgrown the
 * snapshot: that costs the snapshot's size once per as many bytes of
 * records, and a failure there loses nothing (the record is durable).
 */
static int
store_commit(struct store *s, struct journal_rec *r,
    const struct store_lines *lines, char *err)
{
	off_t	at;
	int	rv = 0;

	if (store_append(s, r, &at, err) == -1)
		rv = -1;
	else if (store_rec_apply(s, r, lines, err) != 0) {
		store_unappend(s, at);
		rv = -1;
	} else if (s->compact_at > 0 ? (size_t)s->jlen > s->compact_at :
	    s->jlen > s->snaplen && s->jlen > STORE_COMPACT_MIN)
		store_snapshot(s, &s->st, NULL);
	/*
	 * An idle store holds one fd, its directory's lock: thousands of
	 * agents in one process (cfgreport-fleet) would hold twice as many
	 * with the journal kept open, and an open(2) costs little beside
	 * the append's fsync.
	 */
	if (s->jfd != -1) {
		close(s->jfd);
		s->jfd = -1;
	}
	return rv;
}

void
store_compact_at(struct store *s, size_t bytes)
{
	s->compact_at = bytes;
}

/* Is everything from P on zero (a tail the file system never wrote)? */
static int
store_zero(const char *p, size_t len)
{
	while (len > 0 && *p == '\0')
		p++, len--;
	return len == 0;
}

/*
 * Replay the journal onto the snapshot just loaded.  A torn last record
 * (a write a crash cut short: its call never returned) is ignored and
 * cut off before the next append.  A damaged record inside is set aside
 * with the whole journal: the store keeps what came before it and writes
 * that as its snapshot at once.  A journal whose head names another
 * snapshot is the one a compaction finished with: already in the
 * snapshot, so it is replaced, never replayed.
 */
static int
store_replay(struct store *s, char *err)
{
	struct journal_rec	 r;
	char			*buf, why[CR_ERRLEN], msg[2 * CR_ERRLEN + 4096];
	size_t			 len, off, used;
	int			 rv;

	if ((rv = store_read(s->jpath, STORE_JOURNAL_MAX, &buf, &len,
	    err)) == -1)
		return -1;
	s->jneed = 1;
	if (rv == 0)
		return 0;
	/* Never written (it is created whole): nothing to lose. */
	if (buf != NULL && len == 0) {
		free(buf);
		return 0;
	}
	if (buf == NULL) {
		snprintf(why, sizeof why, "larger than %zu bytes",
		    STORE_JOURNAL_MAX);
		return store_set_aside(s, s->jpath, why, "continuing from "
		    "the state file alone", err);
	}
	memset(&r, 0, sizeof r);
	rv = journal_decode(buf, len, &used, &r, why);
	if (rv != 1 || r.type != JOURNAL_HEAD || r.num != 0) {
		if (rv == 1)
			snprintf(why, sizeof why, "no head record");
		journal_rec_clear(&r);
		crypt_wipe(buf, len);
		free(buf);
		return store_set_aside(s, s->jpath, why, "continuing from "
		    "the state file alone", err);
	}
	if (memcmp(r.id, s->id, STATE_DIGEST_LEN) != 0) {
		journal_rec_clear(&r);
		crypt_wipe(buf, len);
		free(buf);
		return 0;
	}
	journal_rec_clear(&r);
	s->jneed = 0;
	s->jnum = 1;
	for (off = used; off < len; off += used) {
		rv = journal_decode(buf + off, len - off, &used, &r, why);
		if (rv == 1 && r.num != s->jnum) {
			snprintf(why, sizeof why, "record %llu where %llu "
			    "belongs", (unsigned long long)r.num,
			    (unsigned long long)s->jnum);
			journal_rec_clear(&r);
			rv = -1;
		} else if (rv == 1) {
			rv = store_rec_apply(s, &r, NULL, why);
			journal_rec_clear(&r);
			if (rv == -2) {
				cr_seterr(err, "%s: %s", s->jpath, why);
				crypt_wipe(buf, len);
				free(buf);
				return -1;
			}
			if (rv == 0) {
				s->jnum++;
				continue;
			}
		} else if (used == SIZE_MAX || used >= len - off ||
		    store_zero(buf + off, len - off)) {
			/* The tail a crash cut short. */
			snprintf(msg, sizeof msg, "%s: an incomplete last "
			    "record (%zu bytes at %zu, %s) ignored: a change "
			    "cut short by a crash, never acknowledged",
			    s->jpath, len - off, off, why);
			s->jtorn = 1;
			rv = store_say(s, msg, err);
			break;
		}
		/* Damage inside: keep what came before it. */
		snprintf(msg, sizeof msg, "record %llu at byte %zu: %s",
		    (unsigned long long)s->jnum, off, why);
		if ((rv = store_set_aside(s, s->jpath, msg, "continuing from "
		    "the records before it", err)) == 0)
			s->jneed = 1;
		crypt_wipe(buf, len);
		free(buf);
		if (rv == 0)
			store_snapshot(s, &s->st, NULL);
		return rv;
	}
	s->jlen = (off_t)off;
	crypt_wipe(buf, len);
	free(buf);
	return rv;
}

struct store *
store_open(const char *dir, char *err)
{
	struct store	*s;
	struct stat	 sb;
	DIR		*d;
	int		 fd;

	if ((s = calloc(1, sizeof *s)) == NULL) {
		cr_seterr(err, "%s: out of memory", dir);
		return NULL;
	}
	s->lockfd = s->jfd = -1;
	if (asprintf(&s->path, "%s/%s", dir, STORE_FILE) == -1) {
		s->path = NULL;
		cr_seterr(err, "%s: out of memory", dir);
		goto fail;
	}
	if (asprintf(&s->jpath, "%s/%s", dir, STORE_JOURNAL) == -1) {
		s->jpath = NULL;
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
	if (s->st.params != NULL) {
		if (store_replay(s, err) == -1)
			goto fail;
	} else if (lstat(s->jpath, &sb) == 0) {
		/* Its snapshot is gone (or was set aside): no use alone. */
		if (store_set_aside(s, s->jpath, "a journal without its state "
		    "file", "starting from the profile", err) == -1)
			goto fail;
	}
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
	if (s->jfd != -1)
		close(s->jfd);
	free(s->recovered);
	free(s->jpath);
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

int
store_damaged(const struct store *s)
{
	return s->damaged;
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

void
store_stats(const struct store *s, struct store_stats *out)
{
	out->snapshot = (uint64_t)s->snaplen;
	out->journal = (uint64_t)s->jlen;
	out->records = s->jnum > 0 ? s->jnum - 1 : 0;
}

/*
 * A fresh store's first write is a snapshot: NEXT becomes the state (the
 * store takes what it holds).  On failure neither file is left behind,
 * so the store stays fresh.
 */
static int
store_first(struct store *s, const struct state *next, char *err)
{
	int	gone;

	if (store_snapshot(s, next, err) == 0) {
		params_free(s->st.params);
		s->st = *next;
		s->fresh = 0;
		return 0;
	}
	/* fileio_write_atomic also fails after its rename. */
	gone = unlink(s->path) == 0;
	gone |= unlink(s->jpath) == 0;
	if (gone)
		fsync(s->lockfd);
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
		params_set_seq_at(p, i, 0);
	next = s->st;
	next.params = p;
	next.seq = 0;
	next.has_digest = digest != NULL;
	if (digest != NULL)
		memcpy(next.digest, digest, STATE_DIGEST_LEN);
	if (store_first(s, &next, err) == -1) {
		params_free(p);
		return -1;
	}
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

/*
 * The exact size a snapshot would take, when a replay or batches far from
 * the limit left only an upper bound: once, and only when a batch comes
 * near STATE_MAX_SIZE.
 */
static size_t
store_resize(struct store *s)
{
	size_t	i, n = params_count(s->st.params), size = 0;

	if (!s->size_upper)
		return s->size;
	for (i = 0; i < n; i++)
		size += state_param_len(params_at(s->st.params, i));
	s->size = size;
	s->size_upper = 0;
	return s->size;
}

/* A fresh store: the batch on an empty set, written as the snapshot. */
static int
store_apply_first(struct store *s, struct params *p, char *err)
{
	struct state	next;

	next = s->st;
	next.params = p;
	next.seq = s->st.seq + 1;
	return store_first(s, &next, err);
}

int
store_apply(struct store *s, const struct params *batch,
    struct params *changed, char *err)
{
	struct journal_rec	 r;
	unsigned char		*mark = NULL;
	size_t			*at = NULL;
	struct store_lines	 lines = { 0, 0, 0, NULL };
	size_t			 i, n, listed = 0;
	int			 rv = -1;

	memset(&r, 0, sizeof r);
	if (store_check_batch(s->st.params, batch, err) == -1)
		return -1;
	if (s->st.seq == UINT64_MAX) {
		cr_seterr(err, "%s: change numbers exhausted", s->path);
		return -1;
	}
	/*
	 * The record: what the batch makes of the names it changes, worked
	 * out on those names alone (the cost is the batch's, not the
	 * state's), each looked up once.
	 */
	n = params_count(batch);
	if ((at = calloc(n + 1, sizeof *at)) == NULL ||
	    (mark = malloc(n + 1)) == NULL) {
		cr_seterr(err, "out of memory");
		goto out;
	}
	r.seq = s->st.seq + 1;
	if ((r.params = params_changes(s->st.params, batch, r.seq, at, mark,
	    err)) == NULL)
		goto out;
	/* Nothing changed: nothing to number or to write. */
	if ((n = params_count(r.params)) == 0) {
		rv = 0;
		goto out;
	}
	r.type = JOURNAL_BATCH;
	for (i = 0; i < n; i++)
		lines.grow += state_param_len(params_at(r.params, i));
	lines.at = at;
	/*
	 * Refuse now what could no longer be written as a snapshot.  The
	 * lines the batch replaces are measured only when the size with
	 * the new lines added could pass the limit; far from it, the size
	 * becomes an upper bound (as after a replay).
	 */
	if (s->size + lines.grow > STATE_MAX_SIZE - STORE_SLACK) {
		for (i = 0; i < n; i++) {
			if (at[i] != SIZE_MAX)
				lines.shrink += state_param_len(params_at(
				    s->st.params, at[i]));
		}
		lines.measured = 1;
		if (s->size + lines.grow - lines.shrink > STATE_MAX_SIZE -
		    STORE_SLACK && store_resize(s) + lines.grow -
		    lines.shrink > STATE_MAX_SIZE - STORE_SLACK) {
			cr_seterr(err, "state: larger than %d bytes",
			    STATE_MAX_SIZE);
			goto out;
		}
	}

	/* List the names for the caller now, so that failing is still free. */
	if (changed != NULL) {
		listed = params_count(changed);
		if (params_list(changed, batch, mark, err) == -1)
			goto out;
	}

	if (s->fresh) {
		/* The record's names are the whole new set. */
		if ((rv = store_apply_first(s, r.params, err)) == 0)
			r.params = NULL;
	} else
		rv = store_commit(s, &r, &lines, err);
	if (rv == -1 && changed != NULL)
		params_truncate(changed, listed);
out:
	free(mark);
	free(at);
	journal_rec_clear(&r);
	return rv;
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
	struct journal_rec	r;
	int			i, rv;

	if (store_need_baseline(s, err) == -1 ||
	    store_check_key(s, key, err) == -1)
		return -1;
	if (seq > s->st.seq) {
		cr_seterr(err, "%s: acknowledged change %llu is beyond the "
		    "last one, %llu", s->path, (unsigned long long)seq,
		    (unsigned long long)s->st.seq);
		return -1;
	}
	if ((i = store_dest_index(s, key)) != -1) {
		/* A late answer for an older delta must not move it back. */
		if (s->st.dest[i].acked >= seq)
			return 0;
	} else if (s->st.ndest == STATE_MAX_DESTS) {
		cr_seterr(err, "%s: more than %d destinations", s->path,
		    STATE_MAX_DESTS);
		return -1;
	}
	memset(&r, 0, sizeof r);
	r.type = JOURNAL_ACK;
	r.ndest = 1;
	r.dest[0].acked = seq;
	if ((r.dest[0].key = strdup(key)) == NULL) {
		cr_seterr(err, "out of memory");
		return -1;
	}
	rv = store_commit(s, &r, NULL, err);
	journal_rec_clear(&r);
	return rv;
}

int
store_dest_retain(struct store *s, const char *const *keys, size_t nkeys,
    char *err)
{
	struct journal_rec	 r;
	size_t			 i, j, nnew = 0;
	int			 dup, k, rv = -1;

	if (store_need_baseline(s, err) == -1)
		return -1;
	memset(&r, 0, sizeof r);
	r.type = JOURNAL_DESTS;
	for (i = 0; i < nkeys; i++) {
		for (dup = 0, j = 0; j < r.ndest && !dup; j++)
			dup = strcmp(r.dest[j].key, keys[i]) == 0;
		if (dup)
			continue;
		if (r.ndest == STATE_MAX_DESTS) {
			cr_seterr(err, "%s: more than %d destinations",
			    s->path, STATE_MAX_DESTS);
			goto out;
		}
		if (store_check_key(s, keys[i], err) == -1)
			goto out;
		if ((r.dest[r.ndest].key = strdup(keys[i])) == NULL) {
			cr_seterr(err, "out of memory");
			goto out;
		}
		/* New: its baseline is now. */
		if ((k = store_dest_index(s, keys[i])) != -1)
			r.dest[r.ndest].acked = s->st.dest[k].acked;
		else {
			r.dest[r.ndest].acked = s->st.seq;
			nnew++;
		}
		r.ndest++;
	}
	/* The same set, perhaps in another order: nothing to write. */
	if (nnew == 0 && r.ndest == s->st.ndest)
		rv = 0;
	else
		rv = store_commit(s, &r, NULL, err);
out:
	journal_rec_clear(&r);
	return rv;
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
	struct journal_rec	r;

	if (store_need_baseline(s, err) == -1)
		return -1;
	if (s->st.has_digest &&
	    memcmp(s->st.digest, digest, STATE_DIGEST_LEN) == 0)
		return 0;
	memset(&r, 0, sizeof r);
	r.type = JOURNAL_PROFILE;
	memcpy(r.id, digest, STATE_DIGEST_LEN);
	return store_commit(s, &r, NULL, err);
}
