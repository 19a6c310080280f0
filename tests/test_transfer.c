/*
 * test_transfer.c — transfer.c without an outside server: the life cycle
 * of a context, refusals, cancelling, freeing with uploads in flight, and
 * callbacks that start, cancel or free.  The peers are local sockets: a
 * port nobody listens on (refused) and a listener that never answers.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "agent.h"
#include "failmalloc.h"

struct fixture {
	struct event_base	*base;
	struct transfer_ctx	*ctx;
	int			 listener;	/* accepts, never answers */
	int			 silent_port;	/* its port */
	int			 refused_port;	/* nothing listens there */
	char			 silent_url[64];
	char			 refused_url[64];
};

/* What a done callback saw, and what it is told to do next. */
struct seen {
	struct fixture		*f;
	int			 calls;
	struct transfer_result	 r;
	struct transfer		*cancel;	/* cancel this one */
	int			 restart;	/* start this many more */
	int			 free_ctx;	/* free the context */
	struct seen		*next;		/* for what restart starts */
};

static uint8_t *
body(const char *s)
{
	uint8_t	*b = (uint8_t *)strdup(s);

	assert_non_null(b);
	return b;
}

/* A bound TCP socket on 127.0.0.1, port chosen by the kernel. */
static int
tcp_socket(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			s;

	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return s;
}

static int
setup(void **state)
{
	struct transfer_opts	 opts;
	struct fixture		*f;
	char			 err[CR_ERRLEN];
	int			 s;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	memset(&opts, 0, sizeof opts);
	opts.connect_timeout = 5;
	opts.total_timeout = 10;
	f->ctx = transfer_ctx_new(f->base, &opts, err);
	assert_non_null(f->ctx);

	f->listener = tcp_socket(&f->silent_port);
	assert_int_equal(listen(f->listener, 8), 0);
	/* Bound but not listening: connecting gets RST, so "refused". */
	s = tcp_socket(&f->refused_port);
	close(s);
	snprintf(f->silent_url, sizeof f->silent_url,
	    "http://127.0.0.1:%d/up/r.xml", f->silent_port);
	snprintf(f->refused_url, sizeof f->refused_url,
	    "http://127.0.0.1:%d/up/r.xml", f->refused_port);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	transfer_ctx_free(f->ctx);
	/* Nothing of the context may outlive it on the caller's base. */
	assert_int_equal(event_base_get_num_events(f->base,
	    EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_ACTIVE), 0);
	event_base_free(f->base);
	close(f->listener);
	free(f);
	return 0;
}

static void done(void *, const struct transfer_result *);

/* Start a PUT of a small report to URL, reported to S, with body B. */
static struct transfer *
upload_body(struct fixture *f, const char *url, struct seen *s, uint8_t *b,
    char *err)
{
	struct transfer_req	req;

	memset(&req, 0, sizeof req);
	req.url = url;
	req.method = TRANSFER_PUT;
	req.content_type = "application/xml";
	req.body = b;
	req.len = strlen((char *)b);
	s->f = f;
	return transfer_start(f->ctx, &req, done, s, err);
}

static struct transfer *
upload(struct fixture *f, const char *url, struct seen *s, char *err)
{
	return upload_body(f, url, s, body("<flat-profile/>\n"), err);
}

static void
done(void *arg, const struct transfer_result *r)
{
	struct seen	*s = arg;
	struct fixture	*f = s->f;
	char		 err[CR_ERRLEN];

	s->calls++;
	s->r = *r;
	if (s->cancel != NULL)
		transfer_cancel(s->cancel);
	if (s->restart > 0) {
		assert_non_null(s->next);
		s->next->restart = s->restart - 1;
		s->next->next = s->next + 1;
		assert_non_null(upload(f, f->refused_url, s->next, err));
	}
	if (s->free_ctx) {
		transfer_ctx_free(f->ctx);
		f->ctx = NULL;
	}
}

/* Run the loop until TV passes or nothing is left to wait for. */
static void
run_for(struct fixture *f, long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(f->base, &tv);
	event_base_dispatch(f->base);
}

/* The silent listener has a connection queued: curl is connected. */
static void
wait_connected(struct fixture *f)
{
	struct timeval	tv = { 0, 0 };
	fd_set		fds;
	int		i;

	for (i = 0; i < 100; i++) {
		FD_ZERO(&fds);
		FD_SET(f->listener, &fds);
		if (select(f->listener + 1, &fds, NULL, NULL, &tv) == 1)
			return;
		run_for(f, 20);
	}
	fail_msg("curl never connected to the silent listener");
}

