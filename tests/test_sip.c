/* test_sip.c — the SIP request parser and the response builder. */
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

/* Datagrams are static: the parser must not need the input afterwards. */
static struct sip_msg	msg;
static char		out[SIP_MAX_RESPONSE];

#define NOTIFY_HEAD \
	"NOTIFY sip:cfgreport@192.0.2.1:5060 SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.9:5061;branch=z9hG4bK-1\r\n" \
	"Max-Forwards: 70\r\n" \
	"From: <sip:prov@192.0.2.9>;tag=abc\r\n" \
	"To: <sip:cfgreport@192.0.2.1>\r\n" \
	"Call-ID: 1-2@192.0.2.9\r\n" \
	"CSeq: 7 NOTIFY\r\n" \
	"Event: report\r\n"

static int
parse(const char *s, char *err)
{
	return sip_parse(s, strlen(s), &msg, err);
}

static void
parse_ok(const char *s)
{
	char	err[CR_ERRLEN] = "";
	int	rv = parse(s, err);

	if (rv != SIP_OK)
		fail_msg("sip_parse: %d: %s", rv, err);
}

/* Build the response and return it (NUL-terminated, in OUT). */
static const char *
respond(int code, const char *tag, const char *src, unsigned int port,
    const char *extra)
{
	char	err[CR_ERRLEN] = "";
	int	n;

	n = sip_response(&msg, code, tag, src, port, extra, out, sizeof out,
	    err);
	if (n < 0)
		fail_msg("sip_response: %s", err);
	assert_int_equal((size_t)n, strlen(out));
	return out;
}

static void
test_notify(void **state)
{
	parse_ok(NOTIFY_HEAD "Content-Length: 0\r\n\r\n");
	assert_string_equal(msg.method.p, "NOTIFY");
	assert_int_equal(msg.method.len, 6);
	assert_string_equal(msg.uri.p, "sip:cfgreport@192.0.2.1:5060");
	assert_int_equal(msg.nvia, 1);
	assert_string_equal(msg.via[0].p,
	    "SIP/2.0/UDP 192.0.2.9:5061;branch=z9hG4bK-1");
	assert_string_equal(msg.from.p, "<sip:prov@192.0.2.9>;tag=abc");
	assert_string_equal(msg.to.p, "<sip:cfgreport@192.0.2.1>");
	assert_int_equal(msg.to_tag, 0);
	assert_string_equal(msg.call_id.p, "1-2@192.0.2.9");
	assert_int_equal(msg.cseq, 7);
	assert_string_equal(msg.cseq_method.p, "NOTIFY");
	assert_string_equal(msg.event.p, "report");
	assert_int_equal(msg.max_forwards, 70);
	assert_int_equal(msg.content_length, 0);
	assert_int_equal(msg.nauth, 0);
	assert_int_equal(msg.body_len, 0);
}

static void
test_response(void **state)
{
	parse_ok(NOTIFY_HEAD "\r\n");
	assert_int_equal(msg.content_length, -1);
	assert_int_equal(msg.max_forwards, 70);
	/* The source is the sent-by host: no received parameter. */
	assert_string_equal(respond(200, "t1", "192.0.2.9", 5061, NULL),
	    "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.9:5061;branch=z9hG4bK-1\r\n"
	    "From: <sip:prov@192.0.2.9>;tag=abc\r\n"
	    "To: <sip:cfgreport@192.0.2.1>;tag=t1\r\n"
	    "Call-ID: 1-2@192.0.2.9\r\n"
	    "CSeq: 7 NOTIFY\r\n"
	    "Content-Length: 0\r\n\r\n");
	assert_string_equal(respond(405, "t1", "192.0.2.9", 5061,
	    "Allow: NOTIFY, OPTIONS\r\n"),
	    "SIP/2.0 405 Method Not Allowed\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.9:5061;branch=z9hG4bK-1\r\n"
	    "From: <sip:prov@192.0.2.9>;tag=abc\r\n"
	    "To: <sip:cfgreport@192.0.2.1>;tag=t1\r\n"
	    "Call-ID: 1-2@192.0.2.9\r\n"
	    "CSeq: 7 NOTIFY\r\n"
	    "Allow: NOTIFY, OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n");
	assert_string_equal(sip_reason(489), "Bad Event");
	assert_string_equal(sip_reason(401), "Unauthorized");
	assert_string_equal(sip_reason(403), "Forbidden");
	assert_string_equal(sip_reason(400), "Bad Request");
}

