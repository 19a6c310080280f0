/*
 * ctl.c — the control socket's server on a caller's event_base: listen,
 * accept, decode requests (ctlmsg.c) and hand them to the caller's
 * handler, write its replies.  Transport only: what a command means is
 * the handler's business.
 *
 * A connection carries requests one at a time: once a request is complete
 * reading stops until its reply has been written, so a client can neither
 * queue work nor make the agent buffer replies it does not read.  The
 * request handle (struct ctl_req) is separate from the connection so that
 * a handler that replies after a durable write never touches freed
 * memory, whatever the client or the host did meanwhile.
 *
 * Connections are few (CTL_MAX_CONNS) and must not lock the device's own
 * programs out: when all are taken, a new client takes the place of the
 * connection whose last exchange is the oldest, unless the handler owns
 * its request (docs/control.md, "Hostile clients").
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "proto.h"
#include "agent.h"

#define CTL_BACKLOG		16
#define CTL_READ_MAX		(64 * 1024)	/* per read(2): imports are big */
#define CTL_LOG_QUIET_S		60	/* between two warnings of a kind */
#define CTL_TRIM_CLAIM		(64 * 1024)	/* a request worth trimming for */

enum ctl_conn_state {
	CTL_READING,		/* decoding a request */
	CTL_HANDLING,		/* the handler has it; nothing is read */
	CTL_WRITING,		/* the reply is being flushed; then READING */
	CTL_CLOSING,		/* an error reply is being flushed; then close */
};

struct ctl_conn {
	struct ctl		*conn_ctl;
	struct bufferevent	*conn_bev;
	struct event		*conn_next;	/* read what is buffered, later */
	struct ctlmsg_dec	*conn_dec;	/* NULL while a request has it */
	struct ctl_req		*conn_req;
	enum ctl_conn_state	 conn_state;
	size_t			 conn_claim;	/* counted in sc_inflight */
	uint64_t		 conn_seq;	/* when its last exchange began */
	TAILQ_ENTRY(ctl_conn)	 conn_entry;
};
TAILQ_HEAD(ctl_conns, ctl_conn);

struct ctl_req {
	struct ctl		*req_ctl;	/* NULL once the server is freed */
	struct ctl_conn		*req_conn;	/* NULL once the client is gone */
	struct ctlmsg_dec	*req_dec;	/* owns argv and the blob */
	size_t			 req_claim;
};

struct ctl {
	struct event_base	*sc_base;
	char			*sc_path;
	int			 sc_fd;
	dev_t			 sc_dev;	/* of the socket we bound */
	ino_t			 sc_ino;
	struct event		*sc_ev;
	struct event		*sc_pause;	/* accept back-off */
	ctl_handler		 sc_handler;
	void			*sc_arg;
	ctl_log_fn		 sc_log;
	void			*sc_logarg;
	struct ctl_limits	 sc_limits;
	size_t			 sc_inflight;
	size_t			 sc_nconns;
	struct ctl_conns	 sc_conns;
	uint64_t		 sc_seq;	/* accepts and requests so far */
	/* Evictions and refusals: one warning a minute, with a count. */
	time_t			 sc_quiet_until;
	unsigned long		 sc_evicted;	/* since the last warning */
	unsigned long		 sc_refused;
};

static void	ctl_conn_free(struct ctl_conn *);
static void	ctl_conn_input(struct ctl_conn *);
static void	ctl_log_crowd(struct ctl *);

static void __attribute__((format(printf, 3, 4)))
ctl_log(struct ctl *ctl, int pri, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	if (ctl->sc_log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ctl->sc_log(ctl->sc_logarg, pri, buf);
}

/*
 * Is something accepting connections on PATH?  1 yes, 0 no (a stale
 * socket), -1 cannot tell (with the reason).  A full backlog still
 * means a live agent.
 */
static int
ctl_alive(const struct sockaddr_un *sun, char *err)
{
	int	fd, rv = 0;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		cr_seterr(err, "%s: socket: %s", sun->sun_path,
		    strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)sun, sizeof *sun) == 0)
		rv = 1;
	else if (errno == EAGAIN || errno == EINPROGRESS)
		rv = 1;
	else if (errno == ECONNREFUSED || errno == ENOENT)
		rv = 0;
	else {
		cr_seterr(err, "%s: %s", sun->sun_path, strerror(errno));
		rv = -1;
	}
	close(fd);
	return rv;
}

