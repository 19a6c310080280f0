/* test_ctlmsg.c — control-socket framing: round trips, splits, errors, limits. */
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

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

/* Feed LEN bytes in pieces of CHUNK; return the last result. */
static int
feed_chunks(struct ctlmsg_dec *d, const uint8_t *p, size_t len, size_t chunk,
    size_t *consumed, char *err)
{
	size_t	off = 0, n, used;
	int	rv = CTLMSG_NEED_MORE;

	while (off < len) {
		n = len - off < chunk ? len - off : chunk;
		rv = ctlmsg_dec_feed(d, p + off, n, &used, err);
		off += used;
		if (rv != CTLMSG_NEED_MORE)
			break;
		assert_int_equal(used, n);
	}
	*consumed = off;
	return rv;
}

/* A request with everything an argument may hold, and a blob with NULs. */
static char *req_argv[] = {
	"set",
	"--source",
	"provisioning",
	"Station_Name=Front desk = lobby",
	"GPP_A=line 1\nline 2\r\n\tend",
	"Display_Name=Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80",
	"",
	"GPP_B==",
	NULL
};
static const uint8_t req_blob[] = "<flat-profile>\0\xff\xfe</flat-profile>";

static void
check_request(struct ctlmsg_dec *d)
{
	const uint8_t	*blob;
	size_t		 bloblen;
	char		**argv;
	int		 argc, i;

	assert_int_equal(ctlmsg_dec_request(d, &argc, &argv, &blob, &bloblen),
	    0);
	assert_int_equal(argc, (int)nitems(req_argv) - 1);
	for (i = 0; i < argc; i++)
		assert_string_equal(argv[i], req_argv[i]);
	assert_null(argv[argc]);
	assert_int_equal(bloblen, sizeof req_blob);
	assert_memory_equal(blob, req_blob, sizeof req_blob);
	assert_int_equal(blob[bloblen], 0);
}

static void
test_request_round_trip(void **state)
{
	struct ctlmsg_dec	*d;
	uint8_t			*msg;
	size_t			 len, used;
	char			 err[CR_ERRLEN];
	int			 argc = (int)nitems(req_argv) - 1;

	msg = ctlmsg_request_encode(argc, req_argv, req_blob,
	    sizeof req_blob, &len, err);
	assert_non_null(msg);
	assert_memory_equal(msg, "CFGR1 8 ", 8);
	assert_non_null(d = ctlmsg_dec_new(CTLMSG_REQUEST));
	assert_false(ctlmsg_dec_started(d));
	assert_int_equal(ctlmsg_dec_feed(d, msg, len, &used, err),
	    CTLMSG_COMPLETE);
	assert_int_equal(used, len);
	check_request(d);
	/* Complete stays complete and consumes nothing more. */
	assert_int_equal(ctlmsg_dec_feed(d, msg, len, &used, err),
	    CTLMSG_COMPLETE);
	assert_int_equal(used, 0);
	/* Reply decoders do not hand out requests, nor the reverse. */
	{
		int		 ok;
		const char	*text;

		assert_int_equal(ctlmsg_dec_reply(d, &ok, &text, &len), -1);
	}
	ctlmsg_dec_free(d);
	free(msg);
}

static void
test_request_no_blob(void **state)
{
	char			*argv[] = { "dump", NULL }, **av;
	struct ctlmsg_dec	*d = ctlmsg_dec_new(CTLMSG_REQUEST);
	const uint8_t		*blob;
	uint8_t			*msg;
	size_t			 len, used, bloblen;
	char			 err[CR_ERRLEN];
	int			 argc;

	msg = ctlmsg_request_encode(1, argv, NULL, 0, &len, err);
	assert_non_null(msg);
	assert_int_equal(len, strlen("CFGR1 1 5 0\n") + 5);
	assert_memory_equal(msg, "CFGR1 1 5 0\ndump\0", len);
	assert_int_equal(ctlmsg_dec_feed(d, msg, len, &used, err),
	    CTLMSG_COMPLETE);
	assert_int_equal(ctlmsg_dec_request(d, &argc, &av, &blob, &bloblen),
	    0);
	assert_int_equal(argc, 1);
	assert_string_equal(av[0], "dump");
	assert_null(blob);
	assert_int_equal(bloblen, 0);
	ctlmsg_dec_free(d);
	free(msg);
}

