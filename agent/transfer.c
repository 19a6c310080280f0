/*
 * transfer.c — report uploads through libcurl's multi interface, driven by
 * the agent's libevent loop (the curl hiperfifo.c recipe, STYLE.md): curl
 * tells us which sockets to watch and when it next needs a timeout, the
 * loop tells curl when either fires.  Nothing here blocks, polls, logs or
 * keeps file-scope state; curl_global_init is the program's job.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "proto.h"
#include "agent.h"

/* Bounded defaults (docs/transfer.md): a report is a few kilobytes. */
#define TRANSFER_CONNECT_TIMEOUT	10
#define TRANSFER_TOTAL_TIMEOUT		60
/* RFC 1350's block size: never fragments, and reports are small. */
#define TRANSFER_TFTP_BLKSIZE		512
/*
 * curl 7.88 maps a TFTP error code it does not know (RFC 2347's 8, "option
 * negotiation refused", above all) to CURLE_ABORTED_BY_CALLBACK; we have
 * no TFTP callback that aborts, so that code reads as what it is.
 */
#define TRANSFER_TFTP_ERR8	"TFTP: the server refused the request " \
				    "(error code 8, options refused, or another " \
				    "beyond RFC 1350)"
/* libcurl's minimum (CURLOPT_UPLOAD_BUFFERSIZE). */
#define TRANSFER_UPLOAD_BUFFER		16384L
/*
 * What a server's answer may cost (docs/transfer.md): the agent needs only
 * the status line.  Header lines of every response of the exchange (a 401
 * challenge, then the answer) and the answer's body are each capped; past
 * a cap the transfer is aborted.  The receive buffer is libcurl's smallest
 * too, so at most a cap plus that much is ever read.
 */
#define TRANSFER_MAX_HEADERS		16384
#define TRANSFER_MAX_BODY		16384
#define TRANSFER_RECV_BUFFER		16384L

/* One socket curl asked us to watch; tied to it with curl_multi_assign. */
struct transfer_sock {
	LIST_ENTRY(transfer_sock)	 ts_entry;
	struct event			 ts_ev;
};

struct transfer {
	TAILQ_ENTRY(transfer)	 t_entry;
	struct transfer_ctx	*t_ctx;
	CURL			*t_easy;
	struct curl_slist	*t_headers;
	int			 t_http;	/* else TFTP */
	int			 t_plain;	/* TFTP: no RFC 2347 options */
	int			 t_refused;	/* TFTP: options refused, curl's code */
	uint8_t			*t_body;
	size_t			 t_len;
	size_t			 t_off;		/* read position (PUT, TFTP) */
	size_t			 t_hdrbytes;	/* of the server's answers */
	size_t			 t_bodybytes;
	const char		*t_abort;	/* what went over its cap */
	transfer_done_cb	 t_cb;
	void			*t_arg;
	char			 t_errbuf[CURL_ERROR_SIZE];
};

struct transfer_ctx {
	struct event_base		*tc_base;
	CURLM				*tc_multi;
	struct event			*tc_timer;
	TAILQ_HEAD(, transfer)		 tc_transfers;
	LIST_HEAD(, transfer_sock)	 tc_socks;
	size_t				 tc_count;
	char				*tc_ca_file;
	char				*tc_cert;
	char				*tc_key;
	long				 tc_connect_timeout;
	long				 tc_total_timeout;
	int				 tc_busy;	/* delivering results */
	int				 tc_dead;	/* freed from a callback */
};

static int	transfer_sock_cb(CURL *, curl_socket_t, int, void *, void *);
static int	transfer_timer_cb(CURLM *, long, void *);
static void	transfer_sock_event(evutil_socket_t, short, void *);
static void	transfer_timer_event(evutil_socket_t, short, void *);
static void	transfer_act(struct transfer_ctx *, curl_socket_t, int);
static void	transfer_check_done(struct transfer_ctx *);
static CURLM	*transfer_multi_new(struct transfer_ctx *);
static void	transfer_multi_drop(struct transfer_ctx *);
static void	transfer_destroy(struct transfer *);
static void	transfer_ctx_destroy(struct transfer_ctx *);
static int	transfer_setup(struct transfer *, const struct transfer_req *,
		    const char *, char *);
