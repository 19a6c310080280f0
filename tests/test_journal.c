/*
 * test_journal.c — the journal's records (proto/journal.c): round trips,
 * every truncation and every flipped byte refused, lengths that lie,
 * content behind a valid checksum that the encoder never writes, encoder
 * refusals, and every allocation failing in turn.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto.h"
#include "failmalloc.h"

/* CRC-32C bit by bit: a second, independent implementation. */
static uint32_t
crc32c(const uint8_t *p, size_t len)
{
	uint32_t	c = 0xffffffff;
	int		k;

	while (len-- > 0) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78 : c >> 1;
	}
	return ~c;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* PAYLOAD framed with a correct length and checksum; *LEN its size. */
static uint8_t *
frame(const uint8_t *payload, size_t plen, size_t *len)
{
	uint8_t	*b = malloc(8 + plen);
	uint8_t	*tmp = malloc(4 + plen);

	assert_non_null(b);
	assert_non_null(tmp);
	put32(b, (uint32_t)plen);
	memcpy(b + 8, payload, plen);
	memcpy(tmp, b, 4);
	memcpy(tmp + 4, payload, plen);
	put32(b + 4, crc32c(tmp, 4 + plen));
	free(tmp);
	*len = 8 + plen;
	return b;
}

static struct params *
entries(void)
{
	struct params	*p = params_new();
	char		 err[CR_ERRLEN];

	assert_int_equal(params_set(p, "A", "line1\nline2\t\"q\"\\", UA_NONE,
	    err), 1);
	assert_int_equal(params_set(p, "Speed_Dial_2_2_", NULL, UA_RW, err),
	    1);
	assert_int_equal(params_set(p, "Empty", "", UA_NA, err), 1);
	assert_int_equal(params_set(p, "Utf", "\xc3\xa9\xe2\x82\xac"
	    "\xf0\x9f\x98\x80", UA_RO, err), 1);
	return p;
}

/* One of each kind of record, numbered from 0. */
static void
records(struct journal_rec *r, size_t *n)
{
	static char	key[STATE_MAX_KEY + 1];
	size_t		i;

	memset(r, 0, 6 * sizeof *r);
	r[0].type = JOURNAL_HEAD;
	memset(r[0].id, 0xa5, sizeof r[0].id);
	r[1].type = JOURNAL_BATCH;
	r[1].num = 1;
	r[1].seq = UINT64_MAX;
	r[1].params = entries();
	for (i = 0; i < params_count(r[1].params); i++)
		params_set_seq(r[1].params, params_at(r[1].params, i)->name,
		    UINT64_MAX);
	r[2].type = JOURNAL_ACK;
	r[2].num = 2;
	r[2].ndest = 1;
	r[2].dest[0].key = strdup("delta http://prov.example/x.xml");
	r[2].dest[0].acked = 17;
	r[3].type = JOURNAL_DESTS;
	r[3].num = 3;
	/* 16 keys of 4,096 bytes, every byte but NUL. */
	for (i = 0; i < STATE_MAX_KEY; i++)
		key[i] = (char)(1 + i % 255);
	for (i = 0; i < STATE_MAX_DESTS; i++) {
		key[0] = (char)(1 + i);
		r[3].dest[i].key = strdup(key);
		r[3].dest[i].acked = i * 1000;
	}
	r[3].ndest = STATE_MAX_DESTS;
	r[4].type = JOURNAL_DESTS;	/* an empty list */
	r[4].num = 4;
	r[5].type = JOURNAL_PROFILE;
	r[5].num = 5;
	memset(r[5].id, 0x11, sizeof r[5].id);
	*n = 6;
}