/* Every split into two pieces, and one byte at a time. */
static void
test_request_splits(void **state)
{
	struct ctlmsg_dec	*d;
	uint8_t			*msg;
	size_t			 len, i, used, used2;
	char			 err[CR_ERRLEN];
	int			 rv;

	msg = ctlmsg_request_encode((int)nitems(req_argv) - 1, req_argv,
	    req_blob, sizeof req_blob, &len, err);
	assert_non_null(msg);
	assert_non_null(d = ctlmsg_dec_new(CTLMSG_REQUEST));
	for (i = 0; i <= len; i++) {
		ctlmsg_dec_reset(d);
		rv = ctlmsg_dec_feed(d, msg, i, &used, err);
		assert_int_equal(used, i);
		if (i < len) {
			assert_int_equal(rv, CTLMSG_NEED_MORE);
			assert_int_equal(ctlmsg_dec_started(d), i > 0);
			rv = ctlmsg_dec_feed(d, msg + i, len - i, &used2,
			    err);
			assert_int_equal(used2, len - i);
		}
		assert_int_equal(rv, CTLMSG_COMPLETE);
		check_request(d);
	}
	ctlmsg_dec_reset(d);
	assert_int_equal(feed_chunks(d, msg, len, 1, &used, err),
	    CTLMSG_COMPLETE);
	assert_int_equal(used, len);
	check_request(d);
	ctlmsg_dec_free(d);
	free(msg);
}

static void
test_reply_round_trip(void **state)
{
	static const char	 body[] = "Station_Name=a\nGPP_A=x\0y\n";
	struct ctlmsg_dec	*d;
	const char		*text;
	uint8_t			*msg;
	size_t			 len, tlen, used, i;
	char			 err[CR_ERRLEN];
	int			 ok;

	msg = ctlmsg_reply_encode(1, body, sizeof body - 1, &len, err);
	assert_non_null(msg);
	assert_memory_equal(msg, "CFGR1 OK 25\n", 12);
	assert_non_null(d = ctlmsg_dec_new(CTLMSG_REPLY));
	for (i = 0; i <= len; i++) {
		ctlmsg_dec_reset(d);
		assert_int_equal(ctlmsg_dec_feed(d, msg, i, &used, err),
		    i < len ? CTLMSG_NEED_MORE : CTLMSG_COMPLETE);
		if (i < len)
			assert_int_equal(ctlmsg_dec_feed(d, msg + i, len - i,
			    &used, err), CTLMSG_COMPLETE);
		assert_int_equal(ctlmsg_dec_reply(d, &ok, &text, &tlen), 0);
		assert_true(ok);
		assert_int_equal(tlen, sizeof body - 1);
		assert_memory_equal(text, body, tlen);
		assert_int_equal(text[tlen], '\0');
	}
	free(msg);

	/* An error reply, and an empty body. */
	msg = ctlmsg_reply_encode(0, "GPP_Q: no such parameter", 24, &len,
	    err);
	assert_non_null(msg);
	ctlmsg_dec_reset(d);
	assert_int_equal(ctlmsg_dec_feed(d, msg, len, &used, err),
	    CTLMSG_COMPLETE);
	assert_int_equal(ctlmsg_dec_reply(d, &ok, &text, &tlen), 0);
	assert_false(ok);
	assert_string_equal(text, "GPP_Q: no such parameter");
	free(msg);
	ctlmsg_dec_reset(d);
	assert_int_equal(ctlmsg_dec_feed(d, "CFGR1 OK 0\n", 11, &used, err),
	    CTLMSG_COMPLETE);
	assert_int_equal(ctlmsg_dec_reply(d, &ok, &text, &tlen), 0);
	assert_true(ok);
	assert_int_equal(tlen, 0);
	assert_string_equal(text, "");
	{
		char		**argv;
		const uint8_t	*blob;
		int		 argc;

		assert_int_equal(ctlmsg_dec_request(d, &argc, &argv, &blob,
		    &tlen), -1);
	}
	ctlmsg_dec_free(d);
}