static size_t	transfer_read(char *, size_t, size_t, void *);
static int	transfer_seek(void *, curl_off_t, int);
static size_t	transfer_discard(char *, size_t, size_t, void *);
static size_t	transfer_headers(char *, size_t, size_t, void *);
static void	transfer_wipe_body(uint8_t *, size_t);
static int	transfer_tftp_retry(struct transfer *, CURLcode);

/* Reports may hold plaintext configuration: do not leave it in the heap. */
static void
transfer_wipe_body(uint8_t *body, size_t len)
{
	crypt_wipe(body, len);
	free(body);
}

static int
transfer_readable(const char *what, const char *path, char *err)
{
	if (path != NULL && access(path, R_OK) == -1) {
		cr_seterr(err, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	return 0;
}

struct transfer_ctx *
transfer_ctx_new(struct event_base *base, const struct transfer_opts *opts,
    char *err)
{
	struct transfer_ctx	*ctx;

	if (opts->connect_timeout < 0 || opts->total_timeout < 0) {
		cr_seterr(err, "negative transfer time-out");
		return NULL;
	}
	if (opts->client_key != NULL && opts->client_cert == NULL) {
		cr_seterr(err, "client key without a client certificate");
		return NULL;
	}
	/* A typo in a daemon flag is better reported at start than per upload. */
	if (transfer_readable("CA file", opts->ca_file, err) == -1 ||
	    transfer_readable("client certificate", opts->client_cert,
	    err) == -1 ||
	    transfer_readable("client key", opts->client_key, err) == -1)
		return NULL;

	if ((ctx = calloc(1, sizeof *ctx)) == NULL) {
		cr_seterr(err, "out of memory");
		return NULL;
	}
	ctx->tc_base = base;
	TAILQ_INIT(&ctx->tc_transfers);
	LIST_INIT(&ctx->tc_socks);
	ctx->tc_connect_timeout = opts->connect_timeout != 0 ?
	    opts->connect_timeout : TRANSFER_CONNECT_TIMEOUT;
	ctx->tc_total_timeout = opts->total_timeout != 0 ?
	    opts->total_timeout : TRANSFER_TOTAL_TIMEOUT;
	if ((opts->ca_file != NULL &&
	    (ctx->tc_ca_file = strdup(opts->ca_file)) == NULL) ||
	    (opts->client_cert != NULL &&
	    (ctx->tc_cert = strdup(opts->client_cert)) == NULL) ||
	    (opts->client_key != NULL &&
	    (ctx->tc_key = strdup(opts->client_key)) == NULL)) {
		cr_seterr(err, "out of memory");
		goto err;
	}

	/* The timer exists before curl can first ask for it (add_handle). */
	if ((ctx->tc_timer = evtimer_new(base, transfer_timer_event,
	    ctx)) == NULL) {
		cr_seterr(err, "cannot create the transfer timer");
		goto err;
	}
	if ((ctx->tc_multi = transfer_multi_new(ctx)) == NULL) {
		cr_seterr(err, "curl_multi_init failed");
		goto err;
	}
	return ctx;

err:
	transfer_ctx_destroy(ctx);
	return NULL;
}

void
transfer_ctx_free(struct transfer_ctx *ctx)
{
	struct transfer	*t;

	if (ctx == NULL)
		return;
	/*
	 * From inside a done callback transfer_check_done is still using the
	 * multi handle: abandon the transfers now and let it finish the job.
	 */
	if (ctx->tc_busy) {
		while ((t = TAILQ_FIRST(&ctx->tc_transfers)) != NULL)
			transfer_destroy(t);
		ctx->tc_dead = 1;
		return;
	}
	transfer_ctx_destroy(ctx);
}

/* A multi handle that calls back into CTX; NULL when curl cannot. */
static CURLM *
transfer_multi_new(struct transfer_ctx *ctx)
{
	CURLM	*multi;

	if ((multi = curl_multi_init()) == NULL)
		return NULL;
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, transfer_sock_cb);
	curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, ctx);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, transfer_timer_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERDATA, ctx);
	return multi;
}

