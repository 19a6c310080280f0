/*
 * test_sipd.c — the agent's SIP socket on a real loop and real UDP
 * sockets on 127.0.0.1: each answer of spec.md §6, the rate limit and its
 * coalescing, live credentials, the read burst bound, replies to the
 * source only, and the log's restraint.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "proto.h"
#include "agent.h"

struct fx {
	struct event_base	*base;
	struct sipd		*s;
	int			 cl;		/* the client's socket */
	int			 port;		/* the agent's */
	unsigned		 cseq;
	int			 triggers;
	const char		*user;		/* NULL: no credentials */
	const char		*password;
	int			 warnings;	/* LOG_WARNING lines */
	int			 lines;
	char			 last[512];
	char			 reply[SIP_MAX_RESPONSE + 1];
	const char		*ruri_user;	/* "" : none; NULL: cfgreport */
	const char		*to_user;	/* NULL: cfgreport */
};

static int
fx_creds(void *arg, const char **user, const char **password)
{
	struct fx	*f = arg;

	if (f->user == NULL)
		return -1;
	*user = f->user;
	*password = f->password;
	return 0;
}

static void
fx_trigger(void *arg)
{
	((struct fx *)arg)->triggers++;
}

static void
fx_log(void *arg, int prio, const char *msg)
{
	struct fx	*f = arg;

	f->lines++;
	if (prio == LOG_WARNING)
		f->warnings++;
	snprintf(f->last, sizeof f->last, "%s", msg);
	/* Never a password in a log line. */
	assert_null(strstr(msg, "s3cret"));
}

static int
udp_socket(int port)
{
	struct sockaddr_in	sin;
	int			fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

static int
local_port(int fd)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

static int
setup(void **state)
{
	struct fx		*f = calloc(1, sizeof *f);
	struct sipd_config	 sc;
	char			 err[CR_ERRLEN];

	assert_non_null(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	memset(&sc, 0, sizeof sc);
	sc.addr = "127.0.0.1";
	sc.port = 0;
	sc.creds = fx_creds;
	sc.trigger = fx_trigger;
	sc.log = fx_log;
	sc.arg = f;
	if ((f->s = sipd_new(f->base, &sc, err)) == NULL)
		fail_msg("sipd_new: %s", err);
	f->port = sipd_port(f->s);
	assert_true(f->port > 0);
	f->cl = udp_socket(0);
	f->user = "alice";
	f->password = "s3cret";
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	sipd_free(f->s);
	close(f->cl);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void
send_raw(struct fx *f, int fd, const void *buf, size_t len)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)f->port);
	assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&sin,
	    sizeof sin), (ssize_t)len);
}

/*
 * A request: METHOD with the rows HDRS (each ending in CRLF), a fixed
 * Call-ID and a branch and CSeq of its own unless CSEQ is given.
 */
static size_t
request(struct fx *f, char *buf, size_t size, const char *method,
    unsigned cseq, const char *hdrs)
{
	int	n;

	if (cseq == 0)
		cseq = ++f->cseq;
	n = snprintf(buf, size, "%s sip:%s%s127.0.0.1:%d SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%u\r\n"
	    "From: <sip:prov@127.0.0.1>;tag=p1\r\n"
	    "To: %s<sip:%s@127.0.0.1>\r\n"
	    "Call-ID: call-1@127.0.0.1\r\n"
	    "CSeq: %u %s\r\n%sContent-Length: 0\r\n\r\n", method,
	    f->ruri_user != NULL ? f->ruri_user : "cfgreport",
	    f->ruri_user != NULL && *f->ruri_user == '\0' ? "" : "@", f->port,
	    local_port(f->cl), cseq, f->to_user != NULL ? "\"Line\" " : "",
	    f->to_user != NULL ? f->to_user : "cfgreport", cseq, method, hdrs);
	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

/* Run the loop until a reply arrives on FD (1) or MS pass (0). */
static int
wait_reply(struct fx *f, int fd, int ms)
{
	ssize_t	n;
	int	i;

	for (i = 0; i < ms; i++) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		n = recv(fd, f->reply, sizeof f->reply - 1, MSG_DONTWAIT);
		if (n >= 0) {
			f->reply[n] = '\0';
			return 1;
		}
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		usleep(1000);
	}
	f->reply[0] = '\0';
	return 0;
}

