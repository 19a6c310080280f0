/*
 * test_ctl.c — the control socket: the server (ctl.c) with raw clients on
 * the same event_base, and cfgreportctl's client (ctlclient.c) against a
 * server in a child process.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "proto.h"
#include "agent.h"

#define MAX_PENDING	8
#define MAX_REPLIES	4

struct fx {
	char			 dir[64];
	char			 path[128];
	struct event_base	*base;
	struct event		*tick;	/* so EVLOOP_ONCE always returns */
	struct ctl		*ctl;
	int			 defer;	/* keep requests for the test */
	int			 ncalls;
	struct ctl_req		*pending[MAX_PENDING];
	int			 npending;
	char			*lastcmd;
	int			 nlogs;
	int			 nwarnings;
	char			 lastlog[512];
};

struct raw {
	struct bufferevent	*bev;
	struct ctlmsg_dec	*dec;
	int			 nreplies;
	int			 ok[MAX_REPLIES];
	char			*text[MAX_REPLIES];
	size_t			 len[MAX_REPLIES];
	int			 closed;
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define RUN_UNTIL(fx, cond, secs) do {					\
	double	_end = now() + (secs);					\
	while (!(cond)) {						\
		if (now() > _end)					\
			fail_msg("timed out waiting for %s", #cond);	\
		event_base_loop((fx)->base, EVLOOP_ONCE);		\
	}								\
} while (0)

static void
run_for(struct fx *fx, double secs)
{
	double	end = now() + secs;

	while (now() < end)
		event_base_loop(fx->base, EVLOOP_ONCE);
}

static void
tick(evutil_socket_t fd, short ev, void *arg)
{
}

/* Echo: every argument with its NUL, then the blob. */
static void
echo(struct ctl_req *req, int argc, char **argv, const uint8_t *blob,
    size_t bloblen)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;
	int		 i;

	for (i = 0; i < argc; i++)
		evbuffer_add(b, argv[i], strlen(argv[i]) + 1);
	if (bloblen > 0)
		evbuffer_add(b, blob, bloblen);
	len = evbuffer_get_length(b);
	assert_int_equal(ctl_reply(req, 1, (char *)evbuffer_pullup(b, -1),
	    len), 0);
	evbuffer_free(b);
}

static void
handler(void *arg, struct ctl_req *req, int argc, char **argv,
    const uint8_t *blob, size_t bloblen)
{
	struct fx	*fx = arg;

	fx->ncalls++;
	free(fx->lastcmd);
	fx->lastcmd = strdup(argv[0]);
	if (strcmp(argv[0], "fail") == 0) {
		assert_int_equal(ctl_reply(req, 0, "no such thing", 13), 0);
		return;
	}
	if (strcmp(argv[0], "big") == 0) {
		size_t	 n = 8 * 1024 * 1024;
		char	*text = malloc(n);

		/* Handed over, not copied: the server frees it. */
		memset(text, 'b', n);
		assert_int_equal(ctl_reply_take(req, 1, text, n), 0);
		return;
	}
	if (strcmp(argv[0], "slow") == 0) {
		/*
		 * A durable write on slow flash: the loop is blocked for
		 * longer than the idle time-out (the delay is the injected
		 * fault, not a wait for something to happen).
		 */
		struct timespec	 ts = { 0, 400 * 1000 * 1000 };

		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			continue;
		assert_int_equal(ctl_reply(req, 1, "applied", 7), 0);
		return;
	}
	if (fx->defer) {
		assert_true(fx->npending < MAX_PENDING);
		fx->pending[fx->npending++] = req;
		return;
	}
	echo(req, argc, argv, blob, bloblen);
}

static void
logger(void *arg, int pri, const char *msg)
{
	struct fx	*fx = arg;

	fx->nlogs++;
	if (pri <= LOG_WARNING)
		fx->nwarnings++;
	snprintf(fx->lastlog, sizeof fx->lastlog, "%s", msg);
}

static int
setup(void **state)
{
	struct fx	*fx = calloc(1, sizeof *fx);
	struct timeval	 tv = { 0, 10000 };
	char		 err[CR_ERRLEN];

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/cfgreport-ctl.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof fx->path, "%s/ctl.sock", fx->dir);
	assert_non_null(fx->base = event_base_new());
	fx->tick = event_new(fx->base, -1, EV_PERSIST, tick, NULL);
	event_add(fx->tick, &tv);
	fx->ctl = ctl_listen(fx->base, fx->path, 0600, handler, fx, err);
	if (fx->ctl == NULL)
		fail_msg("ctl_listen: %s", err);
	ctl_set_log(fx->ctl, logger, fx);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;
	char		 cmd[128];

	ctl_free(fx->ctl);
	/* Requests outlive the server; the handler still answers them. */
	while (fx->npending > 0)
		ctl_reply(fx->pending[--fx->npending], 0, "gone", 4);
	event_free(fx->tick);
	event_base_free(fx->base);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx->lastcmd);
	free(fx);
	return 0;
}