static void
test_idle_ctx(void **state)
{
	struct fixture	*f = *state;

	/* An idle context arms nothing: dispatch has nothing to wait for. */
	assert_int_equal(transfer_count(f->ctx), 0);
	assert_int_equal(event_base_get_num_events(f->base,
	    EVENT_BASE_COUNT_ADDED), 0);
	assert_int_equal(event_base_dispatch(f->base), 1);
}

static void
test_ctx_refusals(void **state)
{
	struct fixture		*f = *state;
	struct transfer_opts	 opts;
	char			 err[CR_ERRLEN];

	memset(&opts, 0, sizeof opts);
	opts.ca_file = "/nonexistent/ca.pem";
	assert_null(transfer_ctx_new(f->base, &opts, err));
	assert_non_null(strstr(err, "CA file /nonexistent/ca.pem"));

	memset(&opts, 0, sizeof opts);
	opts.client_key = "/etc/hostname";
	assert_null(transfer_ctx_new(f->base, &opts, err));
	assert_non_null(strstr(err, "without a client certificate"));

	memset(&opts, 0, sizeof opts);
	opts.total_timeout = -1;
	assert_null(transfer_ctx_new(f->base, &opts, err));
	assert_non_null(strstr(err, "time-out"));

	/* Nothing was left behind on the base by the failures. */
	assert_int_equal(event_base_get_num_events(f->base,
	    EVENT_BASE_COUNT_ADDED), 0);
}

static void
test_refused_requests(void **state)
{
	static const struct {
		const char	*url;
		const char	*user, *password, *type;
		const char	*why;
	} bad[] = {
		{ "ftp://127.0.0.1/r.xml", NULL, NULL, NULL,
		    "unsupported URL scheme ftp" },
		{ "file:///etc/passwd", NULL, NULL, NULL,
		    "unsupported URL scheme file" },
		{ "gopher://127.0.0.1/", NULL, NULL, NULL,
		    "unsupported URL scheme gopher" },
		{ "127.0.0.1/r.xml", NULL, NULL, NULL, "bad URL" },
		{ "nosuch://127.0.0.1/r.xml", NULL, NULL, NULL,
		    "unsupported URL scheme nosuch" },
		{ "http://", NULL, NULL, NULL, "bad URL" },
		{ "http://admin:s3cret@127.0.0.1/r.xml", NULL, NULL, NULL,
		    "credentials in the URL" },
		{ "tftp://127.0.0.1/r.xml", "admin", "s3cret", NULL,
		    "TFTP takes no credentials" },
		{ "http://127.0.0.1/r.xml", NULL, "s3cret", NULL,
		    "password without a user" },
		{ "http://127.0.0.1/r.xml", NULL, NULL,
		    "text/xml\r\nX-Evil: 1", "bad Content-Type header" },
	};
	struct fixture		*f = *state;
	struct transfer_req	 req;
	char			 err[CR_ERRLEN];
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&req, 0, sizeof req);
		req.url = bad[i].url;
		req.method = TRANSFER_PUT;
		req.content_type = bad[i].type != NULL ? bad[i].type :
		    "application/xml";
		req.user = bad[i].user;
		req.password = bad[i].password;
		req.body = body("<flat-profile/>\n");
		req.len = strlen((char *)req.body);
		err[0] = '\0';
		assert_null(transfer_start(f->ctx, &req, done, NULL, err));
		/* Taken over and freed even so (ASan checks the free). */
		assert_null(req.body);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].url, err,
			    bad[i].why);
		assert_null(strstr(err, "s3cret"));
	}
	assert_int_equal(transfer_count(f->ctx), 0);
	assert_int_equal(event_base_get_num_events(f->base,
	    EVENT_BASE_COUNT_ADDED), 0);
}

