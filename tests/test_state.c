/* test_state.c — the state file: round trips, refusals, damage. */
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

static const char *const hexd = "0123456789abcdef";

/* CONTENT followed by a valid trailer, as the encoder would end it. */
static char *
seal(const char *content, size_t *lenp)
{
	size_t	 len = strlen(content);
	char	*buf;

	buf = malloc(len + 11 + 8 + 2);
	assert_non_null(buf);
	memcpy(buf, content, len);
	snprintf(buf + len, 21, "end crc32c %08x\n",
	    (unsigned)state_crc32c(0, content, len));
	*lenp = len + 20;
	return buf;
}

/* The same, as version 1 wrote it: a SHA-256 trailer. */
static char *
seal_v1(const char *content, size_t *lenp)
{
	uint8_t	 d[STATE_DIGEST_LEN];
	size_t	 len = strlen(content), i;
	char	*buf;

	assert_int_equal(state_sha256(content, len, d), 0);
	buf = malloc(len + 11 + 64 + 2);
	assert_non_null(buf);
	memcpy(buf, content, len);
	memcpy(buf + len, "end sha256 ", 11);
	for (i = 0; i < sizeof d; i++) {
		buf[len + 11 + 2 * i] = hexd[d[i] >> 4];
		buf[len + 11 + 2 * i + 1] = hexd[d[i] & 0xf];
	}
	buf[len + 75] = '\n';
	buf[len + 76] = '\0';
	*lenp = len + 76;
	return buf;
}

static void
set(struct params *p, const char *name, const char *value, enum ua ua,
    uint64_t seq)
{
	char	err[CR_ERRLEN];

	assert_int_equal(params_set(p, name, value, ua, err), 1);
	assert_int_equal(params_set_seq(p, name, seq), 0);
}

static void
assert_state_equal(const struct state *a, const struct state *b)
{
	const struct param	*x, *y;
	size_t			 i;

	assert_true(a->seq == b->seq);
	assert_int_equal(a->has_digest, b->has_digest);
	if (a->has_digest)
		assert_memory_equal(a->digest, b->digest, STATE_DIGEST_LEN);
	assert_int_equal(a->ndest, b->ndest);
	for (i = 0; i < a->ndest; i++) {
		assert_string_equal(a->dest[i].key, b->dest[i].key);
		assert_true(a->dest[i].acked == b->dest[i].acked);
	}
	assert_int_equal(params_count(a->params), params_count(b->params));
	for (i = 0; i < params_count(a->params); i++) {
		x = params_at(a->params, i);
		y = params_at(b->params, i);
		assert_string_equal(x->name, y->name);
		if (x->value == NULL)
			assert_null(y->value);
		else {
			assert_non_null(y->value);
			assert_string_equal(x->value, y->value);
		}
		assert_int_equal(x->ua, y->ua);
		assert_true(x->seq == y->seq);
	}
}

/* Encode ST, parse it back, compare, and encode again to the same bytes. */
static char *
roundtrip(const struct state *st, size_t *lenp)
{
	struct state	 back;
	char		 err[CR_ERRLEN], *buf, *again;
	size_t		 len, len2;

	buf = state_encode(st, &len, err);
	if (buf == NULL)
		fail_msg("encode: %s", err);
	assert_int_equal(buf[len], '\0');
	memset(&back, 0, sizeof back);
	if (state_parse(buf, len, &back, err) != 0)
		fail_msg("parse: %s", err);
	assert_state_equal(st, &back);
	again = state_encode(&back, &len2, err);
	assert_non_null(again);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, again, len);
	free(again);
	state_clear(&back);
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* Parsing BUF fails with a reason containing WHY; OUT stays untouched. */
static void
refused(const char *buf, size_t len, const char *why)
{
	struct state	out, untouched;
	char		err[CR_ERRLEN] = "";

	memset(&out, 0x5a, sizeof out);
	memset(&untouched, 0x5a, sizeof untouched);
	if (state_parse(buf, len, &out, err) != -1)
		fail_msg("accepted, wanted \"%s\"", why);
	if (strstr(err, why) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", err, why);
	assert_int_equal(strncmp(err, "state: ", 7), 0);
	/* Never a half-built result. */
	assert_memory_equal(&out, &untouched, sizeof out);
}

static void
refused_sealed(const char *content, const char *why)
{
	char	*buf;
	size_t	 len;

	buf = seal(content, &len);
	refused(buf, len, why);
	free(buf);
}

static void
test_sha256(void **state)
{
	uint8_t	d[STATE_DIGEST_LEN];
	/* FIPS 180-2, "abc". */
	static const uint8_t abc[] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};

	assert_int_equal(state_sha256("abc", 3, d), 0);
	assert_memory_equal(d, abc, sizeof abc);
}

