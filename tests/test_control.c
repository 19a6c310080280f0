/*
 * test_control.c — the control socket as an add-on over the public API
 * (agent/control.c on ctl.c's transport), on an agent under test
 * (tests/agent_fx.h): commands map to library calls, `report` is
 * answered before its round runs, and the add-on's log lines follow the
 * agent's verbose rule.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "proto.h"
#include "agent.h"
#include "cfgreport.h"

#include "agent_fx.h"

struct cfx {
	struct fx		*f;
	struct agent_ctl	*ctl;
	char			 path[100];
};

static int
csetup(void **state)
{
	struct cfx	*c = calloc(1, sizeof *c);
	void		*fs;

	assert_non_null(c);
	setup(&fs);
	c->f = fs;
	snprintf(c->path, sizeof c->path, "%s/ctl.sock", c->f->dir);
	*state = c;
	return 0;
}

static int
cteardown(void **state)
{
	struct cfx	*c = *state;
	void		*fs = c->f;

	agent_ctl_free(c->ctl);
	teardown(&fs);
	free(c);
	return 0;
}

static void
c_listen(struct cfx *c)
{
	char	err[CR_ERRLEN];

	if ((c->ctl = agent_ctl_new(c->f->a, c->f->base, c->path, 0600,
	    err)) == NULL)
		fail_msg("agent_ctl_new: %s", err);
}

static int
c_connect(struct cfx *c)
{
	struct sockaddr_un	sun;
	int			fd;

	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", c->path);
	/* The listening socket's backlog takes it before the loop runs. */
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	return fd;
}

static void
c_send(int fd, int argc, char **argv)
{
	uint8_t	*msg;
	size_t	 len;
	char	 err[CR_ERRLEN];

	assert_non_null(msg = ctlmsg_request_encode(argc, argv, NULL, 0,
	    &len, err));
	assert_int_equal(write(fd, msg, len), (ssize_t)len);
	free(msg);
}

/* Run the loop until FD's reply is whole; its status and body. */
static int
c_reply(struct cfx *c, int fd, char *body, size_t size)
{
	struct ctlmsg_dec	*dec = ctlmsg_dec_new(CTLMSG_REPLY);
	uint8_t			 buf[4096];
	const char		*text;
	char			 err[CR_ERRLEN];
	size_t			 used, len, off;
	ssize_t			 n;
	int			 i, ok = -1, rv = CTLMSG_NEED_MORE;

	assert_non_null(dec);
	for (i = 0; i < 2000 && rv == CTLMSG_NEED_MORE; i++) {
		event_base_loop(c->f->base, EVLOOP_NONBLOCK);
		n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		for (off = 0; n > 0 && off < (size_t)n &&
		    rv == CTLMSG_NEED_MORE; off += used)
			rv = ctlmsg_dec_feed(dec, buf + off, (size_t)n - off,
			    &used, err);
	}
	assert_int_equal(rv, CTLMSG_COMPLETE);
	assert_int_equal(ctlmsg_dec_reply(dec, &ok, &text, &len), 0);
	snprintf(body, size, "%.*s", (int)len, text);
	ctlmsg_dec_free(dec);
	return ok;
}