/* Clean up the multi handle (no easy handle left in it) and its watches. */
static void
transfer_multi_drop(struct transfer_ctx *ctx)
{
	struct transfer_sock	*ts;

	/* It may still call the socket and timer callbacks. */
	if (ctx->tc_multi != NULL)
		curl_multi_cleanup(ctx->tc_multi);
	ctx->tc_multi = NULL;
	/*
	 * Every socket state ought to be gone through CURL_POLL_REMOVE; any
	 * left would leave an event registered on a base that outlives us.
	 */
	while ((ts = LIST_FIRST(&ctx->tc_socks)) != NULL) {
		event_del(&ts->ts_ev);
		LIST_REMOVE(ts, ts_entry);
		free(ts);
	}
	if (ctx->tc_timer != NULL)
		evtimer_del(ctx->tc_timer);
}

/* Teardown in hiperfifo's order: easies, the multi, then the timer. */
static void
transfer_ctx_destroy(struct transfer_ctx *ctx)
{
	struct transfer		*t;

	while ((t = TAILQ_FIRST(&ctx->tc_transfers)) != NULL)
		transfer_destroy(t);
	transfer_multi_drop(ctx);
	if (ctx->tc_timer != NULL)
		event_free(ctx->tc_timer);
	free(ctx->tc_ca_file);
	free(ctx->tc_cert);
	free(ctx->tc_key);
	free(ctx);
}

size_t
transfer_count(const struct transfer_ctx *ctx)
{
	return ctx->tc_count;
}

/* CURLMOPT_TIMERFUNCTION: only (re)arm the timer, never act from here. */
static int
transfer_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct transfer_ctx	*ctx = arg;
	struct timeval		 tv;

	evtimer_del(ctx->tc_timer);
	if (timeout_ms == -1)
		return 0;
	/* 0 is valid: act on the next loop pass. */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	/* Never -1, for the reason given at transfer_sock_cb. */
	evtimer_add(ctx->tc_timer, &tv);
	return 0;
}

/*
 * CURLMOPT_SOCKETFUNCTION: mirror curl's interest in S onto the loop.
 *
 * It never returns -1: libcurl 7.88 then declares the whole multi handle
 * dead, its transfers never end, and removing them leaves freed easy
 * handles in its socket hash for the next socket_action to trip on (both
 * seen in test_sock_alloc_failure).  A socket we fail to watch costs less:
 * curl's own timers still run, it asks again at its next change of
 * interest, and the transfer ends at the latest at its time-out.
 */
static int
transfer_sock_cb(CURL *easy, curl_socket_t s, int what, void *arg,
    void *sockp)
{
	struct transfer_ctx	*ctx = arg;
	struct transfer_sock	*ts = sockp;
	short			 kind;

	if (what == CURL_POLL_REMOVE) {
		/* curl closes the socket itself; only our watch goes. */
		if (ts != NULL) {
			event_del(&ts->ts_ev);
			LIST_REMOVE(ts, ts_entry);
			free(ts);
		}
		return 0;
	}
	if (ts == NULL) {
		if ((ts = calloc(1, sizeof *ts)) == NULL)
			return 0;
		LIST_INSERT_HEAD(&ctx->tc_socks, ts, ts_entry);
		curl_multi_assign(ctx->tc_multi, s, ts);
	} else {
		/* event_assign on an added event corrupts the base. */
		event_del(&ts->ts_ev);
	}
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (event_assign(&ts->ts_ev, ctx->tc_base, s, kind,
	    transfer_sock_event, ctx) == 0)
		event_add(&ts->ts_ev, NULL);
	return 0;
}