static void
same(const struct journal_rec *a, const struct journal_rec *b)
{
	const struct param	*p, *q;
	size_t			 i;

	assert_int_equal(a->type, b->type);
	assert_int_equal(a->num, b->num);
	if (a->type == JOURNAL_HEAD || a->type == JOURNAL_PROFILE)
		assert_memory_equal(a->id, b->id, sizeof a->id);
	if (a->type == JOURNAL_BATCH) {
		assert_int_equal(a->seq, b->seq);
		assert_int_equal(params_count(a->params),
		    params_count(b->params));
		for (i = 0; i < params_count(a->params); i++) {
			p = params_at(a->params, i);
			q = params_at(b->params, i);
			assert_string_equal(p->name, q->name);
			assert_int_equal(p->ua, q->ua);
			assert_int_equal(p->seq, q->seq);
			if (p->value == NULL)
				assert_null(q->value);
			else
				assert_string_equal(p->value, q->value);
		}
	}
	assert_int_equal(a->ndest, b->ndest);
	for (i = 0; i < a->ndest; i++) {
		assert_string_equal(a->dest[i].key, b->dest[i].key);
		assert_int_equal(a->dest[i].acked, b->dest[i].acked);
	}
}

static void
test_round_trip(void **state)
{
	struct journal_rec	 r[6], out;
	uint8_t			*buf, *again, *all = NULL;
	char			 err[CR_ERRLEN];
	size_t			 n, i, len, alen, used, total = 0, off;

	(void)state;
	records(r, &n);
	for (i = 0; i < n; i++) {
		buf = journal_encode(&r[i], &len, err);
		if (buf == NULL)
			fail_msg("%s", err);
		/* The frame: length, then the CRC-32C of length and payload. */
		assert_int_equal(buf[0] | buf[1] << 8 | buf[2] << 16 |
		    (uint32_t)buf[3] << 24, len - JOURNAL_FRAME);
		{
			uint8_t	*t = malloc(len - 4);

			memcpy(t, buf, 4);
			memcpy(t + 4, buf + 8, len - 8);
			assert_int_equal(buf[4] | buf[5] << 8 | buf[6] << 16 |
			    (uint32_t)buf[7] << 24, crc32c(t, len - 4));
			free(t);
		}
		assert_int_equal(journal_decode(buf, len, &used, &out, err),
		    1);
		assert_int_equal(used, len);
		same(&r[i], &out);
		/* One spelling: decoding then encoding gives the same bytes. */
		again = journal_encode(&out, &alen, err);
		assert_non_null(again);
		assert_int_equal(alen, len);
		assert_memory_equal(again, buf, len);
		free(again);
		journal_rec_clear(&out);
		all = realloc(all, total + len);
		memcpy(all + total, buf, len);
		total += len;
		free(buf);
	}
	/* Back to back, as in a journal file. */
	for (off = 0, i = 0; off < total; off += used, i++) {
		assert_int_equal(journal_decode(all + off, total - off, &used,
		    &out, err), 1);
		same(&r[i], &out);
		journal_rec_clear(&out);
	}
	assert_int_equal(i, n);
	assert_int_equal(journal_decode(all + off, 0, &used, &out, err), 0);
	free(all);
	for (i = 0; i < n; i++)
		journal_rec_clear(&r[i]);
	/* CRC-32C's check value. */
	assert_int_equal(crc32c((const uint8_t *)"123456789", 9), 0xe3069283);
}

/* Every cut refused; the frame's claim reaches past the cut (torn). */
static void
test_truncated(void **state)
{
	struct journal_rec	 r[6], out;
	uint8_t			*buf;
	char			 err[CR_ERRLEN];
	size_t			 n, i, k, len, used;

	(void)state;
	records(r, &n);
	for (i = 0; i < n; i++) {
		buf = journal_encode(&r[i], &len, err);
		assert_non_null(buf);
		for (k = 1; k < len; k++) {
			assert_int_equal(journal_decode(buf, k, &used, &out,
			    err), -1);
			assert_true(used > k);
			assert_non_null(strstr(err, "cut short"));
		}
		free(buf);
		journal_rec_clear(&r[i]);
	}
}