static void
raw_read(struct bufferevent *bev, void *arg)
{
	struct raw		*r = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_iovec	 v;
	const char		*text;
	char			 err[CR_ERRLEN];
	size_t			 used, len;
	int			 rv, ok;

	while (evbuffer_get_length(in) > 0) {
		assert_int_equal(evbuffer_peek(in, -1, NULL, &v, 1), 1);
		rv = ctlmsg_dec_feed(r->dec, v.iov_base, v.iov_len, &used,
		    err);
		if (rv == -1)
			fail_msg("reply: %s", err);
		evbuffer_drain(in, used);
		if (rv == CTLMSG_COMPLETE) {
			assert_true(r->nreplies < MAX_REPLIES);
			ctlmsg_dec_reply(r->dec, &ok, &text, &len);
			r->ok[r->nreplies] = ok;
			r->text[r->nreplies] = malloc(len + 1);
			memcpy(r->text[r->nreplies], text, len + 1);
			r->len[r->nreplies++] = len;
			ctlmsg_dec_reset(r->dec);
		}
	}
}

static void
raw_event(struct bufferevent *bev, short what, void *arg)
{
	struct raw	*r = arg;

	r->closed = 1;
}

static int
raw_connect_fd(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		fail_msg("connect %s: %s", path, strerror(errno));
	return fd;
}

static struct raw *
raw_attach(struct fx *fx, int fd)
{
	struct raw	*r = calloc(1, sizeof *r);

	assert_non_null(r);
	evutil_make_socket_nonblocking(fd);
	r->bev = bufferevent_socket_new(fx->base, fd, BEV_OPT_CLOSE_ON_FREE);
	r->dec = ctlmsg_dec_new(CTLMSG_REPLY);
	bufferevent_setcb(r->bev, raw_read, NULL, raw_event, r);
	bufferevent_enable(r->bev, EV_READ | EV_WRITE);
	return r;
}

static struct raw *
raw_open(struct fx *fx)
{
	return raw_attach(fx, raw_connect_fd(fx->path));
}

static void
raw_send(struct raw *r, const void *p, size_t len)
{
	assert_int_equal(bufferevent_write(r->bev, p, len), 0);
}

static void
raw_request(struct raw *r, int argc, char **argv, const void *blob,
    size_t bloblen)
{
	uint8_t	*msg;
	size_t	 len;
	char	 err[CR_ERRLEN];

	msg = ctlmsg_request_encode(argc, argv, blob, bloblen, &len, err);
	if (msg == NULL)
		fail_msg("encode: %s", err);
	raw_send(r, msg, len);
	free(msg);
}

static void
raw_free(struct raw *r)
{
	int	i;

	if (r->bev != NULL)
		bufferevent_free(r->bev);
	ctlmsg_dec_free(r->dec);
	for (i = 0; i < r->nreplies; i++)
		free(r->text[i]);
	free(r);
}

/* What echo() answers for ARGV and BLOB. */
static char *
expect_echo(int argc, char **argv, const void *blob, size_t bloblen,
    size_t *lenp)
{
	size_t	 len = bloblen, off = 0;
	char	*out;
	int	 i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	assert_non_null(out = malloc(len));
	for (i = 0; i < argc; i++) {
		memcpy(out + off, argv[i], strlen(argv[i]) + 1);
		off += strlen(argv[i]) + 1;
	}
	memcpy(out + off, blob, bloblen);
	*lenp = len;
	return out;
}

static void
test_echo_big(void **state)
{
	struct fx	*fx = *state;
	struct raw	*r;
	char		*argv[4], *value, *want;
	uint8_t		*blob;
	size_t		 i, len, bloblen = 1024 * 1024;
	struct stat	 st;

	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	/* A longest value with spaces, newlines, '=' and UTF-8. */
	assert_non_null(value = malloc(PARAMS_MAX_VALUE + 1));
	strcpy(value, "GPP_A=");
	for (i = strlen(value); i + 3 <= PARAMS_MAX_VALUE; i += 3)
		memcpy(value + i, (i / 3) % 2 ? " =\n" : "\xe2\x82\xac", 3);
	value[i] = '\0';
	assert_non_null(blob = malloc(bloblen));
	for (i = 0; i < bloblen; i++)
		blob[i] = (uint8_t)(i * 31 + 7);
	argv[0] = "echo";
	argv[1] = value;
	argv[2] = "Station_Name=Front desk";
	argv[3] = NULL;

	r = raw_open(fx);
	raw_request(r, 3, argv, blob, bloblen);
	RUN_UNTIL(fx, r->nreplies == 1, 10);
	want = expect_echo(3, argv, blob, bloblen, &len);
	assert_true(r->ok[0]);
	assert_int_equal(r->len[0], len);
	assert_memory_equal(r->text[0], want, len);
	free(want);

	/* The same connection takes the next request. */
	raw_request(r, 1, argv + 2, NULL, 0);
	RUN_UNTIL(fx, r->nreplies == 2, 5);
	assert_string_equal(r->text[1], "Station_Name=Front desk");
	assert_int_equal(r->len[1], strlen(argv[2]) + 1);
	assert_int_equal(fx->ncalls, 2);
	assert_int_equal(ctl_count(fx->ctl), 1);

	/* An error reply keeps the connection open. */
	argv[0] = "fail";
	raw_request(r, 1, argv, NULL, 0);
	RUN_UNTIL(fx, r->nreplies == 3, 5);
	assert_false(r->ok[2]);
	assert_string_equal(r->text[2], "no such thing");
	run_for(fx, 0.05);
	assert_false(r->closed);
	raw_free(r);
	RUN_UNTIL(fx, ctl_count(fx->ctl) == 0, 5);
	free(value);
	free(blob);
}