/*
 * Tell curl what happened on FD (or to its timer), then deliver results.
 * An error here is curl's own (our callbacks never fail, see
 * transfer_sock_cb) and concerns no transfer in particular; each transfer
 * still ends through its own result, at the latest at its time-out.
 */
static void
transfer_act(struct transfer_ctx *ctx, curl_socket_t fd, int action)
{
	int	running;

	curl_multi_socket_action(ctx->tc_multi, fd, action, &running);
	transfer_check_done(ctx);
}

static void
transfer_sock_event(evutil_socket_t fd, short what, void *arg)
{
	int	action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	transfer_act(arg, fd, action);
}

static void
transfer_timer_event(evutil_socket_t fd, short what, void *arg)
{
	transfer_act(arg, CURL_SOCKET_TIMEOUT, 0);
}

/* Fill R from T's finished easy handle, before the handle is cleaned. */
static void
transfer_result_of(struct transfer *t, CURLcode code,
    struct transfer_result *r)
{
	curl_off_t	 sent = 0, usec = 0;
	long		 http = 0;
	int		 body;

	memset(r, 0, sizeof *r);
	if (t->t_http)
		curl_easy_getinfo(t->t_easy, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_getinfo(t->t_easy, CURLINFO_SIZE_UPLOAD_T, &sent);
	curl_easy_getinfo(t->t_easy, CURLINFO_TOTAL_TIME_T, &usec);
	r->http_code = http;
	r->curl_code = code;
	r->bytes = sent > 0 ? (size_t)sent : 0;
	r->seconds = (double)usec / 1e6;
	if (code == CURLE_WRITE_ERROR && t->t_abort != NULL) {
		/*
		 * We stopped reading.  A 2xx after the whole report went out
		 * is a delivered report, whatever the server had to add.
		 */
		body = strcmp(t->t_abort, "body") == 0;
		if (body && http >= 200 && http <= 299 && r->bytes == t->t_len)
			r->ok = 1;
		else if (body)
			snprintf(r->error, sizeof r->error, "HTTP %ld, response "
			    "body over %d bytes: not read", http,
			    TRANSFER_MAX_BODY);
		else
			snprintf(r->error, sizeof r->error, "response headers "
			    "over %d bytes: not read", TRANSFER_MAX_HEADERS);
	} else if (code != CURLE_OK) {
		/*
		 * curl's text names host and port, never credentials; the
		 * cut keeps the code in view.  curl 7.88 fills the buffer of
		 * every TFTP transfer with a getpeername() notice on its
		 * unconnected UDP socket, and the first text sticks: for TFTP
		 * the code's own text is the one that tells the reason.
		 */
		snprintf(r->error, sizeof r->error, "%.180s (curl error %d)%s",
		    t->t_http && t->t_errbuf[0] != '\0' ? t->t_errbuf :
		    !t->t_http && code == CURLE_ABORTED_BY_CALLBACK ?
		    TRANSFER_TFTP_ERR8 : curl_easy_strerror(code), (int)code,
		    t->t_refused ? ", sent without options after the server "
		    "refused them" : "");
	} else if (t->t_http && (http < 200 || http > 299)) {
		/* A 3xx too: redirects are not followed (docs/transfer.md). */
		snprintf(r->error, sizeof r->error, "HTTP %ld", http);
	} else
		r->ok = 1;
}

/*
 * Runs after every curl_multi_socket_action: hand each finished transfer
 * to its owner.  The handle is removed and cleaned first, so the callback
 * may start or cancel transfers (or free the context) freely; the message
 * queue is read afresh each time round because of that.
 */
static void
transfer_check_done(struct transfer_ctx *ctx)
{
	struct transfer_result	 r;
	struct transfer		*t;
	transfer_done_cb	 cb;
	CURLMsg			*msg;
	CURLcode		 code;
	void			*cbarg;
	char			*priv;
	int			 left;

	ctx->tc_busy = 1;
	while (!ctx->tc_dead && ctx->tc_multi != NULL &&
	    (msg = curl_multi_info_read(ctx->tc_multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		code = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		t = (struct transfer *)priv;
		if (transfer_tftp_retry(t, code) == 0)
			continue;
		transfer_result_of(t, code, &r);
		cb = t->t_cb;
		cbarg = t->t_arg;
		transfer_destroy(t);
		/*
		 * The last one in flight: the next transfer gets a fresh multi
		 * handle.  One that has watched a socket keeps its 911-slot
		 * socket hash (29 KB in libcurl 7.88) and smaller tables until
		 * cleaned up, which an agent idling between reports would
		 * carry for nothing.  Renewed before the callback, so that
		 * the owner sees the memory gone; a failed curl_multi_init is
		 * tried again by transfer_start.
		 */
		if (ctx->tc_count == 0) {
			transfer_multi_drop(ctx);
			ctx->tc_multi = transfer_multi_new(ctx);
		}
		cb(cbarg, &r);
	}
	ctx->tc_busy = 0;
	if (ctx->tc_dead)
		transfer_ctx_destroy(ctx);
}

/*
 * A TFTP server that refuses RFC 2347 options answers the write request
 * with ERROR 8 (curl: CURLE_ABORTED_BY_CALLBACK), or, like atftpd with
 * --no-tsize --no-blksize --no-timeout, with an empty OACK that curl
 * takes for a short packet until its retries run out (CURLE_COULDNT_CONNECT,
 * at once: a silent server ends in a time-out instead).  Either way the
 * same transfer goes again at once as a plain RFC 1350 write request
 * (docs/transfer.md).  0 when T was restarted; -1 when its result stands.
 */
static int
transfer_tftp_retry(struct transfer *t, CURLcode code)
{
	struct transfer_ctx	*ctx = t->t_ctx;

	if (t->t_http || t->t_plain || (code != CURLE_ABORTED_BY_CALLBACK &&
	    code != CURLE_COULDNT_CONNECT))
		return -1;
	curl_multi_remove_handle(ctx->tc_multi, t->t_easy);
	t->t_plain = 1;
	t->t_refused = (int)code;
	t->t_off = 0;
	if (curl_easy_setopt(t->t_easy, CURLOPT_TFTP_NO_OPTIONS, 1L) !=
	    CURLE_OK || curl_multi_add_handle(ctx->tc_multi, t->t_easy) !=
	    CURLM_OK) {
		/* transfer_destroy removes it again; curl ignores that. */
		return -1;
	}
	return 0;
}

/* Remove T from the multi handle (never called from a curl callback). */
static void
transfer_destroy(struct transfer *t)
{
	struct transfer_ctx	*ctx = t->t_ctx;

	if (t->t_easy != NULL) {
		curl_multi_remove_handle(ctx->tc_multi, t->t_easy);
		curl_easy_cleanup(t->t_easy);
	}
	curl_slist_free_all(t->t_headers);
	transfer_wipe_body(t->t_body, t->t_len);
	TAILQ_REMOVE(&ctx->tc_transfers, t, t_entry);
	ctx->tc_count--;
	free(t);
}

void
transfer_cancel(struct transfer *t)
{
	if (t != NULL)
		transfer_destroy(t);
}

/* The scheme of URL, lower case, when curl accepts it; else NULL. */
static char *
transfer_scheme(const char *url, char *err)
{
	CURLU		*u;
	CURLUcode	 rc;
	char		*scheme = NULL, *s, *user = NULL, *pass = NULL;

	if ((u = curl_url()) == NULL) {
		cr_seterr(err, "out of memory");
		return NULL;
	}
	/* Any scheme parses, so a libcurl built without FTP (the device
	 * build) still names the scheme it refuses below. */
	if ((rc = curl_url_set(u, CURLUPART_URL, url,
	    CURLU_NON_SUPPORT_SCHEME)) != CURLUE_OK) {
		cr_seterr(err, "bad URL: %s", curl_url_strerror(rc));
		goto out;
	}
	/*
	 * Credentials belong in the request (--uid/--pwd), not the URL: the
	 * owner logs URLs, and curl would pick Basic for URL credentials.
	 */
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
		cr_seterr(err, "bad URL: credentials in the URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK) {
		cr_seterr(err, "bad URL: no scheme");
		goto out;
	}
	if (strcmp(s, "http") != 0 && strcmp(s, "https") != 0 &&
	    strcmp(s, "tftp") != 0)
		cr_seterr(err, "unsupported URL scheme %s", s);
	else if ((scheme = strdup(s)) == NULL)
		cr_seterr(err, "out of memory");
	curl_free(s);
out:
	if (pass != NULL) {
		crypt_wipe(pass, strlen(pass));
		curl_free(pass);
	}
	curl_free(user);
	curl_url_cleanup(u);
	return scheme;
}

/* A header line "NAME: VALUE"; VALUE must not smuggle in another line. */
static int
transfer_header(struct transfer *t, const char *name, const char *value,
    char *err)
{
	struct curl_slist	*l;
	char			*line;

	if (strpbrk(value, "\r\n") != NULL) {
		cr_seterr(err, "bad %s header value", name);
		return -1;
	}
	if (asprintf(&line, "%s: %s", name, value) == -1) {
		cr_seterr(err, "out of memory");
		return -1;
	}
	l = curl_slist_append(t->t_headers, line);
	free(line);
	if (l == NULL) {
		cr_seterr(err, "out of memory");
		return -1;
	}
	t->t_headers = l;
	return 0;
}

struct transfer *
transfer_start(struct transfer_ctx *ctx, struct transfer_req *req,
    transfer_done_cb cb, void *arg, char *err)
{
	struct transfer	*t;
	char		*scheme;

	if ((ctx->tc_multi == NULL &&
	    (ctx->tc_multi = transfer_multi_new(ctx)) == NULL) ||
	    (t = calloc(1, sizeof *t)) == NULL) {
		cr_seterr(err, ctx->tc_multi == NULL ?
		    "curl_multi_init failed" : "out of memory");
		transfer_wipe_body(req->body, req->len);
		req->body = NULL;
		return NULL;
	}
	t->t_ctx = ctx;
	t->t_body = req->body;
	t->t_len = req->len;
	req->body = NULL;
	t->t_cb = cb;
	t->t_arg = arg;
	TAILQ_INSERT_TAIL(&ctx->tc_transfers, t, t_entry);
	ctx->tc_count++;

	/* From here on transfer_destroy undoes everything, body included. */
	if ((scheme = transfer_scheme(req->url, err)) == NULL ||
	    transfer_setup(t, req, scheme, err) == -1) {
		free(scheme);
		transfer_destroy(t);
		return NULL;
	}
	free(scheme);
	/* The first call into curl: it may now call the timer callback. */
	if (curl_multi_add_handle(ctx->tc_multi, t->t_easy) != CURLM_OK) {
		cr_seterr(err, "cannot add the transfer to curl");
		/* transfer_destroy removes it; curl ignores a handle it lacks. */
		transfer_destroy(t);
		return NULL;
	}
	return t;
}

/* Every option of T's easy handle; see docs/transfer.md for the why. */
static int
transfer_setup(struct transfer *t, const struct transfer_req *req,
    const char *scheme, char *err)
{
	struct transfer_ctx	*ctx = t->t_ctx;
	CURL			*e;
	int			 https = strcmp(scheme, "https") == 0;
	int			 bad = 0;

	t->t_http = strcmp(scheme, "tftp") != 0;
	if (req->method != TRANSFER_PUT && req->method != TRANSFER_POST) {
		cr_seterr(err, "bad transfer method");
		return -1;
	}
	if (req->password != NULL && req->user == NULL) {
		cr_seterr(err, "password without a user");
		return -1;
	}
	if (!t->t_http && req->user != NULL) {
		/* TFTP has no authentication; do not pretend. */
		cr_seterr(err, "TFTP takes no credentials");
		return -1;
	}
	if ((e = t->t_easy = curl_easy_init()) == NULL) {
		cr_seterr(err, "curl_easy_init failed");
		return -1;
	}

#define SET(opt, val)	(bad |= curl_easy_setopt(e, opt, val) != CURLE_OK)
	SET(CURLOPT_PRIVATE, t);
	SET(CURLOPT_ERRORBUFFER, t->t_errbuf);
	SET(CURLOPT_URL, req->url);
	/* Only the request's own scheme, and no redirects to anywhere. */
	SET(CURLOPT_PROTOCOLS_STR, scheme);
	SET(CURLOPT_REDIR_PROTOCOLS_STR, scheme);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	/* A daemon's behaviour must not change with its environment. */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, ctx->tc_connect_timeout);
	SET(CURLOPT_TIMEOUT, ctx->tc_total_timeout);
	/*
	 * A peer that stops moving bytes either way for as long as a connect
	 * may take is stalled: abort it then, not at the total time-out.
	 */
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, ctx->tc_connect_timeout);
	SET(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	/* The server's answer body is of no use: never let curl print it. */
	SET(CURLOPT_WRITEFUNCTION, transfer_discard);
	SET(CURLOPT_WRITEDATA, t);
	SET(CURLOPT_HEADERFUNCTION, transfer_headers);
	SET(CURLOPT_HEADERDATA, t);
	SET(CURLOPT_BUFFERSIZE, TRANSFER_RECV_BUFFER);
	/*
	 * A report goes out once an hour at most often: a connection kept
	 * for the next one would hold an fd, a server's slot and curl's
	 * buffers while the agent idles, and be dead by then anyway.
	 */
	SET(CURLOPT_FORBID_REUSE, 1L);
	/*
	 * curl's smallest upload buffer (its default is 64 KiB): a report
	 * of 100 KB or so then takes a few more send() calls, and a round's
	 * peak, the body beside curl's buffers, is 48 KiB lower.
	 */
	SET(CURLOPT_UPLOAD_BUFFERSIZE, TRANSFER_UPLOAD_BUFFER);

	if (!t->t_http || req->method == TRANSFER_PUT) {
		SET(CURLOPT_UPLOAD, 1L);
		SET(CURLOPT_READFUNCTION, transfer_read);
		SET(CURLOPT_READDATA, t);
		/* Digest negotiation may send the body again. */
		SET(CURLOPT_SEEKFUNCTION, transfer_seek);
		SET(CURLOPT_SEEKDATA, t);
		SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->t_len);
	} else {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->t_len);
		/* NULL here would make curl use the read callback instead. */
		SET(CURLOPT_POSTFIELDS, t->t_body != NULL ?
		    (char *)t->t_body : "");
	}