/* Send a request and return the status code of its reply (0: none). */
static int
ask(struct fx *f, const char *method, unsigned cseq, const char *hdrs)
{
	char	buf[4096];
	size_t	len = request(f, buf, sizeof buf, method, cseq, hdrs);

	send_raw(f, f->cl, buf, len);
	if (!wait_reply(f, f->cl, 2000))
		return 0;
	assert_true(strncmp(f->reply, "SIP/2.0 ", 8) == 0);
	return atoi(f->reply + 8);
}

/* From the last 401: its nonce (the first challenge's). */
static void
nonce_of_reply(struct fx *f, char *nonce)
{
	const char	*p = strstr(f->reply, "nonce=\"");

	assert_non_null(p);
	p += 7;
	assert_non_null(strchr(p, '"'));
	assert_int_equal(strchr(p, '"') - p, DIGEST_NONCE_LEN);
	memcpy(nonce, p, DIGEST_NONCE_LEN);
	nonce[DIGEST_NONCE_LEN] = '\0';
}

/* An Authorization row for NONCE and NC as a client would compute it. */
static void
authorization(char *row, size_t size, enum digest_alg alg, const char *user,
    const char *password, const char *nonce, unsigned nc)
{
	char	ncs[9], resp[DIGEST_HEX_MAX + 1];

	snprintf(ncs, sizeof ncs, "%08x", nc);
	assert_int_equal(digest_compute(alg, user, SIPD_REALM, password,
	    "NOTIFY", "sip:127.0.0.1", nonce, ncs, "0a4f113b", resp), 0);
	snprintf(row, size, "Authorization: Digest username=\"%s\","
	    "realm=\"%s\",nonce=\"%s\",uri=\"sip:127.0.0.1\",response=\"%s\","
	    "cnonce=\"0a4f113b\",qop=auth,nc=%s,algorithm=%s\r\n", user,
	    SIPD_REALM, nonce, resp, ncs, alg == DIGEST_SHA256 ? "SHA-256" :
	    "MD5");
}

/* A fresh nonce from a 401. */
static void
challenge(struct fx *f, char *nonce)
{
	assert_int_equal(ask(f, "NOTIFY", 0, "Event: report\r\n"), 401);
	nonce_of_reply(f, nonce);
}

static void
test_options(void **state)
{
	struct fx	*f = *state;
	char		 buf[1024];
	size_t		 len;
	int		 other = udp_socket(0);

	assert_int_equal(ask(f, "OPTIONS", 0, ""), 200);
	assert_non_null(strstr(f->reply, "\r\nAllow: NOTIFY, OPTIONS\r\n"));
	assert_non_null(strstr(f->reply, "\r\nAllow-Events: report\r\n"));
	assert_non_null(strstr(f->reply, "\r\nTo: <sip:cfgreport@127.0.0.1>;"
	    "tag="));
	assert_non_null(strstr(f->reply, "\r\nCall-ID: call-1@127.0.0.1\r\n"));
	assert_non_null(strstr(f->reply, "\r\nContent-Length: 0\r\n\r\n"));

	/* A Via naming another address: the reply still goes to the source. */
	len = (size_t)snprintf(buf, sizeof buf, "OPTIONS sip:x@127.0.0.1 "
	    "SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-o\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:x@h>\r\nCall-ID: o\r\n"
	    "CSeq: 1 OPTIONS\r\n\r\n", local_port(other));
	send_raw(f, f->cl, buf, len);
	assert_int_equal(wait_reply(f, f->cl, 2000), 1);
	assert_int_equal(wait_reply(f, other, 100), 0);
	close(other);
	assert_int_equal(f->triggers, 0);
}

static void
test_methods(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(ask(f, "INVITE", 0, ""), 405);
	assert_non_null(strstr(f->reply, "\r\nAllow: NOTIFY, OPTIONS\r\n"));
	assert_int_equal(ask(f, "SUBSCRIBE", 0, "Event: report\r\n"), 405);
	assert_int_equal(ask(f, "CANCEL", 0, ""), 481);
	/* ACK is never answered. */
	assert_int_equal(ask(f, "ACK", 0, ""), 0);
	assert_int_equal(ask(f, "NOTIFY", 0, "Event: resync\r\n"), 489);
	assert_non_null(strstr(f->reply, "\r\nAllow-Events: report\r\n"));
	assert_int_equal(ask(f, "NOTIFY", 0,
	    "Event: check-sync;reboot=false\r\n"), 489);
	assert_int_equal(ask(f, "NOTIFY", 0, ""), 489);
	assert_int_equal(f->triggers, 0);
}