/* Two requests sent at once are taken one at a time. */
static void
test_one_at_a_time(void **state)
{
	struct fx	*fx = *state;
	struct raw	*r;
	char		*a[] = { "first", NULL }, *b[] = { "second", NULL };
	uint8_t		*m1, *m2;
	size_t		 l1, l2;

	fx->defer = 1;
	m1 = ctlmsg_request_encode(1, a, NULL, 0, &l1, NULL);
	m2 = ctlmsg_request_encode(1, b, "xyz", 3, &l2, NULL);
	m1 = realloc(m1, l1 + l2);
	memcpy(m1 + l1, m2, l2);
	r = raw_open(fx);
	raw_send(r, m1, l1 + l2);
	free(m1);
	free(m2);

	RUN_UNTIL(fx, fx->ncalls == 1, 5);
	run_for(fx, 0.1);
	assert_int_equal(fx->ncalls, 1);
	assert_string_equal(fx->lastcmd, "first");
	assert_int_equal(r->nreplies, 0);

	/* Replying from outside the handler, later: a deferred reply. */
	assert_int_equal(ctl_reply(fx->pending[--fx->npending], 1, "one", 3),
	    0);
	RUN_UNTIL(fx, fx->ncalls == 2, 5);
	assert_int_equal(r->nreplies, 1);
	assert_string_equal(r->text[0], "one");
	assert_string_equal(fx->lastcmd, "second");
	assert_int_equal(ctl_reply(fx->pending[--fx->npending], 1, "two", 3),
	    0);
	RUN_UNTIL(fx, r->nreplies == 2, 5);
	assert_string_equal(r->text[1], "two");
	raw_free(r);
}

struct later {
	struct fx	*fx;
	struct event	*ev;
	int		 fired;
};

static void
later_reply(evutil_socket_t fd, short ev, void *arg)
{
	struct later	*l = arg;

	assert_int_equal(l->fx->npending, 1);
	ctl_reply(l->fx->pending[--l->fx->npending], 1, "later", 5);
	l->fired = 1;
}

/*
 * The handler keeps the request and replies from a timer, later than the
 * idle timeout: a slow handler (a durable write) is not a stalled client.
 */
static void
test_deferred_by_timer(void **state)
{
	struct fx		*fx = *state;
	struct raw		*r;
	struct later		 l = { fx, NULL, 0 };
	struct timeval		 tv = { 0, 300000 };
	struct ctl_limits	 lim = { 0, 100, 0 };
	char			*argv[] = { "report", "delta", NULL };
	double			 t0;

	fx->defer = 1;
	ctl_set_limits(fx->ctl, &lim);
	l.ev = evtimer_new(fx->base, later_reply, &l);
	r = raw_open(fx);
	raw_request(r, 2, argv, NULL, 0);
	RUN_UNTIL(fx, fx->ncalls == 1, 5);
	t0 = now();
	evtimer_add(l.ev, &tv);
	RUN_UNTIL(fx, r->nreplies == 1, 5);
	assert_true(l.fired);
	assert_true(now() - t0 >= 0.25);
	assert_string_equal(r->text[0], "later");
	assert_false(r->closed);
	event_free(l.ev);
	raw_free(r);
}

/*
 * The handler owns the request for longer than the idle time-out, in the
 * same loop pass (a durable write blocks the loop): the client still gets
 * its reply, and the connection stays usable.
 */
static void
test_slow_handler(void **state)
{
	struct fx		*fx = *state;
	struct raw		*r;
	struct ctl_limits	 lim = { 0, 100, 0 };
	char			*slow[] = { "slow", NULL }, *info[] = { "info",
				    NULL };

	ctl_set_limits(fx->ctl, &lim);
	r = raw_open(fx);
	raw_request(r, 1, slow, NULL, 0);
	RUN_UNTIL(fx, r->nreplies == 1 || r->closed, 5);
	assert_int_equal(r->nreplies, 1);
	assert_true(r->ok[0]);
	assert_string_equal(r->text[0], "applied");
	raw_request(r, 1, info, NULL, 0);
	RUN_UNTIL(fx, r->nreplies == 2 || r->closed, 5);
	assert_int_equal(r->nreplies, 2);
	raw_free(r);
}