	if (!t->t_http) {
		SET(CURLOPT_TFTP_BLKSIZE, (long)TRANSFER_TFTP_BLKSIZE);
		if ((t->t_plain = req->tftp_plain != 0))
			SET(CURLOPT_TFTP_NO_OPTIONS, 1L);
		goto done;
	}

	/* HTTP(S) only from here. */
	/*
	 * HTTP/1.1, deliberately: one small request per report on a
	 * connection that is never reused gains nothing from HTTP/2's
	 * multiplexing, and costs a framing layer (and its bugs: curl error
	 * 92 against lighttpd with TLS and Basic, docs/transfer.md).
	 */
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (req->content_type != NULL) {
		if (transfer_header(t, "Content-Type", req->content_type,
		    err) == -1)
			return -1;
	} else if ((t->t_headers = curl_slist_append(t->t_headers,
	    "Content-Type:")) == NULL) {
		/* Not curl's x-www-form-urlencoded: the body is no form. */
		cr_seterr(err, "out of memory");
		return -1;
	}
	if (req->content_encoding != NULL && transfer_header(t,
	    "Content-Encoding", req->content_encoding, err) == -1)
		return -1;
	/* No 100-continue round trip: reports are small. */
	if ((t->t_headers = curl_slist_append(t->t_headers,
	    "Expect:")) == NULL) {
		cr_seterr(err, "out of memory");
		return -1;
	}
	SET(CURLOPT_HTTPHEADER, t->t_headers);

