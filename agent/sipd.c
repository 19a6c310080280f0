/*
 * sipd.c — the agent's SIP side: one UDP socket on the agent's loop that
 * answers NOTIFY (Event: report) and OPTIONS and refuses everything else
 * (spec.md §6, docs/sip.md).
 *
 * A request is parsed (proto/sip.c), checked (proto/digest.c) and
 * answered from buffers inside struct sipd: nothing is allocated per
 * datagram, and the only state a request can leave behind is one slot of
 * the bounded nonce-count table, which only a right password can claim.
 * Replies go to the datagram's source and nowhere else.  Each wake-up
 * reads at most SIPD_BURST datagrams, so a flood cannot keep the loop
 * from serving the control socket and the timers.
 *
 * Log lines: one per accepted NOTIFY; refusals are rate-limited (the
 * first of a period is logged, then a summary every SIPD_LOG_EVERY s).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include <event2/event.h>
#include <event2/util.h>

#include "proto.h"
#include "agent.h"

#define SIPD_ALLOW	"Allow: NOTIFY, OPTIONS\r\n"
#define SIPD_EVENTS	"Allow-Events: report\r\n"

/* What the rate-limited summary counts. */
enum sipd_outcome {
	SIPD_CHALLENGED,	/* 401 */
	SIPD_FORBIDDEN,		/* 403 */
	SIPD_MALFORMED,		/* 400, 505 */
	SIPD_DROPPED,		/* not answered */
	SIPD_OTHER,		/* 405, 481, 489 */
	SIPD_NOUTCOMES
};

static const char *const sipd_outcome_names[SIPD_NOUTCOMES] = {
	"challenged (401)", "refused (403)", "malformed (400/505)",
	"dropped", "other method or event (405/481/489)",
};

struct sipd {
	struct event_base	*base;
	struct sipd_config	 cfg;
	evutil_socket_t		 fd;
	int			 port;
	struct event		*read_ev;
	struct event		*log_ev;	/* pending: a log period runs */
	unsigned		 logged;	/* 1 << outcome: said already */
	unsigned long		 counts[SIPD_NOUTCOMES];
	struct digest_server	 ds;

	/* Per-datagram scratch: big, so here rather than on the stack. */
	uint8_t			 in[SIP_MAX_MSG + 1];
	struct sip_msg		 msg;
	struct digest_auth	 auth;
	char			 txn[SIP_MAX_MSG + 64];
	char			 extra[1024];
	char			 out[SIP_MAX_RESPONSE];
	char			 src[INET6_ADDRSTRLEN];
	char			 user[128];	/* a shared listener's key */
	unsigned int		 srcport;
	char			 peer[INET6_ADDRSTRLEN + 8]; /* logs */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
};

static void __attribute__((format(printf, 3, 4)))
sipd_log(struct sipd *s, int prio, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	if (s->cfg.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.arg, prio, buf);
}

static uint64_t
sipd_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/*
 * Count an outcome.  The first of each kind in a period is logged at once
 * with its reason; later ones only in the summary at the period's end
 * (SIPD_LOG_EVERY s), so a flood makes a few lines, not one per datagram.
 */
static void __attribute__((format(printf, 4, 5)))
sipd_note(struct sipd *s, enum sipd_outcome o, int prio, const char *fmt, ...)
{
	struct timeval	tv = { SIPD_LOG_EVERY, 0 };
	char		buf[384];
	va_list		ap;

	if (!event_pending(s->log_ev, EV_TIMEOUT, NULL))
		event_add(s->log_ev, &tv);
	if (s->logged & (1U << o)) {
		s->counts[o]++;
		return;
	}
	s->logged |= 1U << o;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	sipd_log(s, prio, "SIP %s: %s", s->peer, buf);
}

static void
sipd_log_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sipd	*s = arg;
	struct timeval	 tv = { SIPD_LOG_EVERY, 0 };
	char		 buf[512];
	size_t		 i, len = 0;
	int		 prio = LOG_DEBUG, any = 0;

	buf[0] = '\0';
	for (i = 0; i < SIPD_NOUTCOMES; i++) {
		if (s->counts[i] == 0)
			continue;
		any = 1;
		if (i == SIPD_FORBIDDEN)
			prio = LOG_WARNING;
		else if ((i == SIPD_MALFORMED || i == SIPD_DROPPED) &&
		    prio == LOG_DEBUG)
			prio = LOG_INFO;
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lu %s",
		    len > 0 ? ", " : "", s->counts[i], sipd_outcome_names[i]);
		if (len >= sizeof buf)
			len = sizeof buf - 1;
		s->counts[i] = 0;
	}
	/* A quiet period ends the summaries: the next one is logged at once. */
	if (!any) {
		s->logged = 0;
		return;
	}
	sipd_log(s, prio, "SIP: in the last %d s: %s", SIPD_LOG_EVERY, buf);
	event_add(s->log_ev, &tv);
}