/* The documented form, byte for byte (docs/store.md). */
static void
test_format(void **state)
{
	struct state	 st;
	char		*buf, *want;
	size_t		 len, wlen, i;

	memset(&st, 0, sizeof st);
	st.seq = 42;
	st.has_digest = 1;
	for (i = 0; i < STATE_DIGEST_LEN; i++)
		st.digest[i] = (uint8_t)i;
	st.ndest = 1;
	st.dest[0].key = strdup("delta http://prov.example/x.xml");
	st.dest[0].acked = 17;
	st.params = params_new();
	set(st.params, "Report_Rule", "[--delta]http://prov.example/$MA.xml",
	    UA_NA, 5);
	set(st.params, "Speed_Dial_2_2_", NULL, UA_RW, 0);
	set(st.params, "GPP_A", "", UA_NONE, 42);
	set(st.params, "Note", "a \"b\"\\c\nd\te\rf \xc3\xa9", UA_RO, 7);
	buf = roundtrip(&st, &len);
	want = seal("cfgreport-state 2\n"
	    "seq 42\n"
	    "profile sha256 000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n"
	    "dest 17 \"delta http://prov.example/x.xml\"\n"
	    "param 5 na Report_Rule \"[--delta]http://prov.example/$MA.xml\"\n"
	    "param 0 rw Speed_Dial_2_2_ -\n"
	    "param 42 - GPP_A \"\"\n"
	    "param 7 ro Note \"a \\\"b\\\"\\\\c\\nd\\te\\rf \xc3\xa9\"\n",
	    &wlen);
	assert_int_equal(len, wlen);
	assert_string_equal(buf, want);
	free(want);
	free(buf);
	state_clear(&st);
	assert_null(st.params);
	assert_int_equal(st.ndest, 0);
}

/*
 * Every byte's escape, counted (state_param_len, which store.c sizes
 * batches with) and written (a destination key takes any byte but NUL):
 * against the rules of the format, not against the encoder's own code.
 */
static void
test_every_byte(void **state)
{
	struct state	 st;
	struct param	 p;
	char		 value[4], want[64], *buf;
	const char	*esc;
	size_t		 len, wlen;
	int		 b;

	for (b = 1; b < 256; b++) {
		value[0] = 'a';
		value[1] = (char)b;
		value[2] = 'z';
		value[3] = '\0';
		switch (b) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			esc = NULL;
			break;
		}
		if (esc != NULL)
			snprintf(want, sizeof want, "a%sz", esc);
		else if (b < 0x20 || b == 0x7f)
			snprintf(want, sizeof want, "a\\x%02xz", b);
		else
			snprintf(want, sizeof want, "a%cz", b);
		p.name = "Some_Name_1_";
		p.value = value;
		p.ua = (enum ua)(b % 4);
		p.seq = (uint64_t)b * 1000;
		assert_int_equal(state_param_len(&p), strlen("param ") +
		    (b < 10 ? 4 : b < 100 ? 5 : 6) + 1 +
		    (p.ua == UA_NONE ? 1 : 2) + 1 + strlen(p.name) + 1 +
		    strlen(want) + 2 + 1);
		p.value = NULL;
		assert_int_equal(state_param_len(&p), strlen("param ") +
		    (b < 10 ? 4 : b < 100 ? 5 : 6) + 1 +
		    (p.ua == UA_NONE ? 1 : 2) + 1 + strlen(p.name) + 3);

		memset(&st, 0, sizeof st);
		st.ndest = 1;
		assert_non_null(st.dest[0].key = strdup(value));
		st.params = params_new();
		buf = roundtrip(&st, &len);
		wlen = strlen(want);
		assert_non_null(strstr(buf, want));
		assert_true(strstr(buf, want)[-1] == '"' &&
		    strstr(buf, want)[wlen] == '"');
		free(buf);
		state_clear(&st);
	}
}

