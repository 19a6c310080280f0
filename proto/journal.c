/*
 * journal.c — the records of the durable store's journal (docs/store.md).
 *
 * The store keeps a snapshot (state.c) and, beside it, an append-only
 * journal of what changed since: one record per applied batch, baseline
 * advance, change of the destination list or of the profile digest.  This
 * file turns one record into bytes and bytes back into one record; it
 * does no I/O.
 *
 * A record is framed as
 *
 *	u32 LEN		payload bytes, 1 to JOURNAL_MAX_RECORD
 *	u32 CRC		CRC-32C of the 4 LEN bytes and the payload
 *	LEN bytes	the payload
 *
 * little-endian, and the payload is
 *
 *	u8 TYPE, u64 NUM (the record's position: the head is 0), then
 *	HEAD	"cfgreport-journal" u8 VERSION, 32 bytes: the snapshot's id
 *	BATCH	u64 SEQ, u32 COUNT, COUNT times: u8 UA (0 none, 1 na, 2 ro,
 *		3 rw), u8 HAS_VALUE, str NAME, [str VALUE]
 *	ACK	u64 ACKED, str KEY
 *	DESTS	u8 COUNT, COUNT times: u64 ACKED, str KEY
 *	PROFILE	32 bytes: the profile file's SHA-256
 *
 * with str a u32 length and that many bytes.  The decoder accepts exactly
 * what the encoder writes: every length consumed, no NUL in a name, value
 * or key, no duplicate name or key, each bound checked before anything is
 * allocated from it, so a damaged length costs nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define JOURNAL_MAGIC		"cfgreport-journal"
#define JOURNAL_MAGIC_LEN	(sizeof JOURNAL_MAGIC - 1)

void
journal_rec_clear(struct journal_rec *r)
{
	state_dests_free(r->dest, r->ndest);
	params_free(r->params);
	memset(r, 0, sizeof *r);
}

/* --- encoder --- */

/* Counting (BUF NULL) then writing, over the same code, as in state.c. */
struct journal_out {
	uint8_t	*buf;
	size_t	 len;
};

static void
journal_put(struct journal_out *o, const void *p, size_t len)
{
	if (o->buf != NULL)
		memcpy(o->buf + o->len, p, len);
	o->len += len;
}