static int
c_call(struct cfx *c, char *body, size_t size, int argc, ...)
{
	char	*argv[8];
	va_list	 ap;
	int	 i, fd, ok;

	va_start(ap, argc);
	for (i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	fd = c_connect(c);
	c_send(fd, argc, argv);
	ok = c_reply(c, fd, body, size);
	close(fd);
	return ok;
}

/* Each command is one library call; its result is the reply. */
static void
test_commands(void **state)
{
	struct cfx	*c = *state;
	char		 body[4096];

	fx_agent(c->f, "<Report_Rule>[--delta]http://prov/d.xml</Report_Rule>");
	c_listen(c);
	assert_int_equal(c_call(c, body, sizeof body, 3, "set", "GPP_A=1",
	    "GPP_SA=hush"), 1);
	assert_int_equal(c_call(c, body, sizeof body, 3, "get", "GPP_A",
	    "GPP_SA"), 1);
	assert_string_equal(body, "GPP_A=1\nGPP_SA=*****\n");
	assert_int_equal(c_call(c, body, sizeof body, 2, "status-set",
	    "DHCP_Option_66=10.0.0.1"), 1);
	assert_int_equal(c_call(c, body, sizeof body, 1, "info"), 1);
	assert_non_null(strstr(body, "pending-changes 2"));
	assert_int_equal(c_call(c, body, sizeof body, 2, "report", "bogus"), 0);
	assert_non_null(strstr(body, "expected full, delta or status"));
	assert_int_equal(c_call(c, body, sizeof body, 2, "set",
	    "Periodic_Upload_To_Server=1"), 0);
	assert_non_null(strstr(body, "600"));
	assert_int_equal(c_call(c, body, sizeof body, 1, "frobnicate"), 0);
	assert_non_null(strstr(body, "unknown command"));
	assert_null(strstr(c->f->log, "hush"));
}

/* `report` is answered first; the round runs from the loop afterwards. */
static void
test_report_replies_first(void **state)
{
	struct cfx	*c = *state;
	char		*argv[1] = { "report" }, body[256];
	int		 fd;

	fx_agent(c->f, "<Report_Rule>http://prov/f.xml</Report_Rule>");
	fx_advance(c->f, 0);
	assert_int_equal(c->f->nup, 1);
	fx_finish(c->f, 0, 200);
	c_listen(c);
	fd = c_connect(c);
	c->f->peek_fd = fd;
	c_send(fd, 1, argv);
	assert_int_equal(c_reply(c, fd, body, sizeof body), 1);
	fx_loop(c->f);
	assert_int_equal(c->f->nup, 2);
	/* When the upload started, the reply was already on the socket. */
	assert_int_equal(c->f->peeked, 1);
	c->f->peek_fd = -1;
	close(fd);
}

/*
 * An agent (verbose unless QUIET) with the add-on, and a client that
 * leaves inside a request: the add-on's transport logs that at LOG_DEBUG.
 */
static void
c_leave_inside_request(struct cfx *c, int quiet)
{
	int	fd, i;

	agent_ctl_free(c->ctl);
	c->ctl = NULL;
	cfgreport_free(c->f->a);
	c->f->a = NULL;
	c->f->quiet = quiet;
	fx_agent(c->f, NULL);
	c_listen(c);
	fd = c_connect(c);
	assert_int_equal(write(fd, CTLMSG_MAGIC, 3), 3);
	for (i = 0; i < 20; i++)
		event_base_loop(c->f->base, EVLOOP_NONBLOCK);
	close(fd);
	for (i = 0; i < 20; i++)
		event_base_loop(c->f->base, EVLOOP_NONBLOCK);
}

/* The add-on's debug lines reach the host only with verbose. */
static void
test_log_follows_verbose(void **state)
{
	struct cfx	*c = *state;

	c_leave_inside_request(c, 1);
	assert_true(c->f->log == NULL ||
	    strstr(c->f->log, "closed") == NULL);
	c_leave_inside_request(c, 0);
	assert_non_null(c->f->log);
	assert_non_null(strstr(c->f->log, "closed"));
}

/*
 * get (issue 9, finding 1): 250 copies of a 64 KiB value are answered
 * whole, each line once; an answer that would pass the reply limit is
 * refused with its reason before anything is built (before, the answer
 * was re-copied per name and only the transport refused it).
 */
static void
test_get_bounded(void **state)
{
	struct cfx	*c = *state;
	const char	**names;
	char		*big, *got, err[CR_ERRLEN];
	size_t		 i, vlen = PARAMS_MAX_VALUE - 1;
	size_t		 line = 6 + vlen + 1;	/* GPP_B=VALUE LF */

	fx_agent(c->f, NULL);
	assert_non_null(big = malloc(vlen + 1));
	memset(big, 'v', vlen);
	big[vlen] = '\0';
	fx_set(c->f, CFGREPORT_LOCAL, "GPP_B", big);
	assert_non_null(names = calloc(1100, sizeof *names));
	for (i = 0; i < 1100; i++)
		names[i] = "GPP_B";
	got = cfgreport_get(c->f->a, 250, names, err);
	assert_non_null(got);
	assert_int_equal(strlen(got), 250 * line);
	for (i = 0; i < 250; i++) {
		assert_memory_equal(got + i * line, "GPP_B=", 6);
		assert_memory_equal(got + i * line + 6, big, vlen);
		assert_int_equal(got[i * line + line - 1], '\n');
	}
	free(got);
	assert_true(1100 * line > CFGREPORT_GET_MAX);
	assert_null(cfgreport_get(c->f->a, 1100, names, err));
	assert_non_null(strstr(err, "would pass 16 MiB"));
	free(names);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commands, csetup,
		    cteardown),
		cmocka_unit_test_setup_teardown(test_report_replies_first,
		    csetup, cteardown),
		cmocka_unit_test_setup_teardown(test_log_follows_verbose,
		    csetup, cteardown),
		cmocka_unit_test_setup_teardown(test_get_bounded, csetup,
		    cteardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