/* The client leaves before the reply: the reply is dropped, nothing breaks. */
static void
test_client_gone(void **state)
{
	struct fx	*fx = *state;
	struct raw	*r;
	char		*argv[] = { "import", "x.xml", NULL };

	fx->defer = 1;
	r = raw_open(fx);
	raw_request(r, 2, argv, "<flat-profile/>", 15);
	RUN_UNTIL(fx, fx->ncalls == 1, 5);
	raw_free(r);
	run_for(fx, 0.05);
	/*
	 * A reply handed over to a client that left (noticed when it is
	 * written) is freed with the connection: LSan checks.
	 */
	ctl_reply_take(fx->pending[--fx->npending], 1, strdup("done"), 4);
	RUN_UNTIL(fx, ctl_count(fx->ctl) == 0, 5);

	/* Still serving. */
	fx->defer = 0;
	r = raw_open(fx);
	raw_request(r, 1, argv, NULL, 0);
	RUN_UNTIL(fx, r->nreplies == 1, 5);
	assert_memory_equal(r->text[0], "import", 7);
	raw_free(r);
}

/* The server goes first: the handle stays valid, the reply is dropped. */
static void
test_server_freed_first(void **state)
{
	struct fx	*fx = *state;
	struct raw	*r;
	char		*argv[] = { "set", "A=1", NULL };
	struct stat	 st;

	fx->defer = 1;
	r = raw_open(fx);
	raw_request(r, 2, argv, NULL, 0);
	RUN_UNTIL(fx, fx->ncalls == 1, 5);
	ctl_free(fx->ctl);
	fx->ctl = NULL;
	assert_int_equal(lstat(fx->path, &st), -1);
	assert_int_equal(errno, ENOENT);
	RUN_UNTIL(fx, r->closed, 5);
	assert_int_equal(r->nreplies, 0);
	assert_int_equal(ctl_reply(fx->pending[--fx->npending], 1, "ok", 2),
	    -1);
	raw_free(r);
}

static void
test_stale_socket_replaced(void **state)
{
	struct fx		*fx = *state;
	struct sockaddr_un	 sun;
	struct raw		*r;
	char			 path[160], err[CR_ERRLEN];
	char			*argv[] = { "info", NULL };
	struct ctl		*ctl;
	int			 fd;

	/* A socket file nobody listens on, as a crashed agent leaves it. */
	snprintf(path, sizeof path, "%s/stale.sock", fx->dir);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);

	ctl = ctl_listen(fx->base, path, 0600, handler, fx, err);
	if (ctl == NULL)
		fail_msg("%s", err);
	ctl_free(fx->ctl);
	fx->ctl = ctl;
	strcpy(fx->path, path);
	r = raw_open(fx);
	raw_request(r, 1, argv, NULL, 0);
	RUN_UNTIL(fx, r->nreplies == 1, 5);
	assert_string_equal(r->text[0], "info");
	raw_free(r);
}

static void
test_live_socket_refused(void **state)
{
	struct fx	*fx = *state;
	struct raw	*r;
	char		 err[CR_ERRLEN], want[256];
	char		*argv[] = { "dump", NULL };

	assert_null(ctl_listen(fx->base, fx->path, 0600, handler, fx, err));
	snprintf(want, sizeof want, "%s: an agent is already listening "
	    "there", fx->path);
	assert_string_equal(err, want);
	/* The first one is untouched and still answers. */
	r = raw_open(fx);
	raw_request(r, 1, argv, NULL, 0);
	RUN_UNTIL(fx, r->nreplies == 1, 5);
	raw_free(r);
}

static void
test_not_socket_refused(void **state)
{
	struct fx	*fx = *state;
	char		 path[160], err[CR_ERRLEN], want[256], buf[16];
	int		 fd;

	snprintf(path, sizeof path, "%s/profile.xml", fx->dir);
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0600)) != -1);
	assert_int_equal(write(fd, "precious", 8), 8);
	close(fd);
	assert_null(ctl_listen(fx->base, path, 0600, handler, fx, err));
	snprintf(want, sizeof want, "%s: exists and is not a socket: not "
	    "replacing it", path);
	assert_string_equal(err, want);
	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_int_equal(read(fd, buf, sizeof buf), 8);
	assert_memory_equal(buf, "precious", 8);
	close(fd);

	/* A directory neither. */
	assert_null(ctl_listen(fx->base, fx->dir, 0600, handler, fx, err));
	snprintf(want, sizeof want, "%s: exists and is not a socket: not "
	    "replacing it", fx->dir);
	assert_string_equal(err, want);
}