static void
test_no_credentials(void **state)
{
	struct fx	*f = *state;
	char		 nonce[DIGEST_NONCE_LEN + 1], row[512], hdrs[600];

	challenge(f, nonce);
	f->user = NULL;
	assert_int_equal(ask(f, "NOTIFY", 0, "Event: report\r\n"), 403);
	authorization(row, sizeof row, DIGEST_MD5, "alice", "s3cret", nonce,
	    1);
	snprintf(hdrs, sizeof hdrs, "Event: report\r\n%s", row);
	assert_int_equal(ask(f, "NOTIFY", 0, hdrs), 403);
	assert_int_equal(f->triggers, 0);
	assert_true(f->warnings >= 1);
}

/* 401, then 200 and a round; the challenge offers MD5 then SHA-256. */
static void
test_notify(void **state)
{
	struct fx	*f = *state;
	char		 nonce[DIGEST_NONCE_LEN + 1], row[512], hdrs[600];
	const char	*md5, *sha;

	challenge(f, nonce);
	md5 = strstr(f->reply, "WWW-Authenticate: Digest realm=\"cfgreport\", "
	    "nonce=\"");
	sha = strstr(f->reply, "qop=\"auth\", algorithm=SHA-256\r\n");
	assert_non_null(md5);
	assert_non_null(strstr(md5, "qop=\"auth\", algorithm=MD5\r\n"));
	assert_true(sha != NULL && md5 < sha);
	assert_int_equal(f->triggers, 0);

	authorization(row, sizeof row, DIGEST_MD5, "alice", "s3cret", nonce,
	    1);
	snprintf(hdrs, sizeof hdrs, "Event: report\r\n%s", row);
	assert_int_equal(ask(f, "NOTIFY", 0, hdrs), 200);
	assert_int_equal(f->triggers, 1);
	assert_non_null(strstr(f->last, "NOTIFY from alice accepted"));

	/* The same datagram again: a retransmission, answered, no round. */
	assert_int_equal(ask(f, "NOTIFY", f->cseq, hdrs), 200);
	/* The same Authorization in a new request: a replay, refused. */
	assert_int_equal(ask(f, "NOTIFY", 0, hdrs), 403);
	/* A wrong password, then SHA-256 with the next nc. */
	authorization(row, sizeof row, DIGEST_MD5, "alice", "wrong", nonce, 2);
	snprintf(hdrs, sizeof hdrs, "Event: report\r\n%s", row);
	assert_int_equal(ask(f, "NOTIFY", 0, hdrs), 403);
	authorization(row, sizeof row, DIGEST_SHA256, "alice", "s3cret",
	    nonce, 2);
	snprintf(hdrs, sizeof hdrs, "Event: report\r\n%s", row);
	assert_int_equal(ask(f, "NOTIFY", 0, hdrs), 200);
	/* Every accepted NOTIFY is passed on: the scheduler rate-limits. */
	assert_int_equal(f->triggers, 2);
	/* A stale nonce with the right password: a fresh 401, stale=true. */
	authorization(row, sizeof row, DIGEST_MD5, "alice", "s3cret",
	    "00000000000000000000000000000000000000000000000000000000000000ff",
	    1);
	snprintf(hdrs, sizeof hdrs, "Event: report\r\n%s", row);
	assert_int_equal(ask(f, "NOTIFY", 0, hdrs), 401);
	assert_non_null(strstr(f->reply, "algorithm=MD5, stale=true\r\n"));
	/* A malformed Authorization: 400. */
	assert_int_equal(ask(f, "NOTIFY", 0, "Event: report\r\n"
	    "Authorization: Digest nc=1\r\n"), 400);
	/* Credentials for another realm are not ours: challenged. */
	assert_int_equal(ask(f, "NOTIFY", 0, "Event: report\r\n"
	    "Authorization: Digest username=\"alice\", realm=\"other\"\r\n"),
	    401);
	assert_int_equal(f->triggers, 2);
}

/*
 * Each accepted NOTIFY is one trigger, at once and after the reply; the
 * rate limit of rounds is the scheduler's (tests/test_agent.c).
 */