/* Send OUT to the request's source, and only there. */
static void
sipd_send(struct sipd *s, size_t len)
{
	if (sendto(s->fd, s->out, len, 0, (struct sockaddr *)&s->ss,
	    s->sslen) == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		sipd_note(s, SIPD_DROPPED, LOG_INFO, "sendto: %s",
		    strerror(errno));
}

/*
 * The request's identity as RFC 3261 §17.2.3 sees it (top Via, Call-ID,
 * CSeq): a retransmission repeats it, so it gives retransmissions the same
 * To tag and lets the digest check tell them from a replay.
 */
static size_t
sipd_txn(struct sipd *s)
{
	const struct sip_msg	*m = &s->msg;
	int			 n;

	n = snprintf(s->txn, sizeof s->txn, "%s\n%s\n%u %s", m->via[0].p,
	    m->call_id.p, m->cseq, m->cseq_method.p);
	if (n < 0)
		return 0;
	return (size_t)n >= sizeof s->txn ? sizeof s->txn - 1 : (size_t)n;
}

/* Reply CODE with the header rows EXTRA (may be NULL). */
static void
sipd_reply(struct sipd *s, int code, const char *extra)
{
	char	tag[17], err[CR_ERRLEN];
	size_t	tlen = sipd_txn(s);
	int	n;

	if (digest_tag(&s->ds, s->txn, tlen, tag) == -1)
		tag[0] = '\0';
	if ((n = sip_response(&s->msg, code, tag, s->src, s->srcport, extra,
	    s->out, sizeof s->out, err)) == -1) {
		sipd_note(s, SIPD_DROPPED, LOG_INFO, "cannot answer %d: %s",
		    code, err);
		return;
	}
	sipd_send(s, (size_t)n);
}

/* 401 with a fresh nonce, MD5 first (spec.md §6), then SHA-256. */
static void
sipd_challenge(struct sipd *s, int stale)
{
	char	nonce[DIGEST_NONCE_LEN + 1], c[256];
	size_t	len = 0;

	if (digest_nonce(&s->ds, sipd_now(), nonce) == -1) {
		sipd_note(s, SIPD_DROPPED, LOG_ERR, "cannot make a nonce");
		return;
	}
	s->extra[0] = '\0';
	if (digest_challenge(&s->ds, DIGEST_MD5, nonce, stale, c,
	    sizeof c) != -1)
		len += (size_t)snprintf(s->extra + len, sizeof s->extra - len,
		    "WWW-Authenticate: %s\r\n", c);
	if (digest_challenge(&s->ds, DIGEST_SHA256, nonce, stale, c,
	    sizeof c) != -1 && len < sizeof s->extra)
		snprintf(s->extra + len, sizeof s->extra - len,
		    "WWW-Authenticate: %s\r\n", c);
	sipd_reply(s, 401, s->extra);
}

static void
sipd_notify(struct sipd *s)
{
	const struct sip_msg	*m = &s->msg;
	const char		*user, *password;
	void			*target = s->cfg.arg;
	char			 err[CR_ERRLEN];
	size_t			 i, tlen;
	int			 found = 0;

	if (m->event.p == NULL || strcasecmp(m->event.p, "report") != 0) {
		sipd_note(s, SIPD_OTHER, LOG_DEBUG,
		    "NOTIFY for event \"%.32s\"", m->event.p != NULL ?
		    m->event.p : "");
		sipd_reply(s, 489, SIPD_EVENTS);
		return;
	}
	if (s->cfg.route != NULL) {
		/* A shared listener: the agent is the one the NOTIFY names. */
		s->user[0] = '\0';
		if ((sip_uri_user(m->uri.p, s->user, sizeof s->user) == -1 &&
		    (m->to.p == NULL || sip_uri_user(m->to.p, s->user,
		    sizeof s->user) == -1)) ||
		    (target = s->cfg.route(s->cfg.arg, s->user)) == NULL) {
			sipd_note(s, SIPD_FORBIDDEN, LOG_INFO, "NOTIFY for no "
			    "agent here (user \"%.64s\")", s->user);
			sipd_reply(s, 404, NULL);
			return;
		}
	}
	if (s->cfg.creds(target, &user, &password) == -1) {
		sipd_note(s, SIPD_FORBIDDEN, LOG_WARNING, "NOTIFY refused: no "
		    "SIP credentials are configured (User_ID_1_, "
		    "Password_1_)");
		sipd_reply(s, 403, NULL);
		return;
	}
	/* The first Digest credentials for our realm; others are not ours. */
	for (i = 0; i < m->nauth && !found; i++) {
		if (digest_parse(m->auth[i].p, m->auth[i].len, &s->auth,
		    err) == -1) {
			sipd_note(s, SIPD_MALFORMED, LOG_INFO, "NOTIFY with a "
			    "bad Authorization: %s", err);
			sipd_reply(s, 400, NULL);
			return;
		}
		found = s->auth.is_digest && s->auth.realm != NULL &&
		    strcmp(s->auth.realm, s->ds.realm) == 0;
	}
	if (!found) {
		sipd_note(s, SIPD_CHALLENGED, LOG_DEBUG, "NOTIFY challenged");
		sipd_challenge(s, 0);
		return;
	}
	tlen = sipd_txn(s);
	switch (digest_verify(&s->ds, &s->auth, m->method.p, user, password,
	    s->txn, tlen, sipd_now(), err)) {
	case DIGEST_ACCEPT:
		sipd_reply(s, 200, NULL);
		sipd_log(s, LOG_INFO, "SIP %s: NOTIFY from %s accepted",
		    s->peer, user);
		/* The reply is out; the scheduler decides when the round is. */
		s->cfg.trigger(target);
		break;
	case DIGEST_RETRANSMIT:
		sipd_reply(s, 200, NULL);
		break;
	case DIGEST_STALE:
		sipd_note(s, SIPD_CHALLENGED, LOG_DEBUG, "NOTIFY with a stale "
		    "nonce: %s", err);
		sipd_challenge(s, 1);
		break;
	case DIGEST_REFUSE:
	default:
		sipd_note(s, SIPD_FORBIDDEN, LOG_WARNING, "NOTIFY refused: %s",
		    err);
		sipd_reply(s, 403, NULL);
		break;
	}
}

/*
 * The source as text; an IPv4-mapped IPv6 address as plain IPv4.  For
 * logs, an IPv6 one in brackets before its port ("[::1]:5060").
 */
static void
sipd_source(struct sipd *s)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	struct in_addr			 v4;

	s->src[0] = '\0';
	s->srcport = 0;
	if (s->ss.ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)&s->ss;
		evutil_inet_ntop(AF_INET, &sin->sin_addr, s->src,
		    sizeof s->src);
		s->srcport = ntohs(sin->sin_port);
	} else if (s->ss.ss_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)&s->ss;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(&v4, &sin6->sin6_addr.s6_addr[12], 4);
			evutil_inet_ntop(AF_INET, &v4, s->src, sizeof s->src);
		} else
			evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, s->src,
			    sizeof s->src);
		s->srcport = ntohs(sin6->sin6_port);
	}
	if (strchr(s->src, ':') != NULL)
		snprintf(s->peer, sizeof s->peer, "[%s]:%u", s->src,
		    s->srcport);
	else
		snprintf(s->peer, sizeof s->peer, "%s:%u", s->src, s->srcport);
}