static void
test_path_too_long(void **state)
{
	struct fx		*fx = *state;
	struct sockaddr_un	 sun;
	char			 path[256], err[CR_ERRLEN], want[400];

	memset(path, 'p', sizeof path);
	memcpy(path, "/tmp/", 5);
	path[sizeof sun.sun_path] = '\0';	/* one byte too many */
	assert_null(ctl_listen(fx->base, path, 0600, handler, fx, err));
	snprintf(want, sizeof want, "%s: socket path too long (at most %zu "
	    "bytes)", path, sizeof sun.sun_path - 1);
	assert_string_equal(err, want);
	assert_null(ctl_listen(fx->base, "", 0600, handler, fx, err));
	assert_string_equal(err, "empty socket path");
}

static void
test_mode(void **state)
{
	struct fx	*fx = *state;
	struct ctl	*ctl;
	struct stat	 st;
	char		 path[160], err[CR_ERRLEN];
	mode_t		 old;

	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* A permissive umask changes nothing; MODE decides. */
	old = umask(0);
	snprintf(path, sizeof path, "%s/group.sock", fx->dir);
	ctl = ctl_listen(fx->base, path, 0660, handler, fx, err);
	umask(old);
	assert_non_null(ctl);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	ctl_free(ctl);
	assert_int_equal(stat(path, &st), -1);
}

static void
test_garbage(void **state)
{
	struct fx	*fx = *state;
	struct raw	*r;
	static const char get[] = "GET / HTTP/1.0\r\n\r\n";

	r = raw_open(fx);
	raw_send(r, get, sizeof get - 1);
	RUN_UNTIL(fx, r->nreplies == 1 && r->closed, 5);
	assert_false(r->ok[0]);
	assert_string_equal(r->text[0], "request: not a cfgreport control "
	    "message");
	assert_int_equal(fx->ncalls, 0);
	RUN_UNTIL(fx, ctl_count(fx->ctl) == 0, 5);
	raw_free(r);

	/* Valid framing, invalid argument. */
	r = raw_open(fx);
	raw_send(r, "CFGR1 2 7 0\nset\0\xff\xfe\0", 19);
	RUN_UNTIL(fx, r->nreplies == 1 && r->closed, 5);
	assert_string_equal(r->text[0], "request: argument 2: not valid "
	    "UTF-8");
	raw_free(r);
}

/* Refused from the header alone: no body is awaited or held. */
static void
test_oversize(void **state)
{
	struct fx	*fx = *state;
	struct raw	*r;
	static const char hdr[] = "CFGR1 2 12 999999999\n";

	r = raw_open(fx);
	raw_send(r, hdr, sizeof hdr - 1);
	RUN_UNTIL(fx, r->nreplies == 1 && r->closed, 5);
	assert_false(r->ok[0]);
	assert_string_equal(r->text[0], "request: blob of 999999999 bytes: "
	    "the limit is 16777216");
	assert_int_equal(fx->ncalls, 0);
	raw_free(r);
}

static void
test_idle_timeout(void **state)
{
	struct fx		*fx = *state;
	struct ctl_limits	 l = { 0, 200, 0 };
	struct raw		*r, *r2;
	double			 t0 = now();

	ctl_set_limits(fx->ctl, &l);
	r = raw_open(fx);			/* says nothing */
	r2 = raw_open(fx);			/* stops half-way */
	raw_send(r2, "CFGR1 1 5 0\ndu", 14);
	RUN_UNTIL(fx, ctl_count(fx->ctl) == 2, 5);
	RUN_UNTIL(fx, r->closed && r2->closed, 5);
	assert_true(now() - t0 >= 0.18);
	assert_int_equal(r->nreplies, 0);
	assert_int_equal(ctl_count(fx->ctl), 0);
	assert_int_equal(fx->ncalls, 0);
	raw_free(r);
	raw_free(r2);
}

/* A client that does not read its reply is dropped too. */
static void
test_write_timeout(void **state)
{
	struct fx		*fx = *state;
	struct ctl_limits	 l = { 0, 200, 0 };
	char			*argv[] = { "big", NULL };
	uint8_t			*msg;
	size_t			 len;
	int			 fd;

	ctl_set_limits(fx->ctl, &l);
	fd = raw_connect_fd(fx->path);
	msg = ctlmsg_request_encode(1, argv, NULL, 0, &len, NULL);
	assert_int_equal(write(fd, msg, len), (ssize_t)len);
	free(msg);
	RUN_UNTIL(fx, fx->ncalls == 1, 5);
	RUN_UNTIL(fx, ctl_count(fx->ctl) == 0, 5);
	close(fd);
}

/*
 * Full: a new client takes the place of the connection whose last
 * exchange is the oldest (issue 9, finding 7: 32 idle connections used to
 * lock every client out until their idle time-out).
 */