/* A decoder stops at the end of a message: the next one stays unread. */
static void
test_back_to_back(void **state)
{
	static const char	 two[] = "CFGR1 1 5 0\ninfo\0CFGR1 1 5 0\ndump";
	struct ctlmsg_dec	*d = ctlmsg_dec_new(CTLMSG_REQUEST);
	const uint8_t		*blob;
	size_t			 used, bloblen;
	char			 err[CR_ERRLEN], **argv;
	int			 argc;

	assert_int_equal(ctlmsg_dec_feed(d, two, sizeof two, &used, err),
	    CTLMSG_COMPLETE);
	assert_int_equal(used, 17);
	ctlmsg_dec_request(d, &argc, &argv, &blob, &bloblen);
	assert_string_equal(argv[0], "info");
	ctlmsg_dec_reset(d);
	assert_int_equal(ctlmsg_dec_feed(d, two + used, sizeof two - used,
	    &used, err), CTLMSG_COMPLETE);
	ctlmsg_dec_request(d, &argc, &argv, &blob, &bloblen);
	assert_string_equal(argv[0], "dump");
	ctlmsg_dec_free(d);
}

struct bad {
	enum ctlmsg_dir	 dir;
	const char	*in;
	size_t		 len;	/* 0: strlen(in) */
	const char	*why;
};

#define REQ	CTLMSG_REQUEST
#define REP	CTLMSG_REPLY

