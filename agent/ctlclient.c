/*
 * ctlclient.c — cfgreportctl's side of the control socket: one request,
 * one reply, on a private event_base so that the connect, the upload and
 * the wait for the reply are all bounded by one timeout.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "proto.h"
#include "agent.h"

_Static_assert(CTLMSG_MAX_BLOB >= CONFIG_MAX_PROFILE,
    "import must carry any profile the agent would load");

struct ctlclient {
	struct event_base	*cc_base;
	struct bufferevent	*cc_bev;
	struct ctlmsg_dec	*cc_dec;
	struct timeval		 cc_tv;
	int			 cc_timeout_ms;
	const char		*cc_path;
	int			 cc_done;	/* 1 reply, -1 failure */
	char			 cc_err[CR_ERRLEN];
};

static void
ctlclient_read(struct bufferevent *bev, void *arg)
{
	struct ctlclient	*cc = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_iovec	 v;
	char			 err[CR_ERRLEN];
	size_t			 used;
	int			 rv;

	while (cc->cc_done == 0 && evbuffer_get_length(in) > 0) {
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		rv = ctlmsg_dec_feed(cc->cc_dec, v.iov_base, v.iov_len, &used,
		    err);
		evbuffer_drain(in, used);
		if (rv == -1) {
			cr_seterr(cc->cc_err, "%s: %s", cc->cc_path, err);
			cc->cc_done = -1;
		} else if (rv == CTLMSG_COMPLETE)
			cc->cc_done = 1;
	}
	if (cc->cc_done != 0)
		event_base_loopbreak(cc->cc_base);
}

/* The request is out: from now on the timeout waits for the reply. */
static void
ctlclient_written(struct bufferevent *bev, void *arg)
{
	struct ctlclient	*cc = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_set_timeouts(bev, &cc->cc_tv, NULL);
}

static void
ctlclient_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctlclient	*cc = arg;
	int			 e = EVUTIL_SOCKET_ERROR();

	/*
	 * The agent may refuse a request before reading all of it (too
	 * large, too many connections): its reply is still there to read.
	 */
	if ((what & BEV_EVENT_WRITING) && (what & BEV_EVENT_ERROR)) {
		bufferevent_set_timeouts(bev, &cc->cc_tv, NULL);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && cc->cc_timeout_ms % 1000 == 0)
		cr_seterr(cc->cc_err, "%s: no reply from the agent within "
		    "%d s", cc->cc_path, cc->cc_timeout_ms / 1000);
	else if (what & BEV_EVENT_TIMEOUT)
		cr_seterr(cc->cc_err, "%s: no reply from the agent within "
		    "%d ms", cc->cc_path, cc->cc_timeout_ms);
	else if ((what & BEV_EVENT_ERROR) && e != ECONNRESET)
		cr_seterr(cc->cc_err, "%s: %s", cc->cc_path,
		    evutil_socket_error_to_string(e));
	else
		cr_seterr(cc->cc_err, "%s: the agent closed the connection "
		    "without a reply", cc->cc_path);
	cc->cc_done = -1;
	event_base_loopbreak(cc->cc_base);
}

/*
 * A connected socket, or -1 with a message an operator can act on.  The
 * connect itself is blocking but bounded: SO_SNDTIMEO limits how long
 * Linux waits on a full backlog.
 */