static void
test_connection_refused(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s;
	char		 err[CR_ERRLEN];

	memset(&s, 0, sizeof s);
	assert_non_null(upload(f, f->refused_url, &s, err));
	assert_int_equal(transfer_count(f->ctx), 1);
	/* Never synchronously: the result comes from the loop. */
	assert_int_equal(s.calls, 0);
	/* Returns on its own: no timer or watch is left once it is done. */
	assert_int_equal(event_base_dispatch(f->base), 1);
	assert_int_equal(s.calls, 1);
	assert_false(s.r.ok);
	assert_int_equal(s.r.curl_code, CURLE_COULDNT_CONNECT);
	assert_int_equal(s.r.http_code, 0);
	assert_non_null(strstr(s.r.error, "(curl error 7)"));
	assert_int_equal(transfer_count(f->ctx), 0);
}

static void
test_cancel_before_completion(void **state)
{
	struct fixture	*f = *state;
	struct transfer	*t;
	struct seen	 s;
	char		 err[CR_ERRLEN];

	memset(&s, 0, sizeof s);
	t = upload(f, f->silent_url, &s, err);
	assert_non_null(t);
	wait_connected(f);
	assert_int_equal(transfer_count(f->ctx), 1);
	assert_true(event_base_get_num_events(f->base,
	    EVENT_BASE_COUNT_ADDED) > 0);
	transfer_cancel(t);
	assert_int_equal(transfer_count(f->ctx), 0);
	/* The socket watch and the timer went with it. */
	assert_int_equal(event_base_get_num_events(f->base,
	    EVENT_BASE_COUNT_ADDED), 0);
	assert_int_equal(event_base_dispatch(f->base), 1);
	assert_int_equal(s.calls, 0);
}

static void
test_timeout(void **state)
{
	struct fixture		*f = *state;
	struct transfer_opts	 opts;
	struct seen		 s;
	char			 err[CR_ERRLEN];

	/* A context of its own with a 1 s total time-out. */
	transfer_ctx_free(f->ctx);
	memset(&opts, 0, sizeof opts);
	opts.total_timeout = 1;
	f->ctx = transfer_ctx_new(f->base, &opts, err);
	assert_non_null(f->ctx);
	memset(&s, 0, sizeof s);
	assert_non_null(upload(f, f->silent_url, &s, err));
	assert_int_equal(event_base_dispatch(f->base), 1);
	assert_int_equal(s.calls, 1);
	assert_false(s.r.ok);
	assert_int_equal(s.r.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_true(s.r.seconds >= 0.9 && s.r.seconds < 3.0);
}

static void
test_free_in_flight(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s[3];
	char		 err[CR_ERRLEN];

	memset(s, 0, sizeof s);
	assert_non_null(upload(f, f->silent_url, &s[0], err));
	assert_non_null(upload(f, f->silent_url, &s[1], err));
	wait_connected(f);
	/* One more that curl has not even tried yet. */
	assert_non_null(upload(f, f->refused_url, &s[2], err));
	assert_int_equal(transfer_count(f->ctx), 3);
	transfer_ctx_free(f->ctx);
	f->ctx = NULL;
	assert_int_equal(event_base_get_num_events(f->base,
	    EVENT_BASE_COUNT_ADDED), 0);
	run_for(f, 100);
	assert_int_equal(s[0].calls + s[1].calls + s[2].calls, 0);
	/* teardown's free of NULL is a no-op */
}

static void
test_callback_restarts(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s[4];
	char		 err[CR_ERRLEN];
	int		 i;

	memset(s, 0, sizeof s);
	s[0].restart = 3;
	s[0].next = &s[1];
	assert_non_null(upload(f, f->refused_url, &s[0], err));
	assert_int_equal(event_base_dispatch(f->base), 1);
	for (i = 0; i < 4; i++) {
		assert_int_equal(s[i].calls, 1);
		assert_int_equal(s[i].r.curl_code, CURLE_COULDNT_CONNECT);
	}
	assert_int_equal(transfer_count(f->ctx), 0);
}

static void
test_callback_cancels(void **state)
{
	struct fixture	*f = *state;
	struct seen	 a, b;
	char		 err[CR_ERRLEN];

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.cancel = upload(f, f->silent_url, &b, err);
	assert_non_null(a.cancel);
	wait_connected(f);
	assert_non_null(upload(f, f->refused_url, &a, err));
	/* Returns only if cancelling B from A's callback left nothing. */
	assert_int_equal(event_base_dispatch(f->base), 1);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 0);
	assert_int_equal(transfer_count(f->ctx), 0);
}