static const struct bad bads[] = {
	{ REQ, "GET / HTTP/1.0\r\n", 0, "request: not a cfgreport control "
	    "message" },
	{ REQ, "\0", 1, "request: not a cfgreport control message" },
	{ REQ, "CFGR2 1 2 0\n", 0, "request: unsupported control protocol "
	    "version (this agent speaks CFGR1)" },
	{ REQ, "CFGR1\n", 0, "request: unsupported control protocol version"
	    " (this agent speaks CFGR1)" },
	{ REQ, "CFGR1 1 2 0x", 0, "request: unexpected byte 0x78 in the "
	    "header" },
	{ REQ, "CFGR1 1 2 0\r\n", 0, "request: unexpected byte 0x0d in the "
	    "header" },
	{ REQ, "CFGR1 1111111111 1111111111 1111111111 1111111111 "
	    "1111111111 1111111111", 0, "request: header longer than 64 bytes" },
	{ REQ, "CFGR1 01 2 0\n", 0, "request: malformed header" },
	{ REQ, "CFGR1 1  2 0\n", 0, "request: malformed header" },
	{ REQ, "CFGR1 1 2\n", 0, "request: malformed header" },
	{ REQ, "CFGR1 1 2 0 \n", 0, "request: malformed header" },
	{ REQ, "CFGR1 \n", 0, "request: malformed header" },
	{ REQ, "CFGR1 12345678901 2 0\n", 0, "request: malformed header" },
	{ REQ, "CFGR1 OK 1\n", 0, "request: unexpected byte 0x4f in the "
	    "header" },
	{ REQ, "CFGR1 0 0 0\n", 0, "request: no command" },
	{ REQ, "CFGR1 25001 25001 0\n", 0, "request: 25001 arguments: the "
	    "limit is 25000" },
	{ REQ, "CFGR1 3 2 0\n", 0, "request: 2 argument bytes cannot hold 3 "
	    "arguments" },
	{ REQ, "CFGR1 1 7 16777217\n", 0, "request: blob of 16777217 bytes: "
	    "the limit is 16777216" },
	{ REQ, "CFGR1 1 1048577 16777216\n", 0, "request: 17825793 bytes: "
	    "the limit is 17825792" },
	{ REQ, "CFGR1 9 9999999999 0\n", 0, "request: 9999999999 bytes: "
	    "the limit is 17825792" },
	/* 2^32 + 1: wraps to 1 in a 32-bit size_t. */
	{ REQ, "CFGR1 1 4294967297 0\n", 0, "request: 4294967297 bytes: "
	    "the limit is 17825792" },
	{ REP, "CFGR1 OK 4294967297\n", 0, "reply: 4294967297 bytes: the "
	    "limit is 67108864" },
	{ REQ, "CFGR1 1 3 0\na\0b", 15, "request: more arguments than the 1 "
	    "announced" },
	{ REQ, "CFGR1 2 3 0\nab\0", 15, "request: 1 of the 2 arguments "
	    "announced" },
	{ REQ, "CFGR1 1 3 0\nabc", 15, "request: argument 1 is not "
	    "terminated by NUL" },
	{ REQ, "CFGR1 2 4 0\nab\0c", 16, "request: argument 2 is not "
	    "terminated by NUL" },
	{ REQ, "CFGR1 2 2 0\n\0\0", 14, "request: argument 1 (the command) "
	    "is empty" },
	{ REQ, "CFGR1 1 2 0\n\xff\0", 14, "request: argument 1: not valid "
	    "UTF-8" },
	{ REQ, "CFGR1 2 7 0\nset\0\xc0\xaf\0", 19, "request: argument 2: "
	    "not valid UTF-8" },			/* overlong '/' */
	{ REQ, "CFGR1 2 8 0\nset\0\xed\xa0\x80\0", 20, "request: argument 2:"
	    " not valid UTF-8" },			/* a surrogate */
	{ REQ, "CFGR1 2 9 0\nset\0\xf4\x90\x80\x80\0", 21, "request: "
	    "argument 2: not valid UTF-8" },		/* past U+10FFFF */
	{ REQ, "CFGR1 2 7 0\nset\0\xe2\x82\0", 19, "request: argument 2: "
	    "not valid UTF-8" },			/* cut short */
	{ REQ, "CFGR1 2 7 0\nset\0\x80\x80\0", 19, "request: argument 2: "
	    "not valid UTF-8" },			/* no lead byte */
	{ REP, "CFGR1 YES 3\n", 0, "reply: unexpected byte 0x59 in the "
	    "header" },
	{ REP, "CFGR1 OK\n", 0, "reply: malformed header" },
	{ REP, "CFGR1 OKK 1\n", 0, "reply: malformed header" },
	{ REP, "CFGR1 ERR -1\n", 0, "reply: unexpected byte 0x2d in the "
	    "header" },
	{ REP, "CFGR1 OK 1 2\n", 0, "reply: malformed header" },
	{ REP, "CFGR1 OK 67108865\n", 0, "reply: 67108865 bytes: the limit "
	    "is 67108864" },
	{ REP, "HTTP/1.1 200 OK\r\n", 0, "reply: not a cfgreport control "
	    "message" },
};

static void
test_errors(void **state)
{
	struct ctlmsg_dec	*d;
	const struct bad	*b;
	size_t			 i, len, used, consumed;
	char			 err[CR_ERRLEN];
	int			 rv;

	for (i = 0; i < nitems(bads); i++) {
		b = &bads[i];
		len = b->len != 0 ? b->len : strlen(b->in);
		/* Whole, and byte by byte: the same error either way. */
		d = ctlmsg_dec_new(b->dir);
		err[0] = '\0';
		rv = ctlmsg_dec_feed(d, b->in, len, &used, err);
		if (rv != -1 || strcmp(err, b->why) != 0)
			fail_msg("case %zu: rv %d, \"%s\", want \"%s\"", i, rv,
			    err, b->why);
		err[0] = '\0';
		assert_int_equal(ctlmsg_dec_feed(d, "x", 1, &used, err), -1);
		assert_string_equal(err, b->dir == REQ ?
		    "request: decoder failed earlier" :
		    "reply: decoder failed earlier");
		ctlmsg_dec_reset(d);
		err[0] = '\0';
		rv = feed_chunks(d, (const uint8_t *)b->in, len, 1, &consumed,
		    err);
		if (rv != -1 || strcmp(err, b->why) != 0)
			fail_msg("case %zu bytewise: rv %d, \"%s\"", i, rv,
			    err);
		ctlmsg_dec_free(d);
	}
}