static void
test_every_notify_triggers(void **state)
{
	struct fx	*f = *state;
	char		 nonce[DIGEST_NONCE_LEN + 1], row[512], hdrs[600];
	unsigned	 nc;

	challenge(f, nonce);
	for (nc = 1; nc <= 5; nc++) {
		authorization(row, sizeof row, DIGEST_MD5, "alice", "s3cret",
		    nonce, nc);
		snprintf(hdrs, sizeof hdrs, "Event: report\r\n%s", row);
		assert_int_equal(ask(f, "NOTIFY", 0, hdrs), 200);
		assert_int_equal(f->triggers, (int)nc);
	}
}

/* The credentials are read at each request. */
static void
test_live_credentials(void **state)
{
	struct fx	*f = *state;
	char		 nonce[DIGEST_NONCE_LEN + 1], row[512], hdrs[600];

	challenge(f, nonce);
	f->password = "n3w";
	authorization(row, sizeof row, DIGEST_MD5, "alice", "s3cret", nonce,
	    1);
	snprintf(hdrs, sizeof hdrs, "Event: report\r\n%s", row);
	assert_int_equal(ask(f, "NOTIFY", 0, hdrs), 403);
	authorization(row, sizeof row, DIGEST_MD5, "alice", "n3w", nonce, 1);
	snprintf(hdrs, sizeof hdrs, "Event: report\r\n%s", row);
	assert_int_equal(ask(f, "NOTIFY", 0, hdrs), 200);
	f->user = "bob";
	authorization(row, sizeof row, DIGEST_MD5, "alice", "n3w", nonce, 2);
	snprintf(hdrs, sizeof hdrs, "Event: report\r\n%s", row);
	assert_int_equal(ask(f, "NOTIFY", 0, hdrs), 403);
	assert_int_equal(f->triggers, 1);
}

/* Garbage gets nothing or a 400, and the socket keeps answering. */
static void
test_garbage(void **state)
{
	struct fx	*f = *state;
	static char	 big[SIP_MAX_MSG + 100];
	char		 buf[4096];
	uint8_t		 rnd[512];
	size_t		 len, i;

	memset(big, 'A', sizeof big);
	send_raw(f, f->cl, big, sizeof big);
	assert_int_equal(wait_reply(f, f->cl, 100), 0);
	for (i = 0; i < sizeof rnd; i++)
		rnd[i] = (uint8_t)(i * 131 + 7);
	send_raw(f, f->cl, rnd, sizeof rnd);
	send_raw(f, f->cl, "", 0);
	send_raw(f, f->cl, "\r\n\r\n", 4);
	len = request(f, buf, sizeof buf, "NOTIFY", 0, "Event: report\r\n");
	send_raw(f, f->cl, buf, len / 2);
	assert_int_equal(wait_reply(f, f->cl, 100), 0);
	/* Answerable but malformed. */
	assert_int_equal(ask(f, "NOTIFY", 0, "Content-Length: 99\r\n"), 400);
	assert_int_equal(ask(f, "OPTIONS", 0, ""), 200);
	assert_int_equal(f->triggers, 0);
}