static void
sipd_handle(struct sipd *s, size_t len)
{
	const struct sip_msg	*m = &s->msg;
	char			 err[CR_ERRLEN];

	sipd_source(s);
	switch (sip_parse(s->in, len, &s->msg, err)) {
	case SIP_OK:
		break;
	case SIP_EBAD:
		/* ACK never gets a response (RFC 3261 §17.2.1). */
		if (m->method.p != NULL && strcmp(m->method.p, "ACK") == 0) {
			sipd_note(s, SIPD_DROPPED, LOG_DEBUG, "bad ACK: %s",
			    err);
			return;
		}
		sipd_note(s, SIPD_MALFORMED, LOG_INFO, "malformed: %s", err);
		sipd_reply(s, 400, NULL);
		return;
	case SIP_EVERSION:
		sipd_note(s, SIPD_MALFORMED, LOG_INFO, "%s", err);
		sipd_reply(s, 505, NULL);
		return;
	case SIP_EDROP:
	default:
		sipd_note(s, SIPD_DROPPED, LOG_DEBUG, "dropped: %s", err);
		return;
	}

	if (strcmp(m->method.p, "NOTIFY") == 0)
		sipd_notify(s);
	else if (strcmp(m->method.p, "OPTIONS") == 0)
		sipd_reply(s, 200, SIPD_ALLOW SIPD_EVENTS);
	else if (strcmp(m->method.p, "ACK") == 0)
		return;
	else if (strcmp(m->method.p, "CANCEL") == 0) {
		/* Every transaction here is over once answered. */
		sipd_note(s, SIPD_OTHER, LOG_DEBUG, "CANCEL");
		sipd_reply(s, 481, NULL);
	} else {
		sipd_note(s, SIPD_OTHER, LOG_DEBUG, "method %.32s not allowed",
		    m->method.p);
		sipd_reply(s, 405, SIPD_ALLOW);
	}
}