static void
test_connection_limit(void **state)
{
	struct fx		*fx = *state;
	struct ctl_limits	 l = { 2, 0, 0 };
	struct raw		*a, *b, *c;
	char			*argv[] = { "info", NULL };

	ctl_set_limits(fx->ctl, &l);
	a = raw_open(fx);
	RUN_UNTIL(fx, ctl_count(fx->ctl) == 1, 5);
	b = raw_open(fx);
	RUN_UNTIL(fx, ctl_count(fx->ctl) == 2, 5);
	/* b's request makes it the one used last; a is the oldest. */
	raw_request(b, 1, argv, NULL, 0);
	RUN_UNTIL(fx, b->nreplies == 1, 5);
	c = raw_open(fx);
	raw_request(c, 1, argv, NULL, 0);
	RUN_UNTIL(fx, c->nreplies == 1 && a->closed, 5);
	assert_true(c->ok[0]);
	assert_int_equal(a->nreplies, 0);
	assert_false(b->closed);
	assert_int_equal(ctl_count(fx->ctl), 2);
	assert_string_equal(fx->lastlog, "ctl_crowd: 2 connections (the "
	    "most): 1 closed for newer clients, 0 refused");
	raw_free(a);
	raw_free(b);
	raw_free(c);
}

/* Only when the handler owns every connection's request is one refused. */
static void
test_connection_refused_all_busy(void **state)
{
	struct fx		*fx = *state;
	struct ctl_limits	 l = { 2, 0, 0 };
	struct raw		*a, *b, *c;
	char			*argv[] = { "report", NULL };

	fx->defer = 1;
	ctl_set_limits(fx->ctl, &l);
	a = raw_open(fx);
	b = raw_open(fx);
	raw_request(a, 1, argv, NULL, 0);
	raw_request(b, 1, argv, NULL, 0);
	RUN_UNTIL(fx, fx->npending == 2, 5);
	c = raw_open(fx);
	RUN_UNTIL(fx, c->nreplies == 1 && c->closed, 5);
	assert_false(c->ok[0]);
	assert_string_equal(c->text[0], "agent busy: too many control "
	    "connections; try again");
	assert_string_equal(fx->lastlog, "ctl_crowd: 2 connections (the "
	    "most): 0 closed for newer clients, 1 refused");
	raw_free(c);
	ctl_reply(fx->pending[--fx->npending], 1, "b", 1);
	ctl_reply(fx->pending[--fx->npending], 1, "a", 1);
	RUN_UNTIL(fx, a->nreplies == 1 && b->nreplies == 1, 5);
	raw_free(a);
	raw_free(b);
}

/*
 * Hundreds of idle connections (the default limit of 32): every newcomer
 * gets in, a client's request is answered at once, and the warnings come
 * once a minute, not once per connection.
 */
static void
test_many_idle(void **state)
{
	struct fx	*fx = *state;
	struct raw	*idle[500], *c;
	char		*argv[] = { "info", NULL };
	int		 i, nlogs0;

	nlogs0 = fx->nwarnings;
	for (i = 0; i < 500; i++) {
		idle[i] = raw_open(fx);
		event_base_loop(fx->base, EVLOOP_NONBLOCK);
	}
	RUN_UNTIL(fx, ctl_count(fx->ctl) == CTL_MAX_CONNS &&
	    idle[500 - CTL_MAX_CONNS - 1]->closed, 5);
	c = raw_open(fx);
	raw_request(c, 1, argv, NULL, 0);
	RUN_UNTIL(fx, c->nreplies == 1, 5);
	assert_true(c->ok[0]);
	assert_string_equal(c->text[0], "info");
	/* The newest idle ones are still there; the oldest were closed. */
	assert_true(idle[0]->closed);
	assert_false(idle[499]->closed);
	/* One warning at the first eviction; the rest are counted for later. */
	assert_int_equal(fx->nwarnings - nlogs0, 1);
	for (i = 0; i < 500; i++)
		raw_free(idle[i]);
	raw_free(c);
}

/* Large requests in progress share one budget across connections. */
static void
test_inflight_budget(void **state)
{
	struct fx		*fx = *state;
	struct ctl_limits	 l = { 0, 0, 1024 * 1024 };
	struct raw		*a, *b;
	char			*argv[] = { "import", NULL };
	uint8_t			*msg, *blob;
	size_t			 len, half = 700 * 1024;

	ctl_set_limits(fx->ctl, &l);
	assert_non_null(blob = calloc(1, half));
	msg = ctlmsg_request_encode(1, argv, blob, half, &len, NULL);
	a = raw_open(fx);
	raw_send(a, msg, len / 2);
	RUN_UNTIL(fx, ctl_count(fx->ctl) == 1, 5);
	run_for(fx, 0.05);
	b = raw_open(fx);
	raw_send(b, msg, 30);
	RUN_UNTIL(fx, b->nreplies == 1 && b->closed, 5);
	assert_string_equal(b->text[0], "agent busy: too many large requests "
	    "at once; try again");
	raw_free(b);

	/* The first completes; its share is returned with the reply. */
	raw_send(a, msg + len / 2, len - len / 2);
	RUN_UNTIL(fx, a->nreplies == 1, 5);
	assert_int_equal(a->len[0], 7 + half);
	b = raw_open(fx);
	raw_send(b, msg, len);
	RUN_UNTIL(fx, b->nreplies == 1, 5);
	assert_true(b->ok[0]);
	raw_free(a);
	raw_free(b);
	free(msg);
	free(blob);
}