static void
test_roundtrip_empty(void **state)
{
	struct state	 st;
	char		*buf, *want;
	size_t		 len, wlen;

	memset(&st, 0, sizeof st);
	st.params = params_new();
	buf = roundtrip(&st, &len);
	want = seal("cfgreport-state 2\nseq 0\nprofile none\n", &wlen);
	assert_int_equal(len, wlen);
	assert_string_equal(buf, want);
	free(want);
	free(buf);
	state_clear(&st);
}

/*
 * Nasty values: every escape, all of UTF-8's lengths, the longest value,
 * and keys holding every byte but NUL.
 */
static void
test_roundtrip_nasty(void **state)
{
	struct state	 st;
	char		*big, *buf, name[32], key[STATE_MAX_KEY + 1];
	size_t		 i, j;
	static const char *const values[] = {
		"", " ", "  lead and trail  ", "\\", "\\\\n", "\"", "\"\"",
		"\n", "\r\n", "\t", "line1\nline2\n", "a\\nb",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd",
		"<xml attr=\"x\">&amp;</xml>", "-", "\"-\"", "$$(MA)",
		"end sha256 0000", "param 1 rw X \"y\"", "\x7e~",
	};

	memset(&st, 0, sizeof st);
	st.params = params_new();
	st.seq = UINT64_MAX;
	st.has_digest = 1;
	memset(st.digest, 0xff, sizeof st.digest);
	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		snprintf(name, sizeof name, "V.%zu-x_", i);
		set(st.params, name, values[i], (enum ua)(i % 4),
		    i == 0 ? UINT64_MAX : i * 1000003);
	}
	big = malloc(PARAMS_MAX_VALUE + 1);
	for (i = 0; i < PARAMS_MAX_VALUE; i++)
		big[i] = "\\\n\"\tx"[i % 5];
	big[PARAMS_MAX_VALUE] = '\0';
	set(st.params, "Big", big, UA_RW, 1);
	free(big);
	/* Sixteen keys, the longest possible, with every byte 1..255. */
	for (i = 0; i < STATE_MAX_DESTS; i++) {
		for (j = 0; j < STATE_MAX_KEY; j++)
			key[j] = (char)(1 + (i + j) % 255);
		key[STATE_MAX_KEY] = '\0';
		st.dest[i].key = strdup(key);
		st.dest[i].acked = i == 0 ? UINT64_MAX : i;
	}
	st.ndest = STATE_MAX_DESTS;
	buf = roundtrip(&st, NULL);
	free(buf);
	state_clear(&st);
}

/* A realistic device: 2,000 parameters, two destinations. */
static struct state
device_state(void)
{
	struct state	st;
	char		name[32], value[64];
	size_t		i;

	memset(&st, 0, sizeof st);
	st.params = params_new();
	st.seq = 300;
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof name, "Param_%zu_", i);
		snprintf(value, sizeof value, "value of %zu, %s", i,
		    i % 7 ? "plain" : "two\nlines");
		set(st.params, name, i % 50 == 49 ? NULL : value,
		    (enum ua)(i % 4), i % 301);
	}
	st.ndest = 2;
	st.dest[0].key = strdup("delta http://prov.example/d.xml");
	st.dest[0].acked = 120;
	st.dest[1].key = strdup("delta tftp://10.0.0.1/d.xml");
	st.dest[1].acked = 0;
	return st;
}

static void
test_roundtrip_device(void **state)
{
	struct state	 st = device_state();
	char		*buf;
	size_t		 len;

	buf = roundtrip(&st, &len);
	/* Bench and docs quote ~100 KiB for such a device. */
	assert_true(len > 50000 && len < 150000);
	free(buf);
	state_clear(&st);
}

#define HDR	"cfgreport-state 2\nseq 9\nprofile none\n"