/* One wake-up reads at most SIPD_BURST datagrams, then yields. */
static void
test_burst(void **state)
{
	struct fx	*f = *state;
	char		 buf[1024];
	size_t		 len;
	int		 i, got = 0;

	len = request(f, buf, sizeof buf, "OPTIONS", 0, "");
	for (i = 0; i < SIPD_BURST + 36; i++)
		send_raw(f, f->cl, buf, len);
	event_base_loop(f->base, EVLOOP_ONCE);
	while (recv(f->cl, f->reply, sizeof f->reply, MSG_DONTWAIT) > 0)
		got++;
	assert_int_equal(got, SIPD_BURST);
	for (i = 0; i < 10; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	while (recv(f->cl, f->reply, sizeof f->reply, MSG_DONTWAIT) > 0)
		got++;
	assert_int_equal(got, SIPD_BURST + 36);
}

/* A run of refusals makes one log line, not one per datagram. */
static void
test_log_restraint(void **state)
{
	struct fx	*f = *state;
	char		 nonce[DIGEST_NONCE_LEN + 1], row[512], hdrs[600];
	unsigned	 nc;
	int		 before;

	challenge(f, nonce);
	before = f->lines;
	for (nc = 1; nc <= 50; nc++) {
		authorization(row, sizeof row, DIGEST_MD5, "alice", "guess",
		    nonce, nc);
		snprintf(hdrs, sizeof hdrs, "Event: report\r\n%s", row);
		assert_int_equal(ask(f, "NOTIFY", 0, hdrs), 403);
		assert_int_equal(ask(f, "NOTIFY", 0, "Event: report\r\n"), 401);
	}
	/* The first 403 (the 401s were said by challenge()), nothing more. */
	assert_int_equal(f->lines - before, 1);
	assert_non_null(strstr(f->last, "NOTIFY refused: wrong response"));
	assert_int_equal(f->triggers, 0);
}

static void
test_config_errors(void **state)
{
	struct event_base	*base = event_base_new();
	struct sipd_config	 sc;
	struct sipd		*s;
	struct fx		 f;
	char			 err[CR_ERRLEN];
	int			 fd;

	memset(&f, 0, sizeof f);
	memset(&sc, 0, sizeof sc);
	sc.creds = fx_creds;
	sc.trigger = fx_trigger;
	sc.arg = &f;
	sc.addr = "not-an-address";
	assert_null(sipd_new(base, &sc, err));
	assert_non_null(strstr(err, "not-an-address"));
	/* A port in use. */
	fd = udp_socket(0);
	sc.addr = "127.0.0.1";
	sc.port = local_port(fd);
	assert_null(sipd_new(base, &sc, err));
	assert_non_null(strstr(err, "in use"));
	close(fd);
	sc.port = 70000;
	assert_null(sipd_new(base, &sc, err));
	/* IPv6, when the machine has it. */
	sc.addr = "::1";
	sc.port = 0;
	if ((s = sipd_new(base, &sc, err)) != NULL) {
		assert_true(sipd_port(s) > 0);
		sipd_free(s);
	}
	sc.creds = NULL;
	assert_null(sipd_new(base, &sc, err));
	event_base_free(base);
}

/* --- a listener several agents share: routed by the NOTIFY's user ----- */

struct line {
	const char	*user;
	const char	*password;
	int		 triggers;
};

static struct line	lines[2] = {
	{ "1001", "pw-one", 0 }, { "1002", "pw-two", 0 },
};

static void *
line_route(void *arg, const char *user)
{
	size_t	i;

	for (i = 0; i < 2; i++)
		if (strcmp(lines[i].user, user) == 0)
			return &lines[i];
	return NULL;
}

static int
line_creds(void *arg, const char **user, const char **password)
{
	struct line	*l = arg;

	*user = l->user;
	*password = l->password;
	return 0;
}

static void
line_trigger(void *arg)
{
	((struct line *)arg)->triggers++;
}

/* A NOTIFY with USER/PASSWORD's Digest for NONCE and NC: its status. */
static int
line_notify(struct fx *f, const char *user, const char *password,
    unsigned nc, const char *nonce)
{
	char	row[512], hdrs[600];

	authorization(row, sizeof row, DIGEST_MD5, user, password, nonce, nc);
	snprintf(hdrs, sizeof hdrs, "Event: report\r\n%s", row);
	return ask(f, "NOTIFY", 0, hdrs);
}

static void
test_shared_listener(void **state)
{
	struct fx		*f = *state;
	struct sipd_config	 sc;
	struct sipd		*shared;
	char			 nonce[DIGEST_NONCE_LEN + 1], err[CR_ERRLEN];

	lines[0].triggers = lines[1].triggers = 0;
	memset(&sc, 0, sizeof sc);
	sc.addr = "127.0.0.1";
	sc.creds = line_creds;
	sc.trigger = line_trigger;
	sc.log = fx_log;
	sc.arg = f;
	sc.route = line_route;
	assert_non_null(shared = sipd_new(f->base, &sc, err));
	f->port = sipd_port(shared);

	/* Each line's NOTIFY, with its own password, reaches it alone. */
	f->ruri_user = f->to_user = "1001";
	challenge(f, nonce);
	assert_int_equal(line_notify(f, "1001", "pw-one", 1, nonce), 200);
	assert_int_equal(lines[0].triggers, 1);
	assert_int_equal(lines[1].triggers, 0);
	f->ruri_user = f->to_user = "1002";
	/* Line 1's credentials do not open line 2. */
	assert_int_equal(line_notify(f, "1001", "pw-one", 2, nonce), 403);
	assert_int_equal(line_notify(f, "1002", "pw-one", 2, nonce), 403);
	assert_int_equal(line_notify(f, "1002", "pw-two", 3, nonce), 200);
	assert_int_equal(lines[1].triggers, 1);
	/* No user in the Request-URI: the To header's. */
	f->ruri_user = "";
	assert_int_equal(line_notify(f, "1002", "pw-two", 4, nonce), 200);
	assert_int_equal(lines[1].triggers, 2);
	/* The Request-URI's user comes first. */
	f->ruri_user = "1001";
	assert_int_equal(line_notify(f, "1001", "pw-one", 5, nonce), 200);
	assert_int_equal(lines[0].triggers, 2);
	/* Nobody here: 404, before any challenge. */
	f->ruri_user = f->to_user = "9999";
	assert_int_equal(ask(f, "NOTIFY", 0, "Event: report\r\n"), 404);
	f->ruri_user = "";
	f->to_user = "x";
	assert_int_equal(ask(f, "NOTIFY", 0, "Event: report\r\n"), 404);
	/* OPTIONS is answered for all. */
	assert_int_equal(ask(f, "OPTIONS", 0, ""), 200);
	assert_int_equal(lines[0].triggers + lines[1].triggers, 4);
	sipd_free(shared);
	f->ruri_user = f->to_user = NULL;
}

static void
test_uri_user(void **state)
{
	char	u[16];

	assert_int_equal(sip_uri_user("sip:1001@pbx.example;transport=udp",
	    u, sizeof u), 0);
	assert_string_equal(u, "1001");
	assert_int_equal(sip_uri_user("\"Desk\" <sips:alice@h:5061>;tag=x", u,
	    sizeof u), 0);
	assert_string_equal(u, "alice");
	assert_int_equal(sip_uri_user("sip:pbx.example", u, sizeof u), -1);
	assert_int_equal(sip_uri_user("sip:@pbx.example", u, sizeof u), -1);
	assert_int_equal(sip_uri_user("tel:+15551234", u, sizeof u), -1);
	assert_int_equal(sip_uri_user("sip:a-very-long-user-name@h", u,
	    sizeof u), -1);
	/* An '@' past the host part is no user. */
	assert_int_equal(sip_uri_user("<sip:h;x=a@b>", u, sizeof u), -1);
}

/*
 * A peer on IPv6 is logged as [ADDR]:PORT (issue 9, finding 11: it read
 * "SIP ::1:58299").  Skipped where the machine has no ::1.
 */
static void
test_ipv6_peer_logged(void **state)
{
	struct event_base	*base = event_base_new();
	struct sipd_config	 sc;
	struct sipd		*s;
	struct sockaddr_in6	 sin6;
	struct fx		 f;
	static char		 big[SIP_MAX_MSG + 100];
	char			 err[CR_ERRLEN], want[64];
	socklen_t		 len = sizeof sin6;
	int			 fd, i;

	memset(&f, 0, sizeof f);
	memset(&sc, 0, sizeof sc);
	sc.addr = "::1";
	sc.creds = fx_creds;
	sc.trigger = fx_trigger;
	sc.log = fx_log;
	sc.arg = &f;
	f.user = "alice";
	f.password = "s3cret";
	if ((s = sipd_new(base, &sc, err)) == NULL ||
	    (fd = socket(AF_INET6, SOCK_DGRAM, 0)) == -1) {
		sipd_free(s);
		event_base_free(base);
		skip();
	}
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	assert_int_equal(bind(fd, (struct sockaddr *)&sin6, sizeof sin6), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin6, &len), 0);
	snprintf(want, sizeof want, "SIP [::1]:%u: ",
	    ntohs(sin6.sin6_port));
	sin6.sin6_port = htons((uint16_t)sipd_port(s));
	/* Too large: dropped, and logged with its source. */
	memset(big, 'A', sizeof big);
	assert_int_equal(sendto(fd, big, sizeof big, 0,
	    (struct sockaddr *)&sin6, sizeof sin6), (ssize_t)sizeof big);
	for (i = 0; i < 5000 && f.lines == 0; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_int_equal(f.lines, 1);
	assert_true(strncmp(f.last, want, strlen(want)) == 0);
	close(fd);
	sipd_free(s);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_methods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_credentials, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_notify_triggers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_live_credentials, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_restraint, setup,
		    teardown),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test_setup_teardown(test_shared_listener, setup,
		    teardown),
		cmocka_unit_test(test_uri_user),
		cmocka_unit_test(test_ipv6_peer_logged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