/* Make PATH free for bind: nothing there, or a stale socket removed. */
static int
ctl_clear_path(const struct sockaddr_un *sun, char *err)
{
	struct stat	st;

	if (lstat(sun->sun_path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		cr_seterr(err, "%s: %s", sun->sun_path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		cr_seterr(err, "%s: exists and is not a socket: not replacing "
		    "it", sun->sun_path);
		return -1;
	}
	switch (ctl_alive(sun, err)) {
	case 1:
		cr_seterr(err, "%s: an agent is already listening there",
		    sun->sun_path);
		return -1;
	case 0:
		break;
	default:
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT) {
		cr_seterr(err, "%s: removing the stale socket: %s",
		    sun->sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Queue a reply.  Reading stays off until it is written (CTL_WRITING),
 * or for good when CLOSE is set.
 */
/* evbuffer_add_reference's cleanup: a reply the buffer took over. */
static void
ctl_free_reply(const void *data, size_t len, void *arg)
{
	free((void *)(uintptr_t)data);
}

/* OWNED: TEXT is malloc'd and the buffer takes it (freed whatever). */
static int
ctl_conn_send_buf(struct ctl_conn *c, int ok, const char *text, size_t len,
    int close_after, int owned)
{
	struct evbuffer	*out = bufferevent_get_output(c->conn_bev);
	char		 hdr[CTLMSG_HDR_MAX], err[CR_ERRLEN];
	int		 hdrlen, rv = 0;

	if ((hdrlen = ctlmsg_reply_header(hdr, ok, len, err)) == -1) {
		ctl_log(c->conn_ctl, LOG_WARNING, "%s: %s", __func__, err);
		if (owned)
			free((void *)(uintptr_t)text);
		owned = 0;
		ok = 0;
		text = err;
		len = strlen(err);
		hdrlen = ctlmsg_reply_header(hdr, ok, len, NULL);
		rv = -1;
	}
	/*
	 * The handler may have blocked the loop (a durable write on slow
	 * flash) since the loop last read the clock: the write time-out
	 * armed by evbuffer_add counts from now, not from before it.
	 */
	event_base_update_cache_time(c->conn_ctl->sc_base);
	/* A large answer is handed over, not copied (issue 9, finding 1). */
	if (evbuffer_add(out, hdr, (size_t)hdrlen) == -1 || (owned && len > 0 ?
	    evbuffer_add_reference(out, text, len, ctl_free_reply, NULL) :
	    evbuffer_add(out, text, len)) == -1) {
		if (owned)
			free((void *)(uintptr_t)text);
		ctl_log(c->conn_ctl, LOG_WARNING, "%s: out of memory",
		    __func__);
		ctl_conn_free(c);
		return -1;
	}
	if (owned && len == 0)
		free((void *)(uintptr_t)text);
	bufferevent_disable(c->conn_bev, EV_READ);
	c->conn_state = close_after ? CTL_CLOSING : CTL_WRITING;
	return rv;
}

/* A protocol error: say why, then close once that is written. */
static void
ctl_conn_fail(struct ctl_conn *c, const char *why)
{
	ctl_log(c->conn_ctl, LOG_DEBUG, "%s: %s", __func__, why);
	ctl_conn_send_buf(c, 0, why, strlen(why), 1, 0);
}

/*
 * A large request's buffer is gone: give glibc's free pages back, whatever
 * became of the request (a refused import of 15 MB held that much after
 * its reply otherwise; an accepted one is trimmed after its batch too).
 */
static void
ctl_trim(size_t claim)
{
#ifdef HAVE_MALLOC_TRIM
	if (claim >= CTL_TRIM_CLAIM)
		malloc_trim(0);
#endif
}

static void
ctl_req_release(struct ctl_req *req)
{
	size_t	claim = req->req_claim;

	if (req->req_ctl != NULL)
		req->req_ctl->sc_inflight -= req->req_claim;
	ctlmsg_dec_free(req->req_dec);
	free(req);
	ctl_trim(claim);
}

static void
ctl_conn_free(struct ctl_conn *c)
{
	struct ctl	*ctl = c->conn_ctl;

	/* The handler still holds the request: it finds the client gone. */
	if (c->conn_req != NULL)
		c->conn_req->req_conn = NULL;
	ctl->sc_inflight -= c->conn_claim;
	TAILQ_REMOVE(&ctl->sc_conns, c, conn_entry);
	ctl->sc_nconns--;
	bufferevent_free(c->conn_bev);
	event_free(c->conn_next);
	ctlmsg_dec_free(c->conn_dec);
	ctl_trim(c->conn_claim);
	free(c);
}

/* The request is complete: hand it over, stop reading. */
static void
ctl_conn_dispatch(struct ctl_conn *c)
{
	struct ctl	*ctl = c->conn_ctl;
	struct ctl_req	*req;
	const uint8_t	*blob;
	size_t		 bloblen;
	char		**argv;
	int		 argc;

	if ((req = calloc(1, sizeof *req)) == NULL) {
		ctl_conn_fail(c, "agent: out of memory");
		return;
	}
	req->req_ctl = ctl;
	req->req_conn = c;
	req->req_dec = c->conn_dec;
	req->req_claim = c->conn_claim;
	c->conn_dec = NULL;
	c->conn_claim = 0;
	c->conn_req = req;
	c->conn_state = CTL_HANDLING;
	c->conn_seq = ++ctl->sc_seq;
	bufferevent_disable(c->conn_bev, EV_READ);
	ctlmsg_dec_request(req->req_dec, &argc, &argv, &blob, &bloblen);
	/* The handler may reply, or even free everything: touch nothing after. */
	ctl->sc_handler(ctl->sc_arg, req, argc, argv, blob, bloblen);
}

/* Decode what is buffered, up to the end of one request. */
static void
ctl_conn_input(struct ctl_conn *c)
{
	struct ctl		*ctl = c->conn_ctl;
	struct evbuffer		*in = bufferevent_get_input(c->conn_bev);
	struct evbuffer_iovec	 v;
	char			 err[CR_ERRLEN];
	size_t			 used, claim;
	int			 rv;

	while (c->conn_state == CTL_READING && evbuffer_get_length(in) > 0) {
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		rv = ctlmsg_dec_feed(c->conn_dec, v.iov_base, v.iov_len, &used,
		    err);
		evbuffer_drain(in, used);
		if (rv == -1) {
			ctl_conn_fail(c, err);
			return;
		}
		/* Count the announced size once, as soon as it is known. */
		if (c->conn_claim == 0 &&
		    (claim = ctlmsg_dec_claimed(c->conn_dec)) > 0) {
			if (ctl->sc_inflight > ctl->sc_limits.max_inflight ||
			    claim > ctl->sc_limits.max_inflight -
			    ctl->sc_inflight) {
				ctl_conn_fail(c, "agent busy: too many large "
				    "requests at once; try again");
				return;
			}
			c->conn_claim = claim;
			ctl->sc_inflight += claim;
		}
		if (rv == CTLMSG_COMPLETE) {
			ctl_conn_dispatch(c);
			return;
		}
	}
}

static void
ctl_conn_read(struct bufferevent *bev, void *arg)
{
	ctl_conn_input(arg);
}

/* The next request may already be buffered; no read event will say so. */
static void
ctl_conn_next(evutil_socket_t fd, short events, void *arg)
{
	ctl_conn_input(arg);
}

static void
ctl_conn_written(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;
	struct timeval	 tv = { 0, 0 };

	if (evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	switch (c->conn_state) {
	case CTL_CLOSING:
		ctl_conn_free(c);
		break;
	case CTL_WRITING:
		c->conn_state = CTL_READING;
		/* Enabling re-arms the idle timeout from now. */
		bufferevent_enable(bev, EV_READ);
		evtimer_add(c->conn_next, &tv);
		break;
	default:
		break;
	}
}

static void
ctl_conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn	*c = arg;
	struct ctl	*ctl = c->conn_ctl;

	if (what & BEV_EVENT_TIMEOUT)
		ctl_log(ctl, LOG_DEBUG, "%s: idle for %u ms: closing",
		    __func__, ctl->sc_limits.idle_ms);
	else if (what & BEV_EVENT_ERROR)
		ctl_log(ctl, LOG_DEBUG, "%s: %s", __func__,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	else if ((what & BEV_EVENT_EOF) && c->conn_dec != NULL &&
	    ctlmsg_dec_started(c->conn_dec))
		ctl_log(ctl, LOG_DEBUG, "%s: client closed inside a request",
		    __func__);
	ctl_conn_free(c);
}

/* Over the connection limit: say so without buffering anything, close. */
static void
ctl_refuse(struct ctl *ctl, int fd)
{
	static const char	 why[] = "agent busy: too many control "
				     "connections; try again";
	char			 buf[CTLMSG_HDR_MAX + sizeof why];
	int			 n;

	n = ctlmsg_reply_header(buf, 0, sizeof why - 1, NULL);
	memcpy(buf + n, why, sizeof why - 1);
	/* A fresh socket's buffer holds it; if not, the close says enough. */
	(void)send(fd, buf, (size_t)n + sizeof why - 1,
	    MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
	ctl->sc_refused++;
	ctl_log_crowd(ctl);
}

/*
 * Say that clients were turned away or made room for others: at once the
 * first time, then at most once a minute with the counts since (500 idle
 * connections used to log 484 lines).
 */
static void
ctl_log_crowd(struct ctl *ctl)
{
	struct timeval	now;

	event_base_gettimeofday_cached(ctl->sc_base, &now);
	if (now.tv_sec < ctl->sc_quiet_until)
		return;
	ctl->sc_quiet_until = now.tv_sec + CTL_LOG_QUIET_S;
	ctl_log(ctl, LOG_WARNING, "ctl_crowd: %u connections (the most): "
	    "%lu closed for newer clients, %lu refused",
	    ctl->sc_limits.max_conns, ctl->sc_evicted, ctl->sc_refused);
	ctl->sc_evicted = ctl->sc_refused = 0;
}

/*
 * Full: close the connection whose last exchange (accept, or the start of
 * its last request) is the oldest, unless the handler owns its request.
 * 0 when one was closed, -1 when every one is being handled.
 */
static int
ctl_evict(struct ctl *ctl)
{
	struct ctl_conn	*c, *oldest = NULL;

	TAILQ_FOREACH(c, &ctl->sc_conns, conn_entry) {
		if (c->conn_state == CTL_HANDLING)
			continue;
		if (oldest == NULL || c->conn_seq < oldest->conn_seq)
			oldest = c;
	}
	if (oldest == NULL)
		return -1;
	ctl_log(ctl, LOG_DEBUG, "%s: closing the connection idle longest",
	    __func__);
	ctl_conn_free(oldest);
	ctl->sc_evicted++;
	return 0;
}

static void
ctl_accept(evutil_socket_t lfd, short events, void *arg)
{
	struct ctl		*ctl = arg;
	struct ctl_conn		*c;
	struct timeval		 tv;
	int			 fd;

	if ((fd = accept(lfd, NULL, NULL)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR || errno == ECONNABORTED)
			return;
		ctl_log(ctl, LOG_WARNING, "%s: accept: %s", __func__,
		    strerror(errno));
		/* Out of descriptors: the socket stays readable, so pause. */
		if (errno == EMFILE || errno == ENFILE) {
			event_del(ctl->sc_ev);
			tv.tv_sec = 1;
			tv.tv_usec = 0;
			evtimer_add(ctl->sc_pause, &tv);
		}
		return;
	}
	if (ctl->sc_nconns >= ctl->sc_limits.max_conns) {
		if (ctl_evict(ctl) == -1) {
			ctl_refuse(ctl, fd);
			return;
		}
		ctl_log_crowd(ctl);
	}
	if (evutil_make_socket_nonblocking(fd) == -1 ||
	    evutil_make_socket_closeonexec(fd) == -1 ||
	    (c = calloc(1, sizeof *c)) == NULL) {
		ctl_log(ctl, LOG_WARNING, "%s: %s", __func__,
		    strerror(errno));
		close(fd);
		return;
	}
	c->conn_ctl = ctl;
	c->conn_state = CTL_READING;
	c->conn_seq = ++ctl->sc_seq;
	c->conn_bev = bufferevent_socket_new(ctl->sc_base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	c->conn_next = evtimer_new(ctl->sc_base, ctl_conn_next, c);
	c->conn_dec = ctlmsg_dec_new(CTLMSG_REQUEST);
	if (c->conn_bev == NULL || c->conn_next == NULL ||
	    c->conn_dec == NULL) {
		ctl_log(ctl, LOG_WARNING, "%s: out of memory", __func__);
		if (c->conn_bev != NULL)
			bufferevent_free(c->conn_bev);
		else
			close(fd);
		if (c->conn_next != NULL)
			event_free(c->conn_next);
		ctlmsg_dec_free(c->conn_dec);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl->sc_conns, c, conn_entry);
	ctl->sc_nconns++;
	tv.tv_sec = ctl->sc_limits.idle_ms / 1000;
	tv.tv_usec = (ctl->sc_limits.idle_ms % 1000) * 1000;
	bufferevent_set_timeouts(c->conn_bev, &tv, &tv);
	bufferevent_set_max_single_read(c->conn_bev, CTL_READ_MAX);
	bufferevent_setcb(c->conn_bev, ctl_conn_read, ctl_conn_written,
	    ctl_conn_event, c);
	bufferevent_enable(c->conn_bev, EV_READ | EV_WRITE);
}

static void
ctl_resume(evutil_socket_t fd, short events, void *arg)
{
	struct ctl	*ctl = arg;

	event_add(ctl->sc_ev, NULL);
}

struct ctl *
ctl_listen(struct event_base *base, const char *path, mode_t mode,
    ctl_handler handler, void *arg, char *err)
{
	struct ctl		*ctl;
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 rv;

	if (path[0] == '\0') {
		cr_seterr(err, "empty socket path");
		return NULL;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		cr_seterr(err, "%s: socket path too long (at most %zu bytes)",
		    path, sizeof sun.sun_path - 1);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((ctl = calloc(1, sizeof *ctl)) == NULL ||
	    (ctl->sc_path = strdup(path)) == NULL) {
		cr_seterr(err, "%s: out of memory", path);
		free(ctl);
		return NULL;
	}
	ctl->sc_fd = -1;
	ctl->sc_base = base;
	ctl->sc_handler = handler;
	ctl->sc_arg = arg;
	ctl->sc_limits.max_conns = CTL_MAX_CONNS;
	ctl->sc_limits.idle_ms = CTL_IDLE_MS;
	ctl->sc_limits.max_inflight = CTL_MAX_INFLIGHT;
	TAILQ_INIT(&ctl->sc_conns);

	if (ctl_clear_path(&sun, err) != 0)
		goto err;
	if ((ctl->sc_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		cr_seterr(err, "%s: socket: %s", path, strerror(errno));
		goto err;
	}
	/* Never, not even between bind and chmod, more open than 0600. */
	old = umask(S_IXUSR | S_IRWXG | S_IRWXO);
	rv = bind(ctl->sc_fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rv == -1) {
		cr_seterr(err, "%s: bind: %s", path, strerror(errno));
		goto err;
	}
	if (lstat(path, &st) == -1 || chmod(path, mode) == -1) {
		cr_seterr(err, "%s: %s", path, strerror(errno));
		unlink(path);
		goto err;
	}
	ctl->sc_dev = st.st_dev;
	ctl->sc_ino = st.st_ino;
	if (listen(ctl->sc_fd, CTL_BACKLOG) == -1) {
		cr_seterr(err, "%s: listen: %s", path, strerror(errno));
		unlink(path);
		goto err;
	}
	ctl->sc_ev = event_new(base, ctl->sc_fd, EV_READ | EV_PERSIST,
	    ctl_accept, ctl);
	ctl->sc_pause = evtimer_new(base, ctl_resume, ctl);
	if (ctl->sc_ev == NULL || ctl->sc_pause == NULL ||
	    event_add(ctl->sc_ev, NULL) == -1) {
		cr_seterr(err, "%s: cannot set up the accept event", path);
		unlink(path);
		goto err;
	}
	return ctl;
err:
	if (ctl->sc_ev != NULL)
		event_free(ctl->sc_ev);
	if (ctl->sc_pause != NULL)
		event_free(ctl->sc_pause);
	if (ctl->sc_fd != -1)
		close(ctl->sc_fd);
	free(ctl->sc_path);
	free(ctl);
	return NULL;
}

void
ctl_set_log(struct ctl *ctl, ctl_log_fn fn, void *arg)
{
	ctl->sc_log = fn;
	ctl->sc_logarg = arg;
}

void
ctl_set_limits(struct ctl *ctl, const struct ctl_limits *l)
{
	if (l->max_conns != 0)
		ctl->sc_limits.max_conns = l->max_conns;
	if (l->idle_ms != 0)
		ctl->sc_limits.idle_ms = l->idle_ms;
	if (l->max_inflight != 0)
		ctl->sc_limits.max_inflight = l->max_inflight;
}

static int
ctl_reply_buf(struct ctl_req *req, int ok, const char *text, size_t len,
    int owned)
{
	struct ctl_conn	*c = req->req_conn;
	int		 rv;

	if (c == NULL) {
		if (owned)
			free((void *)(uintptr_t)text);
		ctl_req_release(req);
		return -1;
	}
	c->conn_req = NULL;
	/* The decoder goes back to the connection for the next request. */
	ctlmsg_dec_reset(req->req_dec);
	c->conn_dec = req->req_dec;
	req->req_dec = NULL;
	ctl_req_release(req);
	rv = ctl_conn_send_buf(c, ok, text, len, 0, owned);
	return rv;
}

int
ctl_reply(struct ctl_req *req, int ok, const char *text, size_t len)
{
	return ctl_reply_buf(req, ok, text, len, 0);
}

int
ctl_reply_take(struct ctl_req *req, int ok, char *text, size_t len)
{
	return ctl_reply_buf(req, ok, text, len, 1);
}

size_t
ctl_count(const struct ctl *ctl)
{
	return ctl->sc_nconns;
}

void
ctl_free(struct ctl *ctl)
{
	struct ctl_conn	*c;
	struct stat	 st;

	if (ctl == NULL)
		return;
	while ((c = TAILQ_FIRST(&ctl->sc_conns)) != NULL) {
		/* Its request outlives us; its claim is no longer counted. */
		if (c->conn_req != NULL)
			c->conn_req->req_ctl = NULL;
		ctl_conn_free(c);
	}
	event_free(ctl->sc_ev);
	event_free(ctl->sc_pause);
	close(ctl->sc_fd);
	/* Only our own socket: another agent may have taken the path over. */
	if (lstat(ctl->sc_path, &st) == 0 && st.st_dev == ctl->sc_dev &&
	    st.st_ino == ctl->sc_ino)
		unlink(ctl->sc_path);
	free(ctl->sc_path);
	free(ctl);
}