static void
test_refusals(void **state)
{
	char	*big, *line;
	size_t	 i, o;

	/* Header and order of the fixed lines. */
	refused_sealed("", "line 1: not a cfgreport state file");
	refused_sealed("cfgreport-state 3\nseq 0\nprofile none\n",
	    "line 1: format version 3, this agent reads 1 and 2");
	refused_sealed("cfgreport-state 01\nseq 0\nprofile none\n",
	    "line 1: number with a leading zero");
	refused_sealed("cfgreport-state 2 \nseq 0\nprofile none\n",
	    "line 1: unexpected text");
	refused_sealed("Cfgreport-state 1\nseq 0\nprofile none\n",
	    "line 1: not a cfgreport state file");
	refused_sealed("cfgreport-state 2\nprofile none\nseq 0\n",
	    "line 2: expected \"seq\"");
	refused_sealed("cfgreport-state 2\nseq 0\n", "line 3: expected "
	    "\"profile\"");
	refused_sealed("cfgreport-state 2\n", "line 2: expected \"seq\"");
	refused_sealed("cfgreport-state 2\nseq -1\nprofile none\n",
	    "line 2: expected a number");
	refused_sealed("cfgreport-state 2\nseq  1\nprofile none\n",
	    "line 2: expected a number");
	refused_sealed("cfgreport-state 2\nseq 00\nprofile none\n",
	    "line 2: number with a leading zero");
	refused_sealed("cfgreport-state 2\nseq 18446744073709551616\n"
	    "profile none\n", "line 2: number out of range");
	refused_sealed("cfgreport-state 2\nseq 1x\nprofile none\n",
	    "line 2: unexpected text");
	refused_sealed("cfgreport-state 2\nseq 1\r\nprofile none\n",
	    "line 2: unexpected text");
	refused_sealed("cfgreport-state 2\nseq 1\nprofile sha1 00\n",
	    "line 3: expected \"none\" or \"sha256\"");
	refused_sealed("cfgreport-state 2\nseq 1\nprofile sha256 00\n",
	    "line 3: digest too short");
	refused_sealed("cfgreport-state 2\nseq 1\nprofile sha256 "
	    "000102030405060708090A0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	    "\n", "line 3: digest is not lower-case hex");
	refused_sealed("cfgreport-state 2\nseq 1\nprofile sha256 "
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0"
	    "\n", "line 3: unexpected text");
	refused_sealed("cfgreport-state 2\nseq 1\nprofile none\n\n",
	    "line 4: expected \"dest\", \"param\" or \"end\"");
	refused_sealed(HDR "seq 1\n", "line 4: expected \"dest\"");
	refused_sealed(HDR "end sha256 00\n", "line 4: expected \"dest\"");

	/* Destinations. */
	refused_sealed(HDR "dest 10 \"k\"\n", "line 4: destination "
	    "acknowledged beyond seq");
	refused_sealed(HDR "dest 1 \"\"\n", "line 4: empty destination key");
	refused_sealed(HDR "dest 1 \"k\"\ndest 2 \"k\"\n",
	    "line 5: duplicate destination");
	refused_sealed(HDR "dest 1 k\n", "line 4: expected a quoted string");
	refused_sealed(HDR "dest 1 \"k\n", "line 4: unterminated quoted");
	refused_sealed(HDR "dest 1 \"k\" \n", "line 4: unexpected text");
	refused_sealed(HDR "dest 1  \"k\"\n", "line 4: expected a quoted");
	refused_sealed(HDR "dest 1\"k\"\n", "line 4: expected one space");
	refused_sealed(HDR "param 1 - A \"a\"\ndest 1 \"k\"\n",
	    "line 5: destination after the parameters");
	refused_sealed(HDR "dest 1 \"a\tb\"\n", "line 4: control byte");
	refused_sealed(HDR "dest 1 \"a\x7f\"\n", "line 4: control byte");
	refused_sealed(HDR "dest 1 \"a\\q\"\n", "line 4: bad escape");
	refused_sealed(HDR "dest 1 \"a\\\"\n", "line 4: unterminated");
	refused_sealed(HDR "dest 1 \"\\x00\"\n", "line 4: bad \\x escape");
	refused_sealed(HDR "dest 1 \"\\x0A\"\n", "line 4: bad \\x escape");
	refused_sealed(HDR "dest 1 \"\\x0a\"\n", "line 4: bad \\x escape");
	refused_sealed(HDR "dest 1 \"\\x41\"\n", "line 4: bad \\x escape");
	refused_sealed(HDR "dest 1 \"\\x1\"\n", "line 4: bad \\x escape");
	refused_sealed(HDR "dest 1 \"\\x", "no end line");

	/* Parameters. */
	refused_sealed(HDR "param 10 - A \"a\"\n", "line 4: change number "
	    "beyond seq");
	refused_sealed(HDR "param 1 RW A \"a\"\n", "line 4: bad ua");
	refused_sealed(HDR "param 1 rw\n", "line 4: bad ua");
	refused_sealed(HDR "param 1 rw A\n", "line 4: expected a name and a "
	    "value");
	refused_sealed(HDR "param 1 rw A \"a\"\nparam 1 - a \"b\"\n",
	    "line 5: duplicate parameter");
	refused_sealed(HDR "param 1 rw 9A \"a\"\n", "line 4: \"9A\": not a "
	    "parameter name");
	refused_sealed(HDR "param 1 rw  \"a\"\n", "line 4: \"\": not a "
	    "parameter name");
	refused_sealed(HDR "param 1 rw A -x\n", "line 4: unexpected text");
	refused_sealed(HDR "param 1 rw A a\n", "line 4: expected a quoted");
	refused_sealed(HDR "param 1 rw A \"\\x01\"\n", "line 4: A: value is "
	    "not UTF-8 text");
	refused_sealed(HDR "param 1 rw A \"\xc3\"\n", "line 4: A: value is "
	    "not UTF-8 text");
	refused_sealed(HDR "param 1 rw A \"\xed\xa0\x80\"\n", "not UTF-8");
	refused_sealed(HDR "param 1 rw A \"\xc0\xaf\"\n", "not UTF-8");

	/* A NUL inside a name must not cut it to a valid one. */
	{
		char	 c[] = HDR "param 1 rw AB \"a\"\n";
		char	*buf;
		size_t	 len;

		buf = seal(c, &len);
		buf[strlen(HDR) + 12] = '\0';	/* the B */
		/* Reseal over the real bytes, NUL included. */
		{
			size_t	body = len - 20;

			snprintf(buf + body, 21, "end crc32c %08x\n",
			    (unsigned)state_crc32c(0, buf, body));
		}
		refused(buf, len, "line 4: NUL byte in a name");
		free(buf);
	}

	/* A value one byte too long, then a line longer than any. */
	big = malloc(PARAMS_MAX_VALUE + 64);
	o = (size_t)sprintf(big, HDR "param 1 - A \"");
	for (i = 0; i < PARAMS_MAX_VALUE + 1; i++)
		big[o++] = 'x';
	memcpy(big + o, "\"\n", 3);
	refused_sealed(big, "line 4: quoted string too long");
	free(big);
	line = malloc(5 * PARAMS_MAX_VALUE);
	o = (size_t)sprintf(line, HDR "param 1 - A \"");
	for (i = 0; i < 4 * PARAMS_MAX_VALUE + 1024; i++)
		line[o++] = 'y';
	memcpy(line + o, "\"\n", 3);
	refused_sealed(line, "line 4: line too long");
	free(line);
}

/* More than the limits: destinations, keys, parameters, size. */
static void
test_limits(void **state)
{
	char	*buf, *p;
	size_t	 i, o, len;

	/* Seventeen destinations. */
	buf = malloc(4096);
	o = (size_t)sprintf(buf, HDR);
	for (i = 0; i <= STATE_MAX_DESTS; i++)
		o += (size_t)sprintf(buf + o, "dest 1 \"k%zu\"\n", i);
	refused_sealed(buf, "line 20: too many destinations");
	free(buf);

	/* A key of STATE_MAX_KEY + 1 bytes. */
	buf = malloc(STATE_MAX_KEY + 256);
	o = (size_t)sprintf(buf, HDR "dest 1 \"");
	memset(buf + o, 'k', STATE_MAX_KEY + 1);
	o += STATE_MAX_KEY + 1;
	memcpy(buf + o, "\"\n", 3);
	refused_sealed(buf, "line 4: quoted string too long");
	/* Exactly STATE_MAX_KEY is fine. */
	memcpy(buf + o - 1, "\"\n", 3);
	p = seal(buf, &len);
	{
		struct state	st;
		char		err[CR_ERRLEN];

		assert_int_equal(state_parse(p, len, &st, err), 0);
		assert_int_equal(strlen(st.dest[0].key), STATE_MAX_KEY);
		state_clear(&st);
	}
	free(p);
	free(buf);

	/* PARAMS_MAX_COUNT + 1 parameters. */
	buf = malloc((PARAMS_MAX_COUNT + 1) * 32 + 64);
	o = (size_t)sprintf(buf, HDR);
	for (i = 0; i <= PARAMS_MAX_COUNT; i++)
		o += (size_t)sprintf(buf + o, "param 0 - P%zu \"\"\n", i);
	refused_sealed(buf, "more than");
	free(buf);

	/* Larger than STATE_MAX_SIZE: refused before reading. */
	buf = calloc(1, (size_t)STATE_MAX_SIZE + 1);
	assert_non_null(buf);
	refused(buf, (size_t)STATE_MAX_SIZE + 1, "larger than");
	free(buf);
}

/* Missing, damaged or extra trailers. */
static void
test_trailer(void **state)
{
	char	*buf, *c, *h;
	size_t	 len;

	buf = seal(HDR "param 1 - A \"a\"\n", &len);
	refused(buf, 0, "not a cfgreport state file");
	refused(buf, strlen(HDR), "line 3: no end line");
	refused(buf, len - 1, "line 5: no end line");
	c = malloc(len + 2);
	memcpy(c, buf, len);
	memcpy(c + len, "x\n", 2);
	refused(c, len + 2, "no end line");
	/* The trailer twice: the first becomes content, the digest fails. */
	free(c);
	c = malloc(2 * len);
	memcpy(c, buf, len);
	memcpy(c + len, buf + len - 20, 20);
	refused(c, len + 20, "checksum mismatch");
	free(c);
	/* Upper-case hex of the right digest: not the one spelling. */
	c = strdup(buf);
	for (h = c + len - 9; h < c + len - 1; h++)
		if (*h >= 'a' && *h <= 'f')
			*h = (char)(*h - 'a' + 'A');
	refused(c, len, "line 5: digest is not lower-case hex");
	free(c);
	/* The trailer must start a line. */
	c = strdup(buf);
	c[len - 21] = ' ';
	refused(c, len, "no end line");
	free(c);
	/* Version 1's trailer on version 2, and the reverse. */
	free(buf);
	buf = seal_v1(HDR "param 1 - A \"a\"\n", &len);
	refused(buf, len, "no end line");
	free(buf);
	buf = seal("cfgreport-state 1\nseq 0\nprofile none\n", &len);
	refused(buf, len, "no end line");
	free(buf);
}

/*
 * Version 1 (a SHA-256 trailer) is still read, so an upgraded agent keeps
 * its state; its next snapshot is version 2.  Its damage is still caught.
 */
static void
test_version1(void **state)
{
	struct state	 st;
	char		*buf, *again, err[CR_ERRLEN];
	size_t		 len, alen;
	uint8_t		 id[STATE_DIGEST_LEN], id2[STATE_DIGEST_LEN];

	(void)state;
	buf = seal_v1("cfgreport-state 1\nseq 9\nprofile none\n"
	    "dest 3 \"delta x\"\nparam 9 rw A \"a\"\n", &len);
	memset(&st, 0, sizeof st);
	if (state_parse(buf, len, &st, err) == -1)
		fail_msg("%s", err);
	assert_int_equal(st.seq, 9);
	assert_string_equal(params_find(st.params, "A")->value, "a");
	assert_int_equal(st.dest[0].acked, 3);
	state_id(buf, len, id);
	again = state_encode(&st, &alen, err);
	assert_non_null(again);
	assert_int_equal(strncmp(again, "cfgreport-state 2\n", 18), 0);
	state_id(again, alen, id2);
	assert_memory_not_equal(id, id2, sizeof id);
	free(again);
	state_clear(&st);
	buf[len - 76 - 3] ^= 2;		/* the value's "a" */
	refused(buf, len, "checksum mismatch");
	free(buf);
}

/* CRC-32C's check value, and the long path against the byte path. */
static void
test_crc32c(void **state)
{
	char		buf[100];
	uint32_t	c;
	size_t		i;

	(void)state;
	assert_int_equal(state_crc32c(0, "123456789", 9), 0xe3069283);
	for (i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 7 + 3);
	for (i = 0, c = 0; i < sizeof buf; i++)
		c = state_crc32c(c, buf + i, 1);
	assert_int_equal(state_crc32c(0, buf, sizeof buf), c);
}

/*
 * Damage anywhere is refused: every byte flipped by several masks, every
 * truncation, and never a result.
 */
static void
test_damage_anywhere(void **state)
{
	static const uint8_t masks[] = { 0x01, 0x02, 0x20, 0x80, 0xff };
	struct state	 st;
	char		*buf, err[CR_ERRLEN];
	size_t		 len, i, m, refusals = 0;

	memset(&st, 0, sizeof st);
	st.params = params_new();
	st.seq = 12;
	st.has_digest = 1;
	memset(st.digest, 0xab, sizeof st.digest);
	st.ndest = 1;
	st.dest[0].key = strdup("delta http://h/\"x\"");
	st.dest[0].acked = 3;
	set(st.params, "A", "one\ntwo", UA_RW, 12);
	set(st.params, "B", NULL, UA_NA, 0);
	set(st.params, "C", "\xc3\xa9\\", UA_NONE, 3);
	buf = roundtrip(&st, &len);
	state_clear(&st);

	for (i = 0; i < len; i++) {
		for (m = 0; m < sizeof masks; m++) {
			buf[i] ^= (char)masks[m];
			memset(&st, 0, sizeof st);
			if (state_parse(buf, len, &st, err) != -1)
				fail_msg("byte %zu ^ %#x accepted", i,
				    masks[m]);
			assert_null(st.params);
			buf[i] ^= (char)masks[m];
			refusals++;
		}
	}
	for (i = 0; i < len; i++) {
		memset(&st, 0, sizeof st);
		if (state_parse(buf, i, &st, err) != -1)
			fail_msg("truncated to %zu accepted", i);
		assert_null(st.params);
	}
	assert_true(refusals == len * sizeof masks);
	/* And the intact file still parses. */
	assert_int_equal(state_parse(buf, len, &st, err), 0);
	state_clear(&st);
	free(buf);
}

static void
test_encode_refusals(void **state)
{
	struct state	 st;
	char		 err[CR_ERRLEN];
	size_t		 len;

	memset(&st, 0, sizeof st);
	st.params = params_new();
	st.seq = 5;
	set(st.params, "A", "a", UA_NONE, 6);
	assert_null(state_encode(&st, &len, err));
	assert_string_equal(err, "state: A: change number beyond seq");
	params_set_seq(st.params, "A", 5);

	st.ndest = 1;
	st.dest[0].key = strdup("k");
	st.dest[0].acked = 6;
	assert_null(state_encode(&st, &len, err));
	assert_string_equal(err, "state: destination acknowledged beyond "
	    "seq");
	st.dest[0].acked = 5;
	st.dest[1].key = strdup("k");
	st.ndest = 2;
	assert_null(state_encode(&st, &len, err));
	assert_string_equal(err, "state: duplicate destination");
	free(st.dest[1].key);
	st.dest[1].key = strdup("");
	assert_null(state_encode(&st, &len, err));
	assert_string_equal(err, "state: destination key empty or longer "
	    "than 4096 bytes");
	free(st.dest[1].key);
	st.dest[1].key = NULL;
	st.ndest = STATE_MAX_DESTS + 1;
	assert_null(state_encode(&st, &len, err));
	assert_string_equal(err, "state: more than 16 destinations");
	st.ndest = 1;
	state_clear(&st);
}

/* Every allocation of a parse failing in turn: refused cleanly, no leak. */
static void
test_failmalloc(void **state)
{
	struct state	 st = device_state(), out;
	char		*buf, err[CR_ERRLEN];
	size_t		 len;
	long		 n;
	int		 rc;

	if (!failmalloc_active())
		skip();
	/* A small state: every allocation point, in reasonable time. */
	while (params_count(st.params) > 40)
		params_remove(st.params, params_at(st.params, 40)->name);
	buf = state_encode(&st, &len, err);
	assert_non_null(buf);
	for (n = 0;; n++) {
		memset(&out, 0, sizeof out);
		failmalloc_after(n);
		rc = state_parse(buf, len, &out, err);
		failmalloc_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -1);
		assert_non_null(strstr(err, "out of memory"));
		assert_null(out.params);
	}
	assert_true(n > 40);
	assert_state_equal(&st, &out);
	state_clear(&out);
	free(buf);
	for (n = 0;; n++) {
		failmalloc_after(n);
		buf = state_encode(&st, &len, err);
		failmalloc_after(-1);
		if (buf != NULL)
			break;
		assert_string_equal(err, "state: out of memory");
	}
	free(buf);
	state_clear(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_version1),
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_roundtrip_empty),
		cmocka_unit_test(test_roundtrip_nasty),
		cmocka_unit_test(test_roundtrip_device),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_trailer),
		cmocka_unit_test(test_damage_anywhere),
		cmocka_unit_test(test_encode_refusals),
		cmocka_unit_test(test_failmalloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