/* Refused sizes are refused at the header: nothing is held for them. */
static void
test_no_allocation_for_claims(void **state)
{
	struct ctlmsg_dec	*d = ctlmsg_dec_new(CTLMSG_REQUEST);
	size_t			 used, base = ctlmsg_dec_memory(d);
	char			 err[CR_ERRLEN], *chunk;
	static const char	 big[] = "CFGR1 1 7 16777216\nimport\0";
	size_t			 i;

	assert_int_equal(ctlmsg_dec_claimed(d), 0);
	assert_int_equal(ctlmsg_dec_feed(d, "CFGR1 1 7 99999999\n", 19,
	    &used, err), -1);
	assert_int_equal(ctlmsg_dec_memory(d), base);

	/* A valid claim of 16 MiB costs what arrives, not 16 MiB. */
	ctlmsg_dec_reset(d);
	assert_int_equal(ctlmsg_dec_feed(d, big, sizeof big - 1, &used, err),
	    CTLMSG_NEED_MORE);
	assert_int_equal(ctlmsg_dec_claimed(d), 7 + 16777216);
	assert_true(ctlmsg_dec_memory(d) < base + 8192);
	assert_non_null(chunk = calloc(1, 65536));
	for (i = 0; i < 16; i++)
		assert_int_equal(ctlmsg_dec_feed(d, chunk, 65536, &used, err),
		    CTLMSG_NEED_MORE);
	/* 1 MiB in: at most twice that held, whatever was announced. */
	assert_true(ctlmsg_dec_memory(d) <= base + 2 * 1048576 + 8192);
	free(chunk);
	ctlmsg_dec_free(d);
}

static void
test_encode_errors(void **state)
{
	char	 hdr[CTLMSG_HDR_MAX], err[CR_ERRLEN], *big, *argv[3];
	char	*empty[] = { "", NULL }, *bad8[] = { "set", "\xc3(", NULL };
	size_t	 len;
	char	**many;
	int	 i;

	assert_int_equal(ctlmsg_request_header(hdr, 0, empty, 0, err), -1);
	assert_string_equal(err, "request: no command");
	assert_int_equal(ctlmsg_request_header(hdr, 1, empty, 0, err), -1);
	assert_string_equal(err, "request: argument 1 (the command) is "
	    "empty");
	assert_int_equal(ctlmsg_request_header(hdr, 2, bad8, 0, err), -1);
	assert_string_equal(err, "request: argument 2: not valid UTF-8");
	assert_null(ctlmsg_request_encode(2, bad8, NULL, 0, &len, err));
	assert_int_equal(ctlmsg_request_header(hdr, 1, bad8,
	    CTLMSG_MAX_BLOB + 1, err), -1);
	assert_string_equal(err, "request: blob of 16777217 bytes: the limit"
	    " is 16777216");
	assert_int_equal(ctlmsg_request_header(hdr, CTLMSG_MAX_ARGS + 1,
	    bad8, 0, err), -1);
	assert_string_equal(err, "request: 25001 arguments: the limit is "
	    "25000");

	/* The longest argument passes; one byte more does not. */
	assert_non_null(big = malloc(CTLMSG_MAX_ARG + 2));
	memset(big, 'v', CTLMSG_MAX_ARG + 1);
	big[CTLMSG_MAX_ARG + 1] = '\0';
	argv[0] = "set";
	argv[1] = big;
	argv[2] = NULL;
	assert_int_equal(ctlmsg_request_header(hdr, 2, argv, 0, err), -1);
	assert_string_equal(err, "request: argument 2: longer than 66560 "
	    "bytes");
	big[CTLMSG_MAX_ARG] = '\0';
	assert_int_equal(ctlmsg_request_header(hdr, 2, argv, 0, err),
	    (int)strlen("CFGR1 2 66565 0\n"));
	assert_string_equal(hdr, "CFGR1 2 66565 0\n");

	/* The whole: a full blob leaves 1 MiB for the arguments. */
	assert_non_null(many = calloc(17, sizeof *many));
	many[0] = "import";
	for (i = 1; i < 17; i++)
		many[i] = big;
	assert_int_equal(ctlmsg_request_header(hdr, 17, many,
	    CTLMSG_MAX_BLOB, err), -1);
	assert_string_equal(err, "request: more than 17825792 bytes");
	assert_true(ctlmsg_request_header(hdr, 15, many, CTLMSG_MAX_BLOB,
	    err) > 0);
	free(many);
	free(big);

	assert_int_equal(ctlmsg_reply_header(hdr, 1, CTLMSG_MAX_REPLY + 1,
	    err), -1);
	assert_string_equal(err, "reply: 67108865 bytes: the limit is "
	    "67108864");
	assert_null(ctlmsg_reply_encode(1, "", CTLMSG_MAX_REPLY + 1, &len,
	    err));
	assert_int_equal(ctlmsg_reply_header(hdr, 0, CTLMSG_MAX_REPLY, err),
	    (int)strlen("CFGR1 ERR 67108864\n"));
}