	/*
	 * Digest always; Basic only inside TLS.  curl sends nothing until the
	 * server's 401 names a scheme, then uses the best one allowed.
	 */
	SET(CURLOPT_HTTPAUTH, https ? CURLAUTH_DIGEST | CURLAUTH_BASIC :
	    CURLAUTH_DIGEST);
	if (req->user != NULL) {
		SET(CURLOPT_USERNAME, req->user);
		SET(CURLOPT_PASSWORD, req->password != NULL ?
		    req->password : "");
	}

	if (https) {
		SET(CURLOPT_SSL_VERIFYPEER, 1L);
		SET(CURLOPT_SSL_VERIFYHOST, 2L);
		SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		if (ctx->tc_ca_file != NULL) {
			CURLcode	capath;

			/* The operator's CA alone, not also the system's. */
			SET(CURLOPT_CAINFO, ctx->tc_ca_file);
			/* A libcurl without CA directories (on wolfSSL) says
			 * NOT_BUILT_IN: there is then none to switch off. */
			capath = curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
			bad |= capath != CURLE_OK && capath != CURLE_NOT_BUILT_IN;
		}
		if (ctx->tc_cert != NULL) {
			SET(CURLOPT_SSLCERT, ctx->tc_cert);
			SET(CURLOPT_SSLCERTTYPE, "PEM");
			/* No key file: the key is in the certificate's file.
			 * Named anyway: libcurl on wolfSSL sends no client
			 * certificate at all without a key file. */
			SET(CURLOPT_SSLKEY, ctx->tc_key != NULL ? ctx->tc_key :
			    ctx->tc_cert);
			SET(CURLOPT_SSLKEYTYPE, "PEM");
		}
	}
done:
#undef SET
	if (bad) {
		cr_seterr(err, "libcurl lacks an option the transfer needs");
		return -1;
	}
	return 0;
}