/* Every byte flipped with five masks: all refused. */
static void
test_flipped(void **state)
{
	static const uint8_t	 masks[] = { 0x01, 0x10, 0x80, 0x55, 0xff };
	struct journal_rec	 r[6], out;
	uint8_t			*buf;
	char			 err[CR_ERRLEN];
	size_t			 n, i, j, m, len, used;

	(void)state;
	records(r, &n);
	for (i = 0; i < n; i++) {
		/* The 64 KiB destinations record is long: every 7th byte. */
		buf = journal_encode(&r[i], &len, err);
		assert_non_null(buf);
		for (j = 0; j < len; j += len > 4096 ? 7 : 1) {
			for (m = 0; m < sizeof masks; m++) {
				buf[j] ^= masks[m];
				assert_int_equal(journal_decode(buf, len,
				    &used, &out, err), -1);
				buf[j] ^= masks[m];
			}
		}
		free(buf);
		journal_rec_clear(&r[i]);
	}
}

/* A length that lies costs nothing: refused before any allocation. */
static void
test_huge_length(void **state)
{
	struct journal_rec	out;
	uint8_t			b[16] = { 0 };
	char			err[CR_ERRLEN];
	size_t			used;

	(void)state;
	put32(b, 0xffffffff);
	assert_int_equal(journal_decode(b, sizeof b, &used, &out, err), -1);
	assert_non_null(strstr(err, "claims 4294967295 bytes"));
	assert_int_equal(used, SIZE_MAX);
	put32(b, JOURNAL_MAX_RECORD + 1);
	assert_int_equal(journal_decode(b, sizeof b, &used, &out, err), -1);
	assert_non_null(strstr(err, "claims"));
	/* Zero length: what a file system's unwritten tail reads as. */
	put32(b, 0);
	assert_int_equal(journal_decode(b, sizeof b, &used, &out, err), -1);
	assert_int_equal(used, JOURNAL_FRAME);
	/* A header cut short. */
	assert_int_equal(journal_decode(b, 5, &used, &out, err), -1);
	assert_true(used > 5);
}

/* Payloads with a valid checksum that the encoder never writes. */
static void
test_bad_content(void **state)
{
	static const struct {
		const char	*payload;
		size_t		 len;
		const char	*why;
	} bad[] = {
#define P(s)	s, sizeof s - 1
#define NUM	"\x01\0\0\0\0\0\0\0"
#define SEQ	"\x02\0\0\0\0\0\0\0"
		{ P("\x09" NUM), "unknown record type" },
		{ P("\x01" NUM "cfgreport-journaX"), "not a cfgreport journal" },
		{ P("\x01" NUM "cfgreport-journal\x02"), "format version 2" },
		{ P("\x01" NUM "cfgreport-journal\x01" "abc"), "cut short" },
		{ P("\x05" NUM "short"), "cut short" },
		{ P("\x05" NUM "0123456789abcdef0123456789abcdef!"),
		    "trailing bytes" },
		{ P("\x02" NUM SEQ "\0\0\0\0"), "batch of a bad size" },
		{ P("\x02" NUM SEQ "\xff\xff\0\0" "\0\0\1\0\0\0A"),
		    "batch of a bad size" },
		{ P("\x02" NUM SEQ "\1\0\0\0" "\x04\0\1\0\0\0A"),
		    "bad entry flags" },
		{ P("\x02" NUM SEQ "\1\0\0\0" "\0\x02\1\0\0\0A"),
		    "bad entry flags" },
		{ P("\x02" NUM SEQ "\1\0\0\0" "\0\0\0\0\0\0\0\0\0\0\0"),
		    "name of a bad length" },
		{ P("\x02" NUM SEQ "\1\0\0\0" "\0\0\2\0\0\0A\0"),
		    "NUL byte in a name" },
		{ P("\x02" NUM SEQ "\1\0\0\0" "\0\0\2\0\0\0A!"), "A!" },
		{ P("\x02" NUM SEQ "\1\0\0\0" "\0\1\1\0\0\0A\1\0\0\0\0"),
		    "NUL byte in a value" },
		{ P("\x02" NUM SEQ "\1\0\0\0" "\0\1\1\0\0\0A\2\0\0\0\xc3("),
		    "A" },
		{ P("\x02" NUM SEQ "\1\0\0\0" "\0\1\1\0\0\0A\x09\0\0\0x"),
		    "value of a bad length" },
		{ P("\x02" NUM SEQ "\2\0\0\0" "\0\0\1\0\0\0A" "\0\0\1\0\0\0a"
		    "\0\0\0\0\0\0\0\0\0\0\0"), "duplicate name" },
		{ P("\x03" NUM SEQ "\0\0\0\0"), "destination key of a bad" },
		{ P("\x03" NUM SEQ "\2\0\0\0k\0"), "NUL byte in a destination" },
		{ P("\x04" NUM "\x11"), "too many destinations" },
		{ P("\x04" NUM "\x02" SEQ "\1\0\0\0k" SEQ "\1\0\0\0k"),
		    "duplicate destination" },
		{ P("\x04" NUM "\x01" SEQ "\1\0\0\0k" "x"), "trailing bytes" },
#undef P
#undef NUM
#undef SEQ
	};
	struct journal_rec	 out;
	uint8_t			*b;
	char			 err[CR_ERRLEN];
	size_t			 i, len, used;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		b = frame((const uint8_t *)bad[i].payload, bad[i].len, &len);
		err[0] = '\0';
		if (journal_decode(b, len, &used, &out, err) != -1)
			fail_msg("case %zu accepted", i);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, err,
			    bad[i].why);
		assert_int_equal(strncmp(err, "journal: ", 9), 0);
		free(b);
	}
}