static void
sipd_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sipd	*s = arg;
	ssize_t		 n;
	int		 i;

	/* Level-triggered: what is left wakes the loop again, after others. */
	for (i = 0; i < SIPD_BURST; i++) {
		s->sslen = sizeof s->ss;
		n = recvfrom(fd, s->in, sizeof s->in, 0,
		    (struct sockaddr *)&s->ss, &s->sslen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR) {
				s->src[0] = '\0';
				snprintf(s->peer, sizeof s->peer, "socket");
				sipd_note(s, SIPD_DROPPED, LOG_WARNING,
				    "recvfrom: %s", strerror(errno));
			}
			return;
		}
		if ((size_t)n > SIP_MAX_MSG) {
			sipd_source(s);
			sipd_note(s, SIPD_DROPPED, LOG_DEBUG, "dropped: larger "
			    "than %d bytes", SIP_MAX_MSG);
			continue;
		}
		sipd_handle(s, (size_t)n);
	}
}

static int
sipd_bind(struct sipd *s, char *err)
{
	struct addrinfo		 hints, *res = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof ss;
	const char		*addr = s->cfg.addr != NULL ? s->cfg.addr :
				    "0.0.0.0";
	char			 port[16];
	int			 rv;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof port, "%d", s->cfg.port);
	if ((rv = getaddrinfo(addr, port, &hints, &res)) != 0) {
		cr_seterr(err, "SIP address %s: %s", addr, gai_strerror(rv));
		return -1;
	}
	s->fd = socket(res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->fd == -1 || bind(s->fd, res->ai_addr, res->ai_addrlen) == -1) {
		cr_seterr(err, "SIP socket on %s port %d: %s", addr,
		    s->cfg.port, strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sslen) == -1) {
		cr_seterr(err, "SIP socket: getsockname: %s", strerror(errno));
		return -1;
	}
	s->port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

struct sipd *
sipd_new(struct event_base *base, const struct sipd_config *cfg, char *err)
{
	struct sipd	*s;
	WC_RNG		 rng;
	uint8_t		 secret[DIGEST_SECRET_LEN];
	int		 rv;

	if (cfg->creds == NULL || cfg->trigger == NULL || cfg->port < 0 ||
	    cfg->port > 65535) {
		cr_seterr(err, "SIP: bad configuration");
		return NULL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		cr_seterr(err, "out of memory");
		return NULL;
	}
	s->base = base;
	s->cfg = *cfg;
	s->fd = -1;

	/* The nonce and tag key: per agent, never stored, never logged. */
	if (wc_InitRng(&rng) != 0) {
		cr_seterr(err, "wolfSSL: cannot initialise the random "
		    "generator");
		goto fail;
	}
	rv = wc_RNG_GenerateBlock(&rng, secret, sizeof secret);
	wc_FreeRng(&rng);
	if (rv != 0) {
		cr_seterr(err, "wolfSSL: no random bytes for the SIP secret");
		goto fail;
	}
	rv = digest_server_init(&s->ds, SIPD_REALM, secret, err);
	crypt_wipe(secret, sizeof secret);
	if (rv == -1)
		goto fail;

	if (sipd_bind(s, err) == -1)
		goto fail;
	if ((s->read_ev = event_new(base, s->fd, EV_READ | EV_PERSIST,
	    sipd_read_cb, s)) == NULL ||
	    (s->log_ev = evtimer_new(base, sipd_log_cb, s)) == NULL ||
	    event_add(s->read_ev, NULL) == -1) {
		cr_seterr(err, "SIP: cannot create its events");
		goto fail;
	}
	return s;
fail:
	sipd_free(s);
	return NULL;
}

void
sipd_free(struct sipd *s)
{
	if (s == NULL)
		return;
	if (s->read_ev != NULL)
		event_free(s->read_ev);
	if (s->log_ev != NULL)
		event_free(s->log_ev);
	if (s->fd != -1)
		close(s->fd);
	digest_server_clear(&s->ds);
	/* The last request's credentials may still be in the scratch. */
	crypt_wipe(&s->auth, sizeof s->auth);
	crypt_wipe(s->in, sizeof s->in);
	free(s);
}

int
sipd_port(const struct sipd *s)
{
	return s->port;
}