static void
journal_putn(struct journal_out *o, uint64_t v, size_t bytes)
{
	uint8_t	b[8];
	size_t	i;

	for (i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	journal_put(o, b, bytes);
}

static void
journal_putstr(struct journal_out *o, const char *s)
{
	size_t	len = strlen(s);

	journal_putn(o, len, 4);
	journal_put(o, s, len);
}

static void
journal_emit(const struct journal_rec *r, struct journal_out *o)
{
	const struct param	*p;
	size_t			 i, n;

	journal_putn(o, (uint64_t)r->type, 1);
	journal_putn(o, r->num, 8);
	switch (r->type) {
	case JOURNAL_HEAD:
		journal_put(o, JOURNAL_MAGIC, JOURNAL_MAGIC_LEN);
		journal_putn(o, JOURNAL_VERSION, 1);
		journal_put(o, r->id, STATE_DIGEST_LEN);
		break;
	case JOURNAL_BATCH:
		n = params_count(r->params);
		journal_putn(o, r->seq, 8);
		journal_putn(o, n, 4);
		for (i = 0; i < n; i++) {
			p = params_at(r->params, i);
			journal_putn(o, (uint64_t)p->ua, 1);
			journal_putn(o, p->value != NULL, 1);
			journal_putstr(o, p->name);
			if (p->value != NULL)
				journal_putstr(o, p->value);
		}
		break;
	case JOURNAL_ACK:
		journal_putn(o, r->dest[0].acked, 8);
		journal_putstr(o, r->dest[0].key);
		break;
	case JOURNAL_DESTS:
		journal_putn(o, r->ndest, 1);
		for (i = 0; i < r->ndest; i++) {
			journal_putn(o, r->dest[i].acked, 8);
			journal_putstr(o, r->dest[i].key);
		}
		break;
	case JOURNAL_PROFILE:
		journal_put(o, r->id, STATE_DIGEST_LEN);
		break;
	}
}

/* What the decoder would refuse, refused before a byte is written. */
static int
journal_check(const struct journal_rec *r, char *err)
{
	const struct param	*p;
	size_t			 i, n;

	switch (r->type) {
	case JOURNAL_HEAD:
	case JOURNAL_PROFILE:
		return 0;
	case JOURNAL_BATCH:
		n = r->params != NULL ? params_count(r->params) : 0;
		if (n == 0) {
			cr_seterr(err, "journal: an empty batch");
			return -1;
		}
		for (i = 0; i < n; i++) {
			p = params_at(r->params, i);
			if (p->ua < UA_NONE || p->ua > UA_RW) {
				cr_seterr(err, "journal: %s: bad ua", p->name);
				return -1;
			}
		}
		return 0;
	case JOURNAL_ACK:
	case JOURNAL_DESTS:
		n = r->type == JOURNAL_ACK ? 1 : r->ndest;
		return state_dests_check(r->dest, n, "journal", err);
	}
	cr_seterr(err, "journal: unknown record type %d", (int)r->type);
	return -1;
}

uint8_t *
journal_encode(const struct journal_rec *r, size_t *lenp, char *err)
{
	struct journal_out	o = { NULL, 0 };
	size_t			payload;
	uint32_t		crc;

	if (journal_check(r, err) == -1)
		return NULL;
	journal_emit(r, &o);
	payload = o.len;
	if (payload > JOURNAL_MAX_RECORD) {
		cr_seterr(err, "journal: a record larger than %d bytes",
		    JOURNAL_MAX_RECORD);
		return NULL;
	}
	if ((o.buf = malloc(JOURNAL_FRAME + payload)) == NULL) {
		cr_seterr(err, "journal: out of memory");
		return NULL;
	}
	o.len = 0;
	journal_putn(&o, payload, 4);
	o.len += 4;
	journal_emit(r, &o);
	crc = state_crc32c(0, o.buf, 4);
	crc = state_crc32c(crc, o.buf + JOURNAL_FRAME, payload);
	o.len = 4;
	journal_putn(&o, crc, 4);
	*lenp = JOURNAL_FRAME + payload;
	return o.buf;
}

/* --- decoder --- */

struct journal_in {
	const uint8_t	*p;
	const uint8_t	*end;
	char		*err;
};

static int
journal_fail(struct journal_in *in, const char *what)
{
	cr_seterr(in->err, "journal: %s", what);
	return -1;
}

static int
journal_getn(struct journal_in *in, size_t bytes, uint64_t *v)
{
	size_t	i;

	if ((size_t)(in->end - in->p) < bytes)
		return journal_fail(in, "record cut short");
	for (*v = 0, i = 0; i < bytes; i++)
		*v |= (uint64_t)in->p[i] << (8 * i);
	in->p += bytes;
	return 0;
}

/* A string of 1 to MAX bytes, no NUL, as a malloc'd C string. */
static int
journal_getstr(struct journal_in *in, size_t max, int empty_ok,
    const char *what, char **out)
{
	uint64_t	len;
	char		*s;

	if (journal_getn(in, 4, &len) == -1)
		return -1;
	if (len > max || (len == 0 && !empty_ok) ||
	    len > (uint64_t)(in->end - in->p)) {
		cr_seterr(in->err, "journal: %s of a bad length", what);
		return -1;
	}
	if (memchr(in->p, '\0', (size_t)len) != NULL) {
		cr_seterr(in->err, "journal: NUL byte in a %s", what);
		return -1;
	}
	if ((s = malloc((size_t)len + 1)) == NULL)
		return journal_fail(in, "out of memory");
	memcpy(s, in->p, (size_t)len);
	s[len] = '\0';
	in->p += len;
	*out = s;
	return 0;
}

static int
journal_get_batch(struct journal_in *in, struct journal_rec *r)
{
	char		 why[CR_ERRLEN];
	char		*name = NULL, *value = NULL;
	uint64_t	 count, ua, has, i;
	int		 rv;

	if (journal_getn(in, 8, &r->seq) == -1 ||
	    journal_getn(in, 4, &count) == -1)
		return -1;
	/* Each entry takes at least 7 bytes: a count cannot lie. */
	if (count == 0 || count > PARAMS_MAX_COUNT ||
	    count > (uint64_t)(in->end - in->p) / 7)
		return journal_fail(in, "batch of a bad size");
	if ((r->params = params_new()) == NULL)
		return journal_fail(in, "out of memory");
	for (i = 0; i < count; i++) {
		if (journal_getn(in, 1, &ua) == -1 ||
		    journal_getn(in, 1, &has) == -1)
			return -1;
		if (ua > UA_RW || has > 1)
			return journal_fail(in, "bad entry flags");
		if (journal_getstr(in, 256, 0, "name", &name) == -1)
			return -1;
		if (has && journal_getstr(in, PARAMS_MAX_VALUE, 1, "value",
		    &value) == -1) {
			free(name);
			return -1;
		}
		/* params_set judges the name and the text. */
		rv = params_set(r->params, name, value, (enum ua)ua, why);
		free(name);
		free(value);
		name = value = NULL;
		if (rv == -1) {
			cr_seterr(in->err, "journal: %s", why);
			return -1;
		}
		if (params_count(r->params) != i + 1)
			return journal_fail(in, "duplicate name in a batch");
		params_set_seq_at(r->params, i, r->seq);
	}
	return 0;
}

static int
journal_get_dest(struct journal_in *in, struct journal_rec *r)
{
	struct state_dest	*d = &r->dest[r->ndest];
	size_t			 i;

	if (journal_getn(in, 8, &d->acked) == -1 ||
	    journal_getstr(in, STATE_MAX_KEY, 0, "destination key",
	    &d->key) == -1)
		return -1;
	r->ndest++;
	for (i = 0; i + 1 < r->ndest; i++) {
		if (strcmp(r->dest[i].key, d->key) == 0)
			return journal_fail(in, "duplicate destination");
	}
	return 0;
}

static int
journal_get(struct journal_in *in, struct journal_rec *r)
{
	uint64_t	type, v, n, i;

	if (journal_getn(in, 1, &type) == -1 ||
	    journal_getn(in, 8, &r->num) == -1)
		return -1;
	r->type = (enum journal_type)type;
	switch (type) {
	case JOURNAL_HEAD:
		if ((size_t)(in->end - in->p) < JOURNAL_MAGIC_LEN ||
		    memcmp(in->p, JOURNAL_MAGIC, JOURNAL_MAGIC_LEN) != 0)
			return journal_fail(in, "not a cfgreport journal");
		in->p += JOURNAL_MAGIC_LEN;
		if (journal_getn(in, 1, &v) == -1)
			return -1;
		if (v != JOURNAL_VERSION) {
			cr_seterr(in->err, "journal: format version %llu, "
			    "this agent reads %d", (unsigned long long)v,
			    JOURNAL_VERSION);
			return -1;
		}
		/* FALLTHROUGH */
	case JOURNAL_PROFILE:
		if ((size_t)(in->end - in->p) < STATE_DIGEST_LEN)
			return journal_fail(in, "record cut short");
		memcpy(r->id, in->p, STATE_DIGEST_LEN);
		in->p += STATE_DIGEST_LEN;
		return 0;
	case JOURNAL_BATCH:
		return journal_get_batch(in, r);
	case JOURNAL_ACK:
		return journal_get_dest(in, r);
	case JOURNAL_DESTS:
		if (journal_getn(in, 1, &n) == -1)
			return -1;
		if (n > STATE_MAX_DESTS)
			return journal_fail(in, "too many destinations");
		for (i = 0; i < n; i++) {
			if (journal_get_dest(in, r) == -1)
				return -1;
		}
		return 0;
	}
	return journal_fail(in, "unknown record type");
}

int
journal_decode(const void *buf, size_t len, size_t *used,
    struct journal_rec *out, char *err)
{
	struct journal_rec	 r;
	struct journal_in	 in;
	const uint8_t		*b = buf;
	uint64_t		 payload, crc;

	*used = 0;
	if (len == 0)
		return 0;
	if (len < JOURNAL_FRAME) {
		cr_seterr(err, "journal: record header cut short");
		*used = JOURNAL_FRAME;
		return -1;
	}
	in.p = b;
	in.end = b + JOURNAL_FRAME;
	in.err = err;
	journal_getn(&in, 4, &payload);
	journal_getn(&in, 4, &crc);
	if (payload == 0 || payload > JOURNAL_MAX_RECORD) {
		cr_seterr(err, "journal: record claims %llu bytes",
		    (unsigned long long)payload);
		/* Where it would end, for the caller's torn-tail test. */
		*used = payload > len ? SIZE_MAX : JOURNAL_FRAME;
		return -1;
	}
	*used = JOURNAL_FRAME + (size_t)payload;
	if (len - JOURNAL_FRAME < payload) {
		cr_seterr(err, "journal: record cut short");
		return -1;
	}
	if (state_crc32c(state_crc32c(0, b, 4), b + JOURNAL_FRAME,
	    (size_t)payload) != (uint32_t)crc) {
		cr_seterr(err, "journal: checksum mismatch");
		return -1;
	}
	memset(&r, 0, sizeof r);
	in.p = b + JOURNAL_FRAME;
	in.end = in.p + payload;
	if (journal_get(&in, &r) == -1 ||
	    (in.p != in.end && journal_fail(&in, "trailing bytes in a "
	    "record") == -1)) {
		journal_rec_clear(&r);
		return -1;
	}
	*out = r;
	return 1;
}