/* What the decoder would refuse is never written. */
static void
test_encoder_refuses(void **state)
{
	struct journal_rec	 r;
	char			 err[CR_ERRLEN], *big;
	size_t			 len;

	(void)state;
	memset(&r, 0, sizeof r);
	r.type = JOURNAL_BATCH;
	r.params = params_new();
	assert_null(journal_encode(&r, &len, err));
	assert_non_null(strstr(err, "empty batch"));
	params_free(r.params);
	memset(&r, 0, sizeof r);
	r.type = JOURNAL_ACK;
	r.ndest = 1;
	r.dest[0].key = "";
	assert_null(journal_encode(&r, &len, err));
	assert_non_null(strstr(err, "key empty"));
	big = malloc(STATE_MAX_KEY + 2);
	memset(big, 'k', STATE_MAX_KEY + 1);
	big[STATE_MAX_KEY + 1] = '\0';
	r.dest[0].key = big;
	assert_null(journal_encode(&r, &len, err));
	free(big);
	r.type = JOURNAL_DESTS;
	r.ndest = 2;
	r.dest[0].key = r.dest[1].key = "same";
	assert_null(journal_encode(&r, &len, err));
	assert_non_null(strstr(err, "duplicate destination"));
	r.ndest = STATE_MAX_DESTS + 1;
	assert_null(journal_encode(&r, &len, err));
	r.ndest = 0;
	r.type = (enum journal_type)42;
	assert_null(journal_encode(&r, &len, err));
	assert_non_null(strstr(err, "unknown record type"));
}

/* Every allocation failing in turn: -1 each time, nothing leaked. */
static void
test_failmalloc(void **state)
{
	struct journal_rec	 r[6], out;
	uint8_t			*buf;
	char			 err[CR_ERRLEN];
	size_t			 n, i, len, used;
	long			 k;
	int			 rc;

	(void)state;
	if (!failmalloc_active())
		skip();
	records(r, &n);
	for (i = 0; i < n; i++) {
		buf = journal_encode(&r[i], &len, err);
		assert_non_null(buf);
		for (k = 0;; k++) {
			failmalloc_after(k);
			rc = journal_decode(buf, len, &used, &out, err);
			failmalloc_after(-1);
			if (rc == 1)
				break;
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err, "memory"));
		}
		same(&r[i], &out);
		journal_rec_clear(&out);
		free(buf);
		journal_rec_clear(&r[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_flipped),
		cmocka_unit_test(test_huge_length),
		cmocka_unit_test(test_bad_content),
		cmocka_unit_test(test_encoder_refuses),
		cmocka_unit_test(test_failmalloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