/* Out of descriptors: one warning, a pause of a second, no spinning. */
static void
test_accept_backoff(void **state)
{
	struct fx	*fx = *state;
	struct rlimit	 old, low;
	struct raw	*r;
	char		*argv[] = { "info", NULL };
	char		 want[128];
	int		 fd, spare;

	fd = raw_connect_fd(fx->path);		/* queued, not accepted */
	/* The lowest free number (stdin may be closed under CI). */
	assert_true((spare = open("/dev/null", O_RDONLY)) != -1);
	close(spare);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)spare;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	run_for(fx, 0.3);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(fx->nlogs, 1);
	/* strerror's words are the C library's (musl: "No file
	 * descriptors available"). */
	snprintf(want, sizeof want, "ctl_accept: accept: %s",
	    strerror(EMFILE));
	assert_string_equal(fx->lastlog, want);
	assert_int_equal(ctl_count(fx->ctl), 0);

	/* After the pause the waiting client is served. */
	RUN_UNTIL(fx, ctl_count(fx->ctl) == 1, 3);
	r = raw_attach(fx, fd);
	raw_request(r, 1, argv, NULL, 0);
	RUN_UNTIL(fx, r->nreplies == 1, 5);
	raw_free(r);
}

/*
 * cfgreportctl's client is blocking: the server runs in a child process
 * (the client side is then what this process checks for leaks).
 */
static void
child_handler(void *arg, struct ctl_req *req, int argc, char **argv,
    const uint8_t *blob, size_t bloblen)
{
	char	buf[256];
	int	n;

	if (strcmp(argv[0], "ok") == 0)
		ctl_reply(req, 1, "hello\nworld\n", 12);
	else if (strcmp(argv[0], "fail") == 0)
		ctl_reply(req, 0, "GPP_Q: no such parameter\n", 25);
	else if (strcmp(argv[0], "import") == 0) {
		n = snprintf(buf, sizeof buf, "%s %zu %.*s\n", argv[1],
		    bloblen, bloblen > 14 ? 14 : (int)bloblen,
		    (const char *)blob);
		ctl_reply(req, 1, buf, (size_t)n);
	} else if (strcmp(argv[0], "hang") == 0)
		*(struct ctl_req **)arg = req;	/* never answered */
	else
		echo(req, argc, argv, blob, bloblen);
}

static void
child_stop(evutil_socket_t fd, short ev, void *arg)
{
	event_base_loopbreak(arg);
}