/* CURLOPT_READFUNCTION over the body, for PUT and TFTP. */
static size_t
transfer_read(char *buf, size_t size, size_t n, void *arg)
{
	struct transfer	*t = arg;
	size_t		 len = size * n;

	if (len > t->t_len - t->t_off)
		len = t->t_len - t->t_off;
	if (len != 0)
		memcpy(buf, t->t_body + t->t_off, len);
	t->t_off += len;
	return len;
}

/* CURLOPT_SEEKFUNCTION: curl rewinds to resend after an auth challenge. */
static int
transfer_seek(void *arg, curl_off_t off, int origin)
{
	struct transfer	*t = arg;

	if (origin != SEEK_SET || off < 0 || (uint64_t)off > t->t_len)
		return CURL_SEEKFUNC_FAIL;
	t->t_off = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

/* N more bytes of WHAT, counted in *SEEN: all taken, or 0 past CAP. */
static size_t
transfer_take(struct transfer *t, size_t *seen, size_t cap, const char *what,
    size_t n)
{
	*seen += n;
	if (*seen > cap) {
		t->t_abort = what;
		return 0;
	}
	return n;
}

/* CURLOPT_WRITEFUNCTION: the answer's body is counted, never kept. */
static size_t
transfer_discard(char *buf, size_t size, size_t n, void *arg)
{
	struct transfer	*t = arg;

	return transfer_take(t, &t->t_bodybytes, TRANSFER_MAX_BODY, "body",
	    size * n);
}

/* CURLOPT_HEADERFUNCTION: header lines of every answer, counted. */
static size_t
transfer_headers(char *buf, size_t size, size_t n, void *arg)
{
	struct transfer	*t = arg;

	return transfer_take(t, &t->t_hdrbytes, TRANSFER_MAX_HEADERS,
	    "headers", size * n);
}