static void
test_callback_frees_ctx(void **state)
{
	struct fixture	*f = *state;
	struct seen	 a, b;
	char		 err[CR_ERRLEN];

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.free_ctx = 1;
	assert_non_null(upload(f, f->silent_url, &b, err));
	wait_connected(f);
	assert_non_null(upload(f, f->refused_url, &a, err));
	assert_int_equal(event_base_dispatch(f->base), 1);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 0);
	assert_null(f->ctx);
}

/*
 * Whether the wrappers see libcurl's and libevent's allocations too: they
 * do when those are static archives (tests/device.sh), and the Nth failed
 * allocation may then be theirs, with their own message.
 */
static int
libs_wrapped(void)
{
	failmalloc_seen = 0;
	curl_free(curl_escape("x", 1));
	return failmalloc_seen > 0;
}

static void
test_alloc_failures(void **state)
{
	struct fixture		*f = *state;
	struct transfer_opts	 opts;
	struct transfer_ctx	*ctx;
	struct transfer		*t;
	struct seen		 s;
	uint8_t			*b;
	char			 err[CR_ERRLEN];
	long			 n;
	int			 wrapped;

	if (!failmalloc_active())
		skip();
	wrapped = libs_wrapped();

	/* Every allocation of transfer_ctx_new failing in turn. */
	memset(&opts, 0, sizeof opts);
	opts.ca_file = opts.client_cert = opts.client_key = "/dev/null";
	for (n = 0;; n++) {
		failmalloc_after(n);
		ctx = transfer_ctx_new(f->base, &opts, err);
		failmalloc_after(-1);
		if (ctx != NULL)
			break;
		if (!wrapped)
			assert_string_equal(err, "out of memory");
		assert_true(err[0] != '\0');
		assert_int_equal(event_base_get_num_events(f->base,
		    EVENT_BASE_COUNT_ADDED), 0);
	}
	assert_true(n >= 4);
	transfer_ctx_free(ctx);

	/* And of transfer_start: refused, the body freed, nothing started. */
	memset(&s, 0, sizeof s);
	for (n = 0;; n++) {
		b = body("<flat-profile/>\n");
		failmalloc_after(n);
		t = upload_body(f, f->refused_url, &s, b, err);
		failmalloc_after(-1);
		if (t != NULL)
			break;
		if (!wrapped)
			assert_string_equal(err, "out of memory");
		assert_true(err[0] != '\0');
		assert_int_equal(transfer_count(f->ctx), 0);
	}
	assert_true(n >= 2);
	transfer_cancel(t);
	assert_int_equal(event_base_dispatch(f->base), 1);
	assert_int_equal(s.calls, 0);
}

static void
test_sock_alloc_failure(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s[2];
	char		 err[CR_ERRLEN];
	int		 curl_wrapped;

	if (!failmalloc_active())
		skip();
	/*
	 * The next allocation of ours is the state of the first socket curl
	 * asks us to watch.  Without the watch the transfer must still end
	 * (curl's timers go on: it finds the refusal, or times out), and
	 * the context must stay usable.  Reporting the failure to libcurl
	 * 7.88 instead loses the transfer: no result, ever.
	 */
	memset(s, 0, sizeof s);
	assert_non_null(upload(f, f->refused_url, &s[0], err));
	/* With a static libcurl its own allocation may come first. */
	curl_wrapped = libs_wrapped();
	failmalloc_after(0);
	assert_int_equal(event_base_dispatch(f->base), 1);
	failmalloc_after(-1);
	assert_int_equal(s[0].calls, 1);
	assert_false(s[0].r.ok);
	assert_true(s[0].r.curl_code == CURLE_COULDNT_CONNECT ||
	    s[0].r.curl_code == CURLE_OPERATION_TIMEDOUT ||
	    (curl_wrapped && s[0].r.curl_code == CURLE_OUT_OF_MEMORY));

	assert_non_null(upload(f, f->refused_url, &s[1], err));
	assert_int_equal(event_base_dispatch(f->base), 1);
	assert_int_equal(s[1].calls, 1);
	assert_int_equal(s[1].r.curl_code, CURLE_COULDNT_CONNECT);
	assert_int_equal(transfer_count(f->ctx), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_idle_ctx, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ctx_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_requests, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_connection_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cancel_before_completion,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_in_flight, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_callback_restarts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_callback_cancels, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_callback_frees_ctx, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failures, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sock_alloc_failure, setup,
		    teardown),
	};
	int	rc;

	/* A bug that leaves something armed would hang dispatch: fail. */
	alarm(60);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