static pid_t
server_child(const char *path, const struct ctl_limits *l)
{
	struct event_base	*base;
	struct event		*term;
	struct ctl		*ctl;
	struct ctl_req		*held = NULL;
	char			 err[CR_ERRLEN], c;
	int			 p[2];
	pid_t			 pid;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		base = event_base_new();
		ctl = ctl_listen(base, path, 0600, child_handler, &held, err);
		if (ctl == NULL) {
			fprintf(stderr, "child: %s\n", err);
			_exit(1);
		}
		if (l != NULL)
			ctl_set_limits(ctl, l);
		term = evsignal_new(base, SIGTERM, child_stop, base);
		evsignal_add(term, NULL);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		close(p[1]);
		event_base_dispatch(base);
		ctl_free(ctl);
		_exit(0);
	}
	assert_true(pid > 0);
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void
server_stop(pid_t pid)
{
	int	status;

	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Run the client; its OUT and ERR output into the buffers. */
static int
client(const char *path, int timeout_ms, char *out, char *errout, ...)
{
	char	*argv[8];
	FILE	*o = tmpfile(), *e = tmpfile();
	va_list	 ap;
	size_t	 n;
	int	 argc = 0, rv;

	va_start(ap, errout);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	rv = ctlclient_call(path, argc, argv, timeout_ms, o, e);
	rewind(o);
	n = fread(out, 1, 4095, o);
	out[n] = '\0';
	rewind(e);
	n = fread(errout, 1, 4095, e);
	errout[n] = '\0';
	fclose(o);
	fclose(e);
	return rv;
}

static void
test_client(void **state)
{
	struct fx	*fx = *state;
	char		 path[160], file[160], out[4096], err[4096];
	char		 want[512], *big;
	pid_t		 pid;
	int		 fd;
	size_t		 n = 2 * 1024 * 1024;

	/* The in-process server is not needed here. */
	ctl_free(fx->ctl);
	fx->ctl = NULL;
	snprintf(path, sizeof path, "%s/agent.sock", fx->dir);
	pid = server_child(path, NULL);

	assert_int_equal(client(path, 5000, out, err, "ok", NULL), 0);
	assert_string_equal(out, "hello\nworld\n");
	assert_string_equal(err, "");

	assert_int_equal(client(path, 5000, out, err, "fail", NULL), 1);
	assert_string_equal(out, "");
	assert_string_equal(err, "cfgreportctl: GPP_Q: no such parameter\n");

	assert_int_equal(client(path, 5000, out, err, "set",
	    "GPP_A=a b\nc=d \xe2\x82\xac", NULL), 0);
	assert_int_equal(memcmp(out, "set\0GPP_A=a b\nc=d \xe2\x82\xac", 22),
	    0);

	/* import sends the file's bytes; the agent never opens the path. */
	snprintf(file, sizeof file, "%s/new.xml", fx->dir);
	assert_non_null(big = malloc(n));
	memset(big, ' ', n);
	memcpy(big, "<flat-profile>", 14);
	assert_true((fd = open(file, O_CREAT | O_WRONLY, 0600)) != -1);
	assert_int_equal(write(fd, big, n), (ssize_t)n);
	close(fd);
	assert_int_equal(client(path, 5000, out, err, "import", file, NULL),
	    0);
	snprintf(want, sizeof want, "%s %zu <flat-profile>\n", file, n);
	assert_string_equal(out, want);
	free(big);

	assert_int_equal(client(path, 5000, out, err, "import",
	    "/nonexistent/p.xml", NULL), 1);
	assert_string_equal(err, "cfgreportctl: import: /nonexistent/p.xml: "
	    "No such file or directory\n");
	assert_int_equal(client(path, 5000, out, err, "import", file, file,
	    NULL), 1);
	assert_string_equal(err, "cfgreportctl: import: give exactly one "
	    "FILE.xml\n");

	/* Refused before sending: the same rules as the agent's. */
	assert_int_equal(client(path, 5000, out, err, "set", "A=\xff", NULL),
	    1);
	assert_string_equal(err, "cfgreportctl: request: argument 2: not "
	    "valid UTF-8\n");

	/* An agent that does not answer. */
	assert_int_equal(client(path, 300, out, err, "hang", NULL), 1);
	snprintf(want, sizeof want, "cfgreportctl: %s: no reply from the "
	    "agent within 300 ms\n", path);
	assert_string_equal(err, want);

	server_stop(pid);

	/* Nothing listens, or nothing is there. */
	assert_int_equal(client(path, 5000, out, err, "ok", NULL), 1);
	snprintf(want, sizeof want, "cfgreportctl: %s: no such socket: is "
	    "cfgreportd running? (-S names another socket)\n", path);
	assert_string_equal(err, want);
	{
		struct sockaddr_un	sun;

		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		strcpy(sun.sun_path, path);
		assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
		assert_int_equal(bind(fd, (struct sockaddr *)&sun,
		    sizeof sun), 0);
		close(fd);
	}
	assert_int_equal(client(path, 5000, out, err, "ok", NULL), 1);
	snprintf(want, sizeof want, "cfgreportctl: %s: nothing listens "
	    "there: cfgreportd is not running\n", path);
	assert_string_equal(err, want);
}

/* The agent refuses while the client is still sending: its reason shows. */
static void
test_client_refused_midway(void **state)
{
	struct fx		*fx = *state;
	struct ctl_limits	 l = { 0, 0, 512 * 1024 };
	char			 path[160], file[160], out[4096], err[4096];
	char			*big;
	size_t			 n = 8 * 1024 * 1024;
	pid_t			 pid;
	int			 fd;

	ctl_free(fx->ctl);
	fx->ctl = NULL;
	snprintf(path, sizeof path, "%s/agent.sock", fx->dir);
	pid = server_child(path, &l);
	snprintf(file, sizeof file, "%s/huge.xml", fx->dir);
	assert_non_null(big = calloc(1, n));
	assert_true((fd = open(file, O_CREAT | O_WRONLY, 0600)) != -1);
	assert_int_equal(write(fd, big, n), (ssize_t)n);
	close(fd);
	free(big);
	assert_int_equal(client(path, 5000, out, err, "import", file, NULL),
	    1);
	assert_string_equal(err, "cfgreportctl: agent busy: too many large "
	    "requests at once; try again\n");
	server_stop(pid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_big, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_one_at_a_time, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deferred_by_timer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_slow_handler, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_gone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_server_freed_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_replaced,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_socket_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_socket_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_path_too_long, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_connection_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_connection_refused_all_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_idle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inflight_budget, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_accept_backoff, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_refused_midway,
		    setup, teardown),
	};

	/* The host's duty (agent.h): a client may close before its reply. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