static int
ctlclient_connect(struct ctlclient *cc, int timeout_ms)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(cc->cc_path) >= sizeof sun.sun_path) {
		cr_seterr(cc->cc_err, "%s: socket path too long (at most %zu "
		    "bytes)", cc->cc_path, sizeof sun.sun_path - 1);
		return -1;
	}
	memcpy(sun.sun_path, cc->cc_path, strlen(cc->cc_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		cr_seterr(cc->cc_err, "socket: %s", strerror(errno));
		return -1;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	while (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		if (errno == EINTR)
			continue;
		switch (errno) {
		case ENOENT:
			cr_seterr(cc->cc_err, "%s: no such socket: is "
			    "cfgreportd running? (-S names another socket)",
			    cc->cc_path);
			break;
		case ECONNREFUSED:
			cr_seterr(cc->cc_err, "%s: nothing listens there: "
			    "cfgreportd is not running", cc->cc_path);
			break;
		case EAGAIN:
		case EINPROGRESS:
			cr_seterr(cc->cc_err, "%s: the agent accepts no "
			    "connection (waited %d ms)", cc->cc_path,
			    timeout_ms);
			break;
		default:
			cr_seterr(cc->cc_err, "%s: %s", cc->cc_path,
			    strerror(errno));
			break;
		}
		close(fd);
		return -1;
	}
	if (evutil_make_socket_nonblocking(fd) == -1) {
		cr_seterr(cc->cc_err, "%s: %s", cc->cc_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Send the request, wait for the reply.  0, or -1 with cc_err set. */
static int
ctlclient_exchange(struct ctlclient *cc, int argc, char **argv,
    const void *blob, size_t bloblen, int timeout_ms)
{
	struct evbuffer	*out;
	char		 hdr[CTLMSG_HDR_MAX];
	int		 fd, hdrlen, i;

	if ((hdrlen = ctlmsg_request_header(hdr, argc, argv, bloblen,
	    cc->cc_err)) == -1)
		return -1;
	if ((fd = ctlclient_connect(cc, timeout_ms)) == -1)
		return -1;
	cc->cc_timeout_ms = timeout_ms;
	cc->cc_tv.tv_sec = timeout_ms / 1000;
	cc->cc_tv.tv_usec = (timeout_ms % 1000) * 1000;
	if ((cc->cc_base = event_base_new()) == NULL ||
	    (cc->cc_bev = bufferevent_socket_new(cc->cc_base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (cc->cc_dec = ctlmsg_dec_new(CTLMSG_REPLY)) == NULL) {
		if (cc->cc_bev == NULL)
			close(fd);
		cr_seterr(cc->cc_err, "out of memory");
		return -1;
	}
	out = bufferevent_get_output(cc->cc_bev);
	if (evbuffer_add(out, hdr, (size_t)hdrlen) == -1)
		goto nomem;
	for (i = 0; i < argc; i++)
		if (evbuffer_add(out, argv[i], strlen(argv[i]) + 1) == -1)
			goto nomem;
	/* The blob outlives the loop: no copy of a 16 MiB profile. */
	if (bloblen > 0 &&
	    evbuffer_add_reference(out, blob, bloblen, NULL, NULL) == -1)
		goto nomem;
	/* While writing, only a stalled write counts; then the reply wait. */
	bufferevent_set_timeouts(cc->cc_bev, NULL, &cc->cc_tv);
	bufferevent_setcb(cc->cc_bev, ctlclient_read, ctlclient_written,
	    ctlclient_event, cc);
	bufferevent_enable(cc->cc_bev, EV_READ | EV_WRITE);
	event_base_dispatch(cc->cc_base);
	if (cc->cc_done != 1) {
		if (cc->cc_done == 0)
			cr_seterr(cc->cc_err, "%s: event loop failed",
			    cc->cc_path);
		return -1;
	}
	return 0;
nomem:
	cr_seterr(cc->cc_err, "out of memory");
	return -1;
}

int
ctlclient_call(const char *sockpath, int argc, char **argv, int timeout_ms,
    FILE *out, FILE *errout)
{
	struct ctlclient	 cc;
	struct sigaction	 sa, oldsa;
	char			*blob = NULL;
	const char		*text;
	size_t			 bloblen = 0, len;
	int			 ok, rv = 1;

	memset(&cc, 0, sizeof cc);
	cc.cc_path = sockpath != NULL ? sockpath : CTL_DEFAULT_PATH;
	if (timeout_ms <= 0)
		timeout_ms = CTLCLIENT_TIMEOUT_MS;

	/* The agent gets the file's bytes: it may not see the client's path. */
	if (argc >= 1 && strcmp(argv[0], "import") == 0) {
		if (argc != 2) {
			fprintf(errout, "cfgreportctl: import: give exactly "
			    "one FILE.xml\n");
			return 1;
		}
		if ((blob = fileio_read(argv[1], CTLMSG_MAX_BLOB, &bloblen,
		    cc.cc_err)) == NULL) {
			fprintf(errout, "cfgreportctl: import: %s\n",
			    cc.cc_err);
			return 1;
		}
	}

	/* An agent that closes early must not kill us: we read its reply. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, &oldsa);
	if (ctlclient_exchange(&cc, argc, argv, blob, bloblen,
	    timeout_ms) == -1)
		fprintf(errout, "cfgreportctl: %s\n", cc.cc_err);
	else {
		ctlmsg_dec_reply(cc.cc_dec, &ok, &text, &len);
		if (!ok) {
			/* One line: the message may or may not end in one. */
			if (len > 0 && text[len - 1] == '\n')
				len--;
			fprintf(errout, "cfgreportctl: %.*s\n", (int)len,
			    text);
		} else if (fwrite(text, 1, len, out) != len ||
		    fflush(out) == EOF)
			fprintf(errout, "cfgreportctl: writing the reply: "
			    "%s\n", strerror(errno));
		else
			rv = 0;
	}
	sigaction(SIGPIPE, &oldsa, NULL);

	if (cc.cc_bev != NULL)
		bufferevent_free(cc.cc_bev);
	if (cc.cc_base != NULL)
		event_base_free(cc.cc_base);
	ctlmsg_dec_free(cc.cc_dec);
	free(blob);
	return rv;
}

int
ctlclient_run(const char *sockpath, int argc, char **argv, FILE *out,
    FILE *errout)
{
	return ctlclient_call(sockpath, argc, argv, CTLCLIENT_TIMEOUT_MS, out,
	    errout);
}