/* RFC 3261 §18.2.1 received, RFC 3581 rport. */
static void
test_received_rport(void **state)
{
	parse_ok("OPTIONS sip:x@192.0.2.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP phone.example;rport;branch=z9hG4bK-2\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:x@192.0.2.1>\r\n"
	    "Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
	respond(200, "t", "198.51.100.7", 40000, NULL);
	assert_non_null(strstr(out, "Via: SIP/2.0/UDP phone.example;"
	    "rport=40000;branch=z9hG4bK-2;received=198.51.100.7\r\n"));

	/* rport asks for received even when the host is the source. */
	parse_ok("OPTIONS sip:x@192.0.2.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-3;rport\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:x@192.0.2.1>\r\n"
	    "Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
	respond(200, "t", "198.51.100.7", 5062, NULL);
	assert_non_null(strstr(out, "Via: SIP/2.0/UDP 198.51.100.7:5060;"
	    "branch=z9hG4bK-3;rport=5062;received=198.51.100.7\r\n"));

	/* An rport with a value is left alone; IPv6 brackets compare. */
	parse_ok("OPTIONS sip:x@192.0.2.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP [2001:db8::1]:5060;rport=9;branch=z9hG4bK-4\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:x@192.0.2.1>\r\n"
	    "Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
	respond(200, "t", "2001:db8::1", 5060, NULL);
	assert_non_null(strstr(out, "Via: SIP/2.0/UDP [2001:db8::1]:5060;"
	    "rport=9;branch=z9hG4bK-4\r\n"));
	respond(200, "t", "2001:db8::2", 5060, NULL);
	assert_non_null(strstr(out,
	    "branch=z9hG4bK-4;received=2001:db8::2\r\n"));
}

/* Every Via, from separate rows and from comma lists, in order. */
static void
test_vias(void **state)
{
	const char	*p1, *p2, *p3, *p4;

	parse_ok("NOTIFY sip:x@h SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP a.example;branch=z9hG4bK-a, SIP/2.0/UDP "
	    "b.example:5070;branch=z9hG4bK-b\r\n"
	    "From: <sip:a@b>;tag=1\r\n"
	    "v: SIP/2.0/TCP c.example;branch=\"z9,hG4bK\";x=1\r\n"
	    "VIA : SIP / 2.0 / UDP d.example ;branch=z9hG4bK-d\r\n"
	    "To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 NOTIFY\r\n\r\n");
	assert_int_equal(msg.nvia, 4);
	assert_string_equal(msg.via[0].p,
	    "SIP/2.0/UDP a.example;branch=z9hG4bK-a");
	assert_string_equal(msg.via[1].p,
	    "SIP/2.0/UDP b.example:5070;branch=z9hG4bK-b");
	assert_string_equal(msg.via[2].p,
	    "SIP/2.0/TCP c.example;branch=\"z9,hG4bK\";x=1");
	assert_string_equal(msg.via[3].p,
	    "SIP / 2.0 / UDP d.example ;branch=z9hG4bK-d");
	respond(489, "t", NULL, 0, NULL);
	p1 = strstr(out, "Via: SIP/2.0/UDP a.example;branch=z9hG4bK-a\r\n");
	p2 = strstr(out,
	    "Via: SIP/2.0/UDP b.example:5070;branch=z9hG4bK-b\r\n");
	p3 = strstr(out,
	    "Via: SIP/2.0/TCP c.example;branch=\"z9,hG4bK\";x=1\r\n");
	p4 = strstr(out,
	    "Via: SIP / 2.0 / UDP d.example ;branch=z9hG4bK-d\r\n");
	assert_true(p1 != NULL && p2 != NULL && p3 != NULL && p4 != NULL);
	assert_true(p1 < p2 && p2 < p3 && p3 < p4);
	assert_true(strncmp(out, "SIP/2.0 489 Bad Event\r\nVia: ", 28) == 0);
}

/* Compact forms and names in any case; "e" is Content-Encoding. */
static void
test_compact(void **state)
{
	parse_ok("NOTIFY sip:x@h SIP/2.0\r\n"
	    "v: SIP/2.0/UDP h2;branch=z9hG4bK-c\r\n"
	    "f: sip:a@b;tag=9\r\n"
	    "t: \"Agent\" <sip:x@h>;tag=zz\r\n"
	    "i: cid\r\n"
	    "cseq: 3 NOTIFY\r\n"
	    "o: report;id=4\r\n"
	    "e: gzip\r\n"
	    "l: 4\r\n"
	    "MAX-FORWARDS: 0\r\n"
	    "authorization: Digest username=\"a\"\r\n"
	    "\r\nbodyEXTRA");
	assert_string_equal(msg.from.p, "sip:a@b;tag=9");
	assert_string_equal(msg.to.p, "\"Agent\" <sip:x@h>;tag=zz");
	assert_int_equal(msg.to_tag, 1);
	assert_string_equal(msg.call_id.p, "cid");
	assert_int_equal(msg.cseq, 3);
	assert_string_equal(msg.event.p, "report");
	assert_int_equal(msg.event.len, 6);
	assert_int_equal(msg.content_length, 4);
	assert_int_equal(msg.body_len, 4);	/* the rest is discarded */
	assert_int_equal(msg.max_forwards, 0);
	assert_int_equal(msg.nauth, 1);
	assert_string_equal(msg.auth[0].p, "Digest username=\"a\"");
	/* A To with a tag keeps it: no second one. */
	respond(200, "new", NULL, 0, NULL);
	assert_non_null(strstr(out, "\r\nTo: \"Agent\" <sip:x@h>;tag=zz\r\n"));
	assert_null(strstr(out, "tag=new"));

	parse_ok("NOTIFY sip:x@h SIP/2.0\r\n"
	    "v: SIP/2.0/UDP h2;branch=z9hG4bK-c\r\nf: <sip:a@b>\r\n"
	    "t: <sip:x@h>\r\ni: cid\r\nCSeq: 3 NOTIFY\r\n"
	    "e: report\r\n\r\n");
	assert_null(msg.event.p);
}

/* Folded rows become one value, each fold one space. */
static void
test_folding(void **state)
{
	parse_ok("NOTIFY sip:x@h SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h2\r\n"
	    "   ;branch=z9hG4bK-f\r\n"
	    "From:\r\n <sip:a@b>;tag=1\r\n"
	    "To: <sip:x@h>\r\n"
	    "Call-ID: cid\r\nCSeq: 3\r\n\tNOTIFY\r\n"
	    "Authorization: Digest username=\"Mufasa\",\r\n"
	    "       realm=\"http-auth@example.org\",\r\n"
	    "       uri=\"/dir/index.html\"\r\n"
	    "Event: report\r\n\r\n");
	assert_string_equal(msg.via[0].p, "SIP/2.0/UDP h2 ;branch=z9hG4bK-f");
	assert_string_equal(msg.from.p, "<sip:a@b>;tag=1");
	assert_int_equal(msg.cseq, 3);
	assert_string_equal(msg.cseq_method.p, "NOTIFY");
	assert_string_equal(msg.auth[0].p, "Digest username=\"Mufasa\", "
	    "realm=\"http-auth@example.org\", uri=\"/dir/index.html\"");
}

/* Bare LF line ends, leading empty lines, a body without Content-Length. */
static void
test_lenient(void **state)
{
	parse_ok("\r\n\r\nOPTIONS sip:x@h SIP/2.0\n"
	    "Via: SIP/2.0/UDP h2;branch=z9hG4bK-l\n"
	    "From: <sip:a@b>;tag=1\nTo: <sip:x@h>\nCall-ID: cid\n"
	    "CSeq: 1 OPTIONS\n\nhello");
	assert_string_equal(msg.method.p, "OPTIONS");
	assert_int_equal(msg.body_len, 5);
	/* A quoted ";tag=" in a display name is not a tag. */
	parse_ok("OPTIONS sip:x@h SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h2;branch=z9hG4bK-l\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: \"x;tag=1\" <sip:x@h;tag=2>\r\n"
	    "Call-ID: cid\r\nCSeq: 1 OPTIONS\r\n\r\n");
	assert_int_equal(msg.to_tag, 0);
	respond(200, "T", NULL, 0, NULL);
	assert_non_null(strstr(out,
	    "\r\nTo: \"x;tag=1\" <sip:x@h;tag=2>;tag=T\r\n"));
}

/* Malformed, but Via, From, To, Call-ID and CSeq parse: a 400. */
static void
test_bad(void **state)
{
	static const char *const tails[] = {
		"Content-Length: 10\r\n\r\nshort",
		"Content-Length: x\r\n\r\n",
		"Content-Length: 99999\r\n\r\n",
		"Max-Forwards: 256\r\n\r\n",
		"Event: report\r\n\r\n",		/* repeated */
		"Content-Length: 0\r\nl: 0\r\n\r\n",	/* repeated */
		"User-Agent: a\001b\r\n\r\n",
		"Authorization: a\177\r\n\r\n",
		"No colon here\r\n\r\n",
		"Content-Length: 0\r\n",		/* no empty line */
	};
	char	buf[1024], err[CR_ERRLEN];
	size_t	i;

	for (i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		snprintf(buf, sizeof buf, "%s%s", NOTIFY_HEAD, tails[i]);
		err[0] = '\0';
		if (parse(buf, err) != SIP_EBAD)
			fail_msg("tail %zu: not SIP_EBAD (%s)", i, err);
		assert_true(err[0] != '\0');
		respond(400, "t", NULL, 0, NULL);
		assert_true(strncmp(out, "SIP/2.0 400 Bad Request\r\n",
		    25) == 0);
	}
	/* A CSeq for another method, a bad request line. */
	assert_int_equal(parse("NOTIFY sip:x@h SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK-b\r\nFrom: <sip:a@b>\r\n"
	    "To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n", err),
	    SIP_EBAD);
	assert_int_equal(parse("NOTIFY  sip:x@h SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK-b\r\nFrom: <sip:a@b>\r\n"
	    "To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 NOTIFY\r\n\r\n", err),
	    SIP_EBAD);
	assert_int_equal(parse("GARBAGE\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK-b\r\nFrom: <sip:a@b>\r\n"
	    "To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 NOTIFY\r\n\r\n", err),
	    SIP_EBAD);
	assert_null(msg.method.p);
	assert_int_equal(parse("NOTIFY nocolon SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK-b\r\nFrom: <sip:a@b>\r\n"
	    "To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 NOTIFY\r\n\r\n", err),
	    SIP_EBAD);
	/* Another SIP version: 505. */
	assert_int_equal(parse("OPTIONS sip:x@h SIP/3.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK-b\r\nFrom: <sip:a@b>\r\n"
	    "To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n", err),
	    SIP_EVERSION);
	respond(505, "t", NULL, 0, NULL);
	assert_true(strncmp(out, "SIP/2.0 505 Version Not Supported\r\n",
	    35) == 0);
}

/* Not enough to answer: dropped. */
static void
test_drop(void **state)
{
	static const char *const msgs[] = {
		"",
		"\r\n\r\n",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK-1\r\n"
		    "From: <sip:a@b>\r\nTo: <sip:x@h>\r\nCall-ID: c\r\n"
		    "CSeq: 1 NOTIFY\r\n\r\n",
		/* each of the five missing */
		"NOTIFY sip:x@h SIP/2.0\r\nFrom: <sip:a@b>\r\nTo: <sip:x@h>\r\n"
		    "Call-ID: c\r\nCSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		    "To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		    "From: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		    "From: <sip:a@b>\r\nTo: <sip:x@h>\r\n"
		    "CSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		    "From: <sip:a@b>\r\nTo: <sip:x@h>\r\nCall-ID: c\r\n\r\n",
		/* each of them unparsable */
		"NOTIFY sip:x@h SIP/2.0\r\nVia: UDP h\r\nFrom: <sip:a@b>\r\n"
		    "To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h:99999\r\n"
		    "From: <sip:a@b>\r\nTo: <sip:x@h>\r\nCall-ID: c\r\n"
		    "CSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h, \r\n"
		    "From: <sip:a@b>\r\nTo: <sip:x@h>\r\nCall-ID: c\r\n"
		    "CSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		    "From: <sip:a@b\r\nTo: <sip:x@h>\r\nCall-ID: c\r\n"
		    "CSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		    "From: <sip:a@b>\r\nTo: \"x <sip:x@h>\r\nCall-ID: c\r\n"
		    "CSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		    "From: <sip:a@b>\r\nTo: <sip:x@h>;tag\r\nCall-ID: c\r\n"
		    "CSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		    "From: <sip:a@b>\r\nTo: <sip:x@h>\r\nCall-ID: c d\r\n"
		    "CSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		    "From: <sip:a@b>\r\nTo: <sip:x@h>\r\nCall-ID: c\r\n"
		    "CSeq: 2147483648 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		    "From: <sip:a@b>\r\nTo: <sip:x@h>\r\nCall-ID: c\r\n"
		    "CSeq: NOTIFY\r\n\r\n",
		/* repeated From, a control character in a Via */
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		    "From: <sip:a@b>\r\nFrom: <sip:c@d>\r\nTo: <sip:x@h>\r\n"
		    "Call-ID: c\r\nCSeq: 1 NOTIFY\r\n\r\n",
		"NOTIFY sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\033\r\n"
		    "From: <sip:a@b>\r\nTo: <sip:x@h>\r\n"
		    "Call-ID: c\r\nCSeq: 1 NOTIFY\r\n\r\n",
	};
	char	err[CR_ERRLEN];
	size_t	i;

	for (i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		err[0] = '\0';
		if (parse(msgs[i], err) != SIP_EDROP)
			fail_msg("message %zu: not dropped", i);
		assert_true(err[0] != '\0');
		assert_int_equal(sip_response(&msg, 400, "t", NULL, 0, NULL,
		    out, sizeof out, err), -1);
	}
}

/* NULs inside a datagram: never in a response. */
static void
test_nul(void **state)
{
	static const char m1[] = "OPTIONS sip:x@h SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK-n\r\nFrom: <sip:a@b>\r\n"
	    "To: <sip:x@h>\r\nCall-ID: c\0d\r\nCSeq: 1 OPTIONS\r\n\r\n";
	static const char m2[] = "OPTIONS sip:x@h SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK-n\r\nFrom: <sip:a@b>\r\n"
	    "To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
	    "Subject: a\0b\r\n\r\n";
	static const char m3[] = "OPTIONS sip:x@h SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK-n\r\nFrom: <sip:a@b>\r\n"
	    "To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\nbo\0dy";
	char	err[CR_ERRLEN];

	assert_int_equal(sip_parse(m1, sizeof m1 - 1, &msg, err), SIP_EDROP);
	assert_int_equal(sip_parse(m2, sizeof m2 - 1, &msg, err), SIP_EBAD);
	assert_int_equal(sip_parse(m3, sizeof m3 - 1, &msg, err), SIP_OK);
	assert_int_equal(msg.body_len, 5);
}

/* The limits: 8 KiB, SIP_MAX_VIA, SIP_MAX_AUTH. */
static void
test_limits(void **state)
{
	static char	big[SIP_MAX_MSG + 2];
	char		err[CR_ERRLEN];
	size_t		n, i;

	memset(big, 'x', sizeof big);
	assert_int_equal(sip_parse(big, SIP_MAX_MSG + 1, &msg, err),
	    SIP_EDROP);

	n = (size_t)snprintf(big, sizeof big, "NOTIFY sip:x@h SIP/2.0\r\nv: ");
	for (i = 0; i < SIP_MAX_VIA; i++)
		n += (size_t)snprintf(big + n, sizeof big - n,
		    "%sSIP/2.0/UDP h%zu", i > 0 ? "," : "", i);
	n += (size_t)snprintf(big + n, sizeof big - n, "\r\nf: <sip:a@b>\r\n"
	    "t: <sip:x@h>\r\ni: c\r\nCSeq: 1 NOTIFY\r\n\r\n");
	assert_int_equal(sip_parse(big, n, &msg, err), SIP_OK);
	assert_int_equal(msg.nvia, SIP_MAX_VIA);
	assert_string_equal(msg.via[SIP_MAX_VIA - 1].p, "SIP/2.0/UDP h31");

	n = (size_t)snprintf(big, sizeof big, "NOTIFY sip:x@h SIP/2.0\r\n");
	for (i = 0; i <= SIP_MAX_VIA; i++)
		n += (size_t)snprintf(big + n, sizeof big - n,
		    "Via: SIP/2.0/UDP h%zu\r\n", i);
	n += (size_t)snprintf(big + n, sizeof big - n, "f: <sip:a@b>\r\n"
	    "t: <sip:x@h>\r\ni: c\r\nCSeq: 1 NOTIFY\r\n\r\n");
	assert_int_equal(sip_parse(big, n, &msg, err), SIP_EDROP);

	n = (size_t)snprintf(big, sizeof big, "%s", NOTIFY_HEAD);
	for (i = 0; i <= SIP_MAX_AUTH; i++)
		n += (size_t)snprintf(big + n, sizeof big - n,
		    "Authorization: Digest a=%zu\r\n", i);
	n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
	assert_int_equal(sip_parse(big, n, &msg, err), SIP_EBAD);
	assert_int_equal(msg.nauth, SIP_MAX_AUTH);
}

/*
 * The largest growth a response can have over its request: SIP_MAX_VIA
 * compact Vias, a compact From, To and Call-ID, an rport and received
 * for an IPv6 source, a tag, and 1 KiB of extra rows, in a request of
 * exactly SIP_MAX_MSG bytes.
 */
static void
test_response_bound(void **state)
{
	static char	big[SIP_MAX_MSG + 1], extra[1024];
	char		err[CR_ERRLEN];
	size_t		n, i;
	int		rv;

	n = (size_t)snprintf(big, sizeof big, "NOTIFY sip:x@h SIP/2.0\r\n"
	    "v:SIP/2.0/UDP a;rport");
	for (i = 1; i < SIP_MAX_VIA; i++)
		n += (size_t)snprintf(big + n, sizeof big - n,
		    ",SIP/2.0/UDP a");
	n += (size_t)snprintf(big + n, sizeof big - n, "\r\n"
	    "t:<sip:x>\r\ni:c\r\nCSeq: 1 NOTIFY\r\nf:<sip:");
	/* The rest is an echoed From. */
	while (n < SIP_MAX_MSG - 5)
		big[n++] = 'y';
	memcpy(big + n, ">\r\n\r\n", 5);
	n += 5;
	assert_int_equal(n, SIP_MAX_MSG);
	assert_int_equal(sip_parse(big, n, &msg, err), SIP_OK);
	memset(extra, 'z', sizeof extra - 3);
	memcpy(extra + sizeof extra - 3, "\r\n", 3);
	rv = sip_response(&msg, 401, "0123456789abcdef",
	    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 65535, extra,
	    out, sizeof out, err);
	assert_true(rv > 0);
	/* And a buffer too small is refused, not overrun. */
	assert_int_equal(sip_response(&msg, 401, "t", NULL, 0, NULL, out, 64,
	    err), -1);
	assert_int_equal(sip_response(&msg, 99, "t", NULL, 0, NULL, out,
	    sizeof out, err), -1);
}

/*
 * Every prefix and every single-byte change of a request: the parser
 * never says OK for a prefix that lacks its empty line, and whatever it
 * says answerable has a response that fits.
 */
static void
test_mutations(void **state)
{
	static const char base[] = NOTIFY_HEAD
	    "Authorization: Digest username=\"a\", realm=\"cfgreport\"\r\n"
	    "Content-Length: 3\r\n\r\nabc";
	static const char flips[] = { '\0', '\r', '\n', ' ', ',', ';', ':',
	    '"', '<', '>', '\\', 'x', '\t', (char)0xff };
	char		buf[sizeof base], err[CR_ERRLEN];
	size_t		len = sizeof base - 1, i, j, hdrend;
	int		rv;

	hdrend = (size_t)(strstr(base, "\r\n\r\n") - base) + 4;
	for (i = 0; i <= len; i++) {
		rv = sip_parse(base, i, &msg, err);
		if (i < hdrend)
			assert_int_not_equal(rv, SIP_OK);
		if (rv == SIP_OK || rv == SIP_EBAD)
			assert_true(sip_response(&msg, 400, "t", "::1", 1,
			    NULL, out, sizeof out, err) > 0);
	}
	for (i = 0; i < len; i++) {
		for (j = 0; j < sizeof flips; j++) {
			memcpy(buf, base, len);
			buf[i] = flips[j];
			rv = sip_parse(buf, len, &msg, err);
			if (rv != SIP_EDROP)
				assert_true(sip_response(&msg, 400, "t", "::1",
				    1, NULL, out, sizeof out, err) > 0);
			else
				assert_true(err[0] != '\0');
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_received_rport),
		cmocka_unit_test(test_vias),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_lenient),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_response_bound),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