/* The limits themselves are accepted: 25,000 arguments, a longest one. */
static void
test_limits_accepted(void **state)
{
	struct ctlmsg_dec	*d;
	const uint8_t		*blob;
	uint8_t			*msg, *bigblob;
	char			**argv, **av, err[CR_ERRLEN], *big, name[32];
	size_t			 len, used, bloblen;
	int			 argc, i;

	assert_non_null(argv = calloc(CTLMSG_MAX_ARGS + 1, sizeof *argv));
	argv[0] = "status-set";
	for (i = 1; i < CTLMSG_MAX_ARGS; i++) {
		snprintf(name, sizeof name, "S%d=%d", i, i);
		assert_non_null(argv[i] = strdup(name));
	}
	assert_non_null(big = malloc(CTLMSG_MAX_ARG + 1));
	memset(big, 'x', CTLMSG_MAX_ARG);
	big[CTLMSG_MAX_ARG] = '\0';
	free(argv[1]);
	argv[1] = big;
	assert_non_null(msg = ctlmsg_request_encode(CTLMSG_MAX_ARGS, argv,
	    NULL, 0, &len, err));
	assert_non_null(d = ctlmsg_dec_new(CTLMSG_REQUEST));
	assert_int_equal(feed_chunks(d, msg, len, 4093, &used, err),
	    CTLMSG_COMPLETE);
	assert_int_equal(used, len);
	assert_int_equal(ctlmsg_dec_request(d, &argc, &av, &blob, &bloblen),
	    0);
	assert_int_equal(argc, CTLMSG_MAX_ARGS);
	for (i = 0; i < argc; i++)
		assert_string_equal(av[i], argv[i]);
	free(msg);

	/* A whole 16 MiB profile. */
	assert_non_null(bigblob = malloc(CTLMSG_MAX_BLOB));
	for (i = 0; i < CTLMSG_MAX_BLOB; i++)
		bigblob[i] = (uint8_t)(i * 7);
	argv[1] = "profile.xml";
	argv[0] = "import";
	assert_non_null(msg = ctlmsg_request_encode(2, argv, bigblob,
	    CTLMSG_MAX_BLOB, &len, err));
	ctlmsg_dec_reset(d);
	assert_int_equal(feed_chunks(d, msg, len, 65536, &used, err),
	    CTLMSG_COMPLETE);
	assert_int_equal(ctlmsg_dec_request(d, &argc, &av, &blob, &bloblen),
	    0);
	assert_int_equal(argc, 2);
	assert_int_equal(bloblen, CTLMSG_MAX_BLOB);
	assert_memory_equal(blob, bigblob, CTLMSG_MAX_BLOB);
	free(msg);
	free(bigblob);
	ctlmsg_dec_free(d);

	for (i = 2; i < CTLMSG_MAX_ARGS; i++)
		free(argv[i]);
	free(big);
	free(argv);
}

/* An over-long argument is refused before its NUL arrives. */
static void
test_long_argument_streaming(void **state)
{
	struct ctlmsg_dec	*d = ctlmsg_dec_new(CTLMSG_REQUEST);
	char			 hdr[64], err[CR_ERRLEN], *chunk;
	size_t			 used, sent = 0;
	int			 n, rv = CTLMSG_NEED_MORE;

	n = snprintf(hdr, sizeof hdr, "CFGR1 2 %d 0\nset", 4 + 10 *
	    CTLMSG_MAX_ARG);
	hdr[n++] = '\0';
	assert_int_equal(ctlmsg_dec_feed(d, hdr, (size_t)n, &used, err),
	    CTLMSG_NEED_MORE);
	assert_non_null(chunk = malloc(1000));
	memset(chunk, 'a', 1000);
	while (rv == CTLMSG_NEED_MORE && sent < 10 * CTLMSG_MAX_ARG) {
		rv = ctlmsg_dec_feed(d, chunk, 1000, &used, err);
		sent += 1000;
	}
	assert_int_equal(rv, -1);
	assert_string_equal(err, "request: argument 2: longer than 66560 "
	    "bytes");
	assert_true(sent <= CTLMSG_MAX_ARG + 1000);
	free(chunk);
	ctlmsg_dec_free(d);
}

/* Each allocation failing in turn: a clean -1, no leak, no crash. */
static void
test_out_of_memory(void **state)
{
	struct ctlmsg_dec	*d;
	uint8_t			*msg, *enc, *blob;
	size_t			 len, enclen, used, bloblen = 20000;
	char			 err[CR_ERRLEN];
	long			 n;
	int			 rv, argc = (int)nitems(req_argv) - 1;

	if (!failmalloc_active())
		skip();
	assert_non_null(blob = calloc(1, bloblen));
	assert_non_null(msg = ctlmsg_request_encode(argc, req_argv, blob,
	    bloblen, &len, err));
	for (n = 0;; n++) {
		failmalloc_after(n);
		if ((d = ctlmsg_dec_new(CTLMSG_REQUEST)) == NULL) {
			failmalloc_after(-1);
			continue;
		}
		err[0] = '\0';
		/* Small pieces, so the buffer grows several times. */
		rv = feed_chunks(d, msg, len, 1000, &used, err);
		failmalloc_after(-1);
		if (rv == CTLMSG_COMPLETE) {
			const uint8_t	*b;
			size_t		 blen;
			char		**av;
			int		 ac;

			assert_int_equal(ctlmsg_dec_request(d, &ac, &av, &b,
			    &blen), 0);
			assert_int_equal(ac, argc);
			assert_string_equal(av[argc - 1], req_argv[argc - 1]);
			assert_int_equal(blen, bloblen);
			ctlmsg_dec_free(d);
			break;
		}
		assert_int_equal(rv, -1);
		assert_string_equal(err, "request: out of memory");
		ctlmsg_dec_free(d);
	}
	/* The decoder, its buffer growing 4K to 32K, and argv. */
	assert_true(n >= 5);
	for (n = 0;; n++) {
		failmalloc_after(n);
		enc = ctlmsg_request_encode(argc, req_argv, blob, bloblen,
		    &enclen, err);
		failmalloc_after(-1);
		if (enc != NULL)
			break;
		assert_string_equal(err, "request: out of memory");
	}
	assert_int_equal(enclen, len);
	free(enc);
	failmalloc_after(0);
	enc = ctlmsg_reply_encode(1, "x", 1, &enclen, err);
	failmalloc_after(-1);
	assert_null(enc);
	assert_string_equal(err, "reply: out of memory");
	free(msg);
	free(blob);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_no_blob),
		cmocka_unit_test(test_request_splits),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_no_allocation_for_claims),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_limits_accepted),
		cmocka_unit_test(test_long_argument_streaming),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
