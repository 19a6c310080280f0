/*
 * agent.c — one configuration-report agent on a caller's event_base: the
 * durable configuration, the status values, the plan of destinations, the
 * triggers (start-up, periodic, local change, request) and the uploads.
 *
 * Everything lives in struct cfgreport, so a host may run several agents
 * on one loop.  Timers live in the structs that own them and are re-armed
 * with event_del + event_add; work is never done from inside a libcurl
 * callback (transfer.c calls back from the loop).
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include <event2/event.h>

#include "proto.h"
#include "agent.h"
#include "cfgreport.h"

#define AGENT_BACKOFF_MIN	30	/* seconds, spec.md §8 */
#define AGENT_BACKOFF_MAX	3600
#define AGENT_ECE_RS		4096

struct dest {
	struct cfgreport	*agent;
	char			*key;		/* "KIND URL": names its baseline */
	struct rule_entry	 e;		/* resolved, our own copies */
	struct transfer		*xfer;		/* in flight, or NULL */
	struct event		*retry_ev;
	int			 follow_up;	/* a trigger came in meanwhile */
	int			 explicit_round; /* send an empty delta too */
	uint64_t		 sent_seq;	/* what the delta in flight covers */
	unsigned		 failures;	/* in a row, for the back-off */
	time_t			 last_time;	/* wall clock of the last attempt */
	char			 last_result[CR_ERRLEN + 64];
};

struct cfgreport {
	struct event_base	*base;
	struct store		*store;
	struct params		*status;	/* pushed by status-set */
	struct transfer_ctx	*xfer;
	struct agent_ctl	*ctl;
	struct sipd		*sip;		/* NULL: SIP disabled */
	WC_RNG			 rng;
	int			 rng_ok;

	char			*profile_path;
	uint8_t			 mac[6];
	char			 ip[INET6_ADDRSTRLEN];
	double			 scale;
	int			 verbose;
	cfgreport_log_fn	 log;
	void			*log_arg;

	struct dest		*dests[RULE_MAX_ENTRIES];
	size_t			 ndests;
	char			 plan_error[CR_ERRLEN];

	struct event		*startup_ev;
	struct event		*periodic_ev;
	struct event		*local_ev;
	long			 periodic_interval; /* armed with; 0: off */
	double			 periodic_grid;	/* agent time of the next slot */
	long			 local_delay;	/* armed with; 0: off */
	struct timespec		 started;	/* monotonic, for Uptime */

	int			 stopping;
	struct event		*stop_ev;
	void			(*stop_done)(void *);
	void			*stop_arg;
};

static void	agent_round(struct cfgreport *, unsigned, int, const char *);
static void	dest_upload(struct dest *);

/* Logging through the host's callback; never a secret in FMT's args. */
static void __attribute__((format(printf, 3, 4)))
agent_log(struct cfgreport *a, int prio, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	if (a->log == NULL || (prio == LOG_DEBUG && !a->verbose))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	a->log(a->log_arg, prio, buf);
}

static uint32_t
agent_random(struct cfgreport *a)
{
	uint32_t	r = 0;

	/* A failed draw leaves 0: no spread, never a fallback source. */
	if (wc_RNG_GenerateBlock(&a->rng, (byte *)&r, sizeof r) != 0)
		r = 0;
	return r;
}

/* A uniformly random whole number of seconds in [0, MAX]. */
static long
agent_spread(struct cfgreport *a, long max)
{
	if (max <= 0)
		return 0;
	return (long)(agent_random(a) % ((uint32_t)max + 1));
}

/* SECONDS of agent time as a libevent delay (time_scale applied). */
static struct timeval
agent_delay(struct cfgreport *a, double seconds)
{
	struct timeval	tv;
	double		s = seconds * a->scale;

	if (s < 0)
		s = 0;
	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* Monotonic agent time in seconds (time_scale applied). */
static double
agent_now(const struct cfgreport *a)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9) / a->scale;
}

static void
agent_arm(struct cfgreport *a, struct event *ev, double seconds)
{
	struct timeval	tv = agent_delay(a, seconds);

	event_del(ev);
	event_add(ev, &tv);
}

/* Seconds until EV fires, or -1 when it is not armed. */
static long
agent_remaining(struct cfgreport *a, const struct event *ev)
{
	struct timeval	when, now;

	if (ev == NULL || !event_pending(ev, EV_TIMEOUT, &when))
		return -1;
	event_base_gettimeofday_cached(a->base, &now);
	if (timercmp(&when, &now, <))
		return 0;
	return (long)((when.tv_sec - now.tv_sec) / (a->scale > 0 ? a->scale : 1));
}

static const struct params *
agent_params(const struct cfgreport *a)
{
	return store_params(a->store);
}

static long
agent_setting_long(const struct cfgreport *a, const char *name)
{
	const char	*v = settings_get(agent_params(a), name);

	return v != NULL ? strtol(v, NULL, 10) : 0;
}

static int
agent_mode_is(const struct cfgreport *a, const char *mode)
{
	const char	*v = settings_get(agent_params(a), "Report_To_Server");

	return v != NULL && strcasecmp(v, mode) == 0;
}

/* --- destinations ------------------------------------------------------ */

/* Free an entry's copies, wiping its secrets first. */
static void
dest_entry_clear(struct rule_entry *e)
{
	if (e->key != NULL)
		crypt_wipe(e->key, strlen(e->key));
	if (e->pwd != NULL)
		crypt_wipe(e->pwd, strlen(e->pwd));
	free(e->url);
	free(e->key);
	free(e->uid);
	free(e->pwd);
	memset(e, 0, sizeof *e);
}

static void
dest_free(struct dest *d)
{
	if (d == NULL)
		return;
	if (d->xfer != NULL)
		transfer_cancel(d->xfer);
	if (d->retry_ev != NULL)
		event_free(d->retry_ev);
	dest_entry_clear(&d->e);
	free(d->key);
	free(d);
}

static void
dest_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct dest	*d = arg;

	dest_upload(d);
}

/*
 * Take over a resolved entry: a destination with the same key keeps its
 * state (in-flight transfer, back-off, last result); others are new.
 */
static struct dest *
dest_new(struct cfgreport *a, struct rule_entry *e)
{
	struct dest	*d;

	if ((d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	d->agent = a;
	if (asprintf(&d->key, "%s %s", report_kind_name(e->kind),
	    e->url) == -1) {
		free(d);
		return NULL;
	}
	if ((d->retry_ev = evtimer_new(a->base, dest_retry_cb, d)) == NULL) {
		free(d->key);
		free(d);
		return NULL;
	}
	d->e = *e;
	memset(e, 0, sizeof *e);
	snprintf(d->last_result, sizeof d->last_result, "never attempted");
	return d;
}

/* New settings (credentials, key) for a destination that stays. */
static void
dest_update(struct dest *d, struct rule_entry *e)
{
	dest_entry_clear(&d->e);
	d->e = *e;
	memset(e, 0, sizeof *e);
}

/*
 * Rebuild the destinations from the current Report Rule, macros and
 * status values.  Called before every round and after every batch, so a
 * changed rule takes effect at once.
 */
static void
agent_replan(struct cfgreport *a)
{
	struct macro_env	 env;
	struct rule		 r;
	struct dest		*next[RULE_MAX_ENTRIES];
	const char		*keys[RULE_MAX_ENTRIES];
	char			 err[CR_ERRLEN], key[8192];
	size_t			 i, j, n = 0, nkeys = 0;

	memset(&env, 0, sizeof env);
	env.mac = a->mac;
	env.ip = a->ip[0] != '\0' ? a->ip : NULL;
	env.params = agent_params(a);
	env.status = a->status;
	if (config_plan(agent_params(a), &env, &r, err) == -1) {
		if (strcmp(err, a->plan_error) != 0)
			agent_log(a, LOG_ERR, "%s; no reports until it is "
			    "fixed", err);
		snprintf(a->plan_error, sizeof a->plan_error, "%s", err);
		r.n = 0;
	} else
		a->plan_error[0] = '\0';

	memset(next, 0, sizeof next);
	for (i = 0; i < r.n; i++) {
		snprintf(key, sizeof key, "%s %s",
		    report_kind_name(r.e[i].kind), r.e[i].url);
		for (j = 0; j < a->ndests; j++) {
			if (a->dests[j] != NULL &&
			    strcmp(a->dests[j]->key, key) == 0) {
				next[n] = a->dests[j];
				a->dests[j] = NULL;
				dest_update(next[n], &r.e[i]);
				break;
			}
		}
		if (next[n] == NULL &&
		    (next[n] = dest_new(a, &r.e[i])) == NULL) {
			agent_log(a, LOG_ERR, "%s: out of memory", __func__);
			continue;
		}
		n++;
	}
	rule_clear(&r);
	for (j = 0; j < a->ndests; j++)
		dest_free(a->dests[j]);
	memcpy(a->dests, next, sizeof next);
	a->ndests = n;

	for (i = 0; i < n; i++)
		if (a->dests[i]->e.kind == REPORT_DELTA)
			keys[nkeys++] = a->dests[i]->key;
	if (store_dest_retain(a->store, keys, nkeys, err) == -1)
		agent_log(a, LOG_ERR, "state: %s", err);
}

/*
 * The names a delta to D would hold now, as a name list; *SEQ gets the
 * change number the delta covers.
 */
static struct params *
dest_delta_names(struct dest *d, uint64_t *seq)
{
	struct params	*names;
	char		 err[CR_ERRLEN];

	if ((names = store_delta_names(d->agent->store, d->key, seq,
	    err)) == NULL)
		agent_log(d->agent, LOG_ERR, "state: %s", err);
	return names;
}

static void
agent_iso_time(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The agent's own status values, then what status-set pushed. */
static struct params *
agent_status_values(struct cfgreport *a)
{
	struct params	*s;
	struct timespec	 now;
	char		 buf[256], name[64];
	size_t		 i;

	if ((s = params_new()) == NULL)
		return NULL;
	snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", a->mac[0],
	    a->mac[1], a->mac[2], a->mac[3], a->mac[4], a->mac[5]);
	params_set(s, "MAC_Address", buf, UA_NONE, NULL);
	params_set(s, "Current_IP", a->ip, UA_NONE, NULL);
	if (gethostname(buf, sizeof buf) == 0) {
		buf[sizeof buf - 1] = '\0';
		params_set(s, "Host_Name", buf, UA_NONE, NULL);
	}
	params_set(s, "Agent_Version", PACKAGE_VERSION, UA_NONE, NULL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(buf, sizeof buf, "%lld",
	    (long long)(now.tv_sec - a->started.tv_sec));
	params_set(s, "Uptime", buf, UA_NONE, NULL);
	agent_iso_time(time(NULL), buf, sizeof buf);
	params_set(s, "Current_Time", buf, UA_NONE, NULL);
	for (i = 0; i < a->ndests; i++) {
		struct dest	*d = a->dests[i];

		snprintf(name, sizeof name, "Report_%zu_Destination", i + 1);
		params_set(s, name, d->key, UA_NONE, NULL);
		snprintf(name, sizeof name, "Report_%zu_Last_Upload", i + 1);
		if (d->last_time != 0)
			agent_iso_time(d->last_time, buf, sizeof buf);
		else
			snprintf(buf, sizeof buf, "never");
		params_set(s, name, buf, UA_NONE, NULL);
		snprintf(name, sizeof name, "Report_%zu_Last_Result", i + 1);
		params_set(s, name, d->last_result, UA_NONE, NULL);
	}
	for (i = 0; i < params_count(a->status); i++) {
		const struct param *p = params_at(a->status, i);

		params_set(s, p->name, p->value, UA_NONE, NULL);
	}
	return s;
}

/* What dest_encode streams a report into. */
struct dest_enc {
	struct osslenc	*o;		/* --key */
	struct ece	*e;		/* the IKM */
	struct crypt_buf body;		/* reserved at its final size */
	char		 why[CR_ERRLEN]; /* the encoder's error */
	int		 enc_failed;
};

/* The report's pieces go through the encoder, else into the body. */
static int
dest_sink(void *arg, const char *p, size_t len)
{
	struct dest_enc	*x = arg;
	int		 rv;

	if (x->o != NULL)
		rv = osslenc_update(x->o, p, len, x->why);
	else if (x->e != NULL)
		rv = ece_update(x->e, p, len, x->why);
	else
		return crypt_buf_sink(&x->body, (const uint8_t *)p, len);
	if (rv != 0)
		x->enc_failed = 1;
	return rv;
}

/* D's report over SET (a delta's names in NAMES) to SINK; NULL measures. */
static int
dest_write(struct dest *d, const struct params *set,
    const struct params *names, profile_sink_fn sink, void *arg,
    size_t *len)
{
	switch (d->e.kind) {
	case REPORT_FULL:
		return report_full_write(set, sink, arg, len);
	case REPORT_DELTA:
		return report_delta_write(set, names, sink, arg, len);
	case REPORT_STATUS:
	default:
		return report_status_write(set, sink, arg, len);
	}
}

/*
 * Write D's report (over SET; a delta's names in NAMES), encrypted per the
 * entry, straight into REQ's body as mxml writes it: no copy of the whole
 * plaintext ever exists.  The report is measured first (a second pass of
 * the writer) so that the body is one block of its exact final size,
 * reserved before anything is written: growing it instead would hold the
 * old and the new block at once, over twice the report at the last step.
 * Besides the body only one element of the report and one block or
 * record of the encoder are alive.
 */
static int
dest_encode(struct dest *d, const struct params *set,
    const struct params *names, struct transfer_req *req, char *err)
{
	struct dest_enc	 x;
	const char	*ikm;
	uint8_t		*key;
	size_t		 len, keylen, outlen;
	int		 rv = -1;

	memset(&x, 0, sizeof x);
	req->content_type = "application/xml";
	req->content_encoding = NULL;
	if (dest_write(d, set, names, NULL, NULL, &len) == -1) {
		cr_seterr(err, "out of memory building the report");
		return -1;
	}
	if (d->e.key != NULL) {
		outlen = osslenc_encoded_len(len);
		if ((x.o = osslenc_enc_new(d->e.key, strlen(d->e.key),
		    d->e.md, NULL, crypt_buf_sink, &x.body, x.why)) == NULL)
			goto encfail;
		req->content_type = "application/octet-stream";
	} else if ((ikm = settings_get(agent_params(d->agent),
	    "IKM_HTTP_Encrypt_Content")) != NULL && *ikm != '\0') {
		if ((key = b64_decode(ikm, strlen(ikm), &keylen,
		    x.why)) == NULL)
			goto encfail;
		outlen = ece_encoded_len(len, AGENT_ECE_RS, 0);
		x.e = ece_enc_new(key, keylen, NULL, AGENT_ECE_RS, NULL, 0,
		    crypt_buf_sink, &x.body, x.why);
		crypt_wipe(key, keylen);
		free(key);
		if (x.e == NULL)
			goto encfail;
		req->content_encoding = "aes128gcm";
	} else
		outlen = len;
	if (crypt_buf_reserve(&x.body, outlen) != 0) {
		cr_seterr(err, "out of memory for the report's %zu bytes",
		    outlen);
		goto out;
	}
	if (dest_write(d, set, names, dest_sink, &x, NULL) == -1) {
		if (x.enc_failed)
			goto encfail;
		cr_seterr(err, "out of memory building the report");
		goto out;
	}
	if ((x.o != NULL && osslenc_final(x.o, x.why) != 0) ||
	    (x.e != NULL && ece_final(x.e, x.why) != 0))
		goto encfail;
	/* Same data both times: a mismatch is a bug, not a report. */
	if (x.body.len != outlen) {
		cr_seterr(err, "the report was %zu bytes, not the %zu "
		    "measured", x.body.len, outlen);
		goto out;
	}
	req->body = x.body.data;
	req->len = x.body.len;
	memset(&x.body, 0, sizeof x.body);
	rv = 0;
	goto out;
encfail:
	cr_seterr(err, "encryption: %s", x.why);
out:
	osslenc_free(x.o);
	ece_free(x.e);
	crypt_buf_clear(&x.body);
	return rv;
}

static void
dest_schedule_retry(struct dest *d)
{
	struct cfgreport	*a = d->agent;
	double			 delay = AGENT_BACKOFF_MIN, jitter;
	unsigned		 i;

	for (i = 1; i < d->failures && delay < AGENT_BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > AGENT_BACKOFF_MAX)
		delay = AGENT_BACKOFF_MAX;
	/* ±20 %, so a fleet that failed together does not retry together. */
	jitter = 0.8 + 0.4 * (double)(agent_random(a) % 10001) / 10000.0;
	delay *= jitter;
	agent_arm(a, d->retry_ev, delay);
	agent_log(a, LOG_DEBUG, "%s: retry %u in %.0f s", d->key, d->failures,
	    delay);
}

static void agent_stop_check(struct cfgreport *);

static void
dest_done(void *arg, const struct transfer_result *res)
{
	struct dest		*d = arg;
	struct cfgreport	*a = d->agent;
	char			 err[CR_ERRLEN];

	d->xfer = NULL;
	if (res->ok)
		snprintf(d->last_result, sizeof d->last_result, "ok (%s%ld)",
		    res->http_code != 0 ? "HTTP " : "tftp ", res->http_code);
	else
		snprintf(d->last_result, sizeof d->last_result, "failed: %s",
		    res->error);
	agent_log(a, res->ok ? LOG_INFO : LOG_WARNING,
	    "upload %s: %s, %zu bytes, %.3f s", d->key, d->last_result,
	    res->bytes, res->seconds);
	if (res->ok) {
		d->failures = 0;
		if (d->e.kind == REPORT_DELTA && store_dest_ack(a->store,
		    d->key, d->sent_seq, err) == -1)
			/* The next delta repeats these changes: nothing lost. */
			agent_log(a, LOG_ERR, "state: %s", err);
	} else
		d->failures++;
	if (a->stopping) {
		agent_stop_check(a);
		return;
	}
	if (!res->ok) {
		/* The retry builds from fresh data: it serves a follow-up too. */
		d->follow_up = 0;
		dest_schedule_retry(d);
	} else {
		d->explicit_round = 0;
		if (d->follow_up) {
			d->follow_up = 0;
			dest_upload(d);
		}
	}
	/*
	 * The round's last transfer is over, and with it the round's peak
	 * (the body, curl's buffers, the report's pieces).  glibc keeps
	 * freed memory resident and gives back only the top of its heap,
	 * so an agent idling for an hour after a round would hold the
	 * round's peak: malloc_trim(0) returns every free page.
	 */
#ifdef HAVE_MALLOC_TRIM
	if (transfer_count(a->xfer) == 0)
		malloc_trim(0);
#endif
}

/* Build, encrypt and hand to curl one report for D, from fresh data. */
static void
dest_upload(struct dest *d)
{
	struct cfgreport	*a = d->agent;
	struct transfer_req	 req;
	const struct params	*set = agent_params(a);
	struct params		*vals = NULL, *names = NULL;
	const char		*method;
	char			 err[CR_ERRLEN];
	int			 rv;

	event_del(d->retry_ev);
	if (a->stopping)
		return;
	switch (d->e.kind) {
	case REPORT_FULL:
		break;
	case REPORT_DELTA:
		if ((names = dest_delta_names(d, &d->sent_seq)) == NULL)
			return;
		if (params_count(names) == 0 && !d->explicit_round) {
			agent_log(a, LOG_DEBUG, "%s: nothing changed", d->key);
			params_free(names);
			return;
		}
		break;
	case REPORT_STATUS:
	default:
		set = vals = agent_status_values(a);
		break;
	}
	d->last_time = time(NULL);
	if (set == NULL) {
		snprintf(d->last_result, sizeof d->last_result,
		    "failed: out of memory building the report");
		goto fail;
	}
	memset(&req, 0, sizeof req);
	req.url = d->e.url;
	method = settings_get(agent_params(a), "HTTP_Report_Method");
	req.method = method != NULL && strcasecmp(method, "PUT") == 0 ?
	    TRANSFER_PUT : TRANSFER_POST;
	req.user = d->e.uid;
	req.password = d->e.pwd;
	rv = dest_encode(d, set, names, &req, err);
	params_free(vals);
	params_free(names);
	if (rv == -1) {
		snprintf(d->last_result, sizeof d->last_result, "failed: %s",
		    err);
		goto fail;
	}
	if ((d->xfer = transfer_start(a->xfer, &req, dest_done, d,
	    err)) == NULL) {
		snprintf(d->last_result, sizeof d->last_result, "failed: %s",
		    err);
		goto fail;
	}
	agent_log(a, LOG_DEBUG, "upload %s: started, %zu bytes", d->key,
	    req.len);
	return;
fail:
	agent_log(a, LOG_WARNING, "upload %s: %s", d->key, d->last_result);
	d->failures++;
	dest_schedule_retry(d);
}

/* --- rounds and triggers ----------------------------------------------- */

static unsigned
agent_kind_bit(enum report_kind k)
{
	switch (k) {
	case REPORT_FULL:	return CFGREPORT_FULL;
	case REPORT_DELTA:	return CFGREPORT_DELTA;
	default:		return CFGREPORT_STATUS;
	}
}

/*
 * A round: every destination whose kind is in KINDS uploads now, or, when
 * one is in flight, once more when it is done (coalesced, fresh data).  An
 * EXPLICIT round sends a delta even when nothing changed.
 */
static void
agent_round(struct cfgreport *a, unsigned kinds, int explicit_req,
    const char *why)
{
	struct dest	*d;
	size_t		 i;

	if (a->stopping)
		return;
	agent_replan(a);
	agent_log(a, LOG_DEBUG, "round (%s): %zu destination(s)", why,
	    a->ndests);
	for (i = 0; i < a->ndests; i++) {
		d = a->dests[i];
		if (kinds != 0 && (kinds & agent_kind_bit(d->e.kind)) == 0)
			continue;
		d->explicit_round |= explicit_req;
		if (d->xfer != NULL) {
			d->follow_up = 1;
			continue;
		}
		/* A newer round supersedes a scheduled retry. */
		dest_upload(d);
	}
}

static void
agent_startup_cb(evutil_socket_t fd, short ev, void *arg)
{
	agent_round(arg, 0, 0, "start-up");
}

/*
 * Rounds sit on a fixed grid of the interval on the monotonic clock, each
 * spread by [0, Report_Random_Delay] within its slot, so the spread never
 * accumulates into drift.  RESTART starts the grid now (a new interval or
 * mode); a grid left behind (a suspended device) restarts too.
 */
static void
agent_periodic_arm(struct cfgreport *a, int restart)
{
	double	now = agent_now(a);

	if (restart || a->periodic_grid + (double)a->periodic_interval < now)
		a->periodic_grid = now;
	a->periodic_grid += (double)a->periodic_interval;
	agent_arm(a, a->periodic_ev, a->periodic_grid - now +
	    (double)agent_spread(a, agent_setting_long(a,
	    "Report_Random_Delay")));
}

static void
agent_periodic_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct cfgreport	*a = arg;

	agent_periodic_arm(a, 0);
	agent_round(a, 0, 0, "periodic");
}

static void
agent_local_cb(evutil_socket_t fd, short ev, void *arg)
{
	agent_round(arg, 0, 0, "local change");
}

/*
 * Bring the periodic and local-change timers in line with the settings:
 * a changed mode or interval re-arms at once; unchanged ones keep running.
 */
static void
agent_settings_changed(struct cfgreport *a)
{
	long	interval = 0, delay = 0;

	if (a->stopping)
		return;
	if (agent_mode_is(a, "Periodically"))
		interval = agent_setting_long(a, "Periodic_Upload_To_Server");
	if (interval != a->periodic_interval) {
		a->periodic_interval = interval;
		event_del(a->periodic_ev);
		if (interval > 0)
			agent_periodic_arm(a, 1);
	}
	if (agent_mode_is(a, "On Local Change"))
		delay = agent_setting_long(a, "Upload_Delay_On_Local_Change");
	if (delay != a->local_delay) {
		/* A pending local-change report keeps its place, re-timed. */
		int pending = event_pending(a->local_ev, EV_TIMEOUT, NULL);

		a->local_delay = delay;
		event_del(a->local_ev);
		if (pending && delay > 0)
			agent_arm(a, a->local_ev, (double)delay);
	}
}

/* --- batches ------------------------------------------------------------ */

/* Apply BATCH durably; afterwards re-plan, re-time and maybe arm. */
static int
agent_apply(struct cfgreport *a, const struct params *batch,
    enum cfgreport_source source, char *err)
{
	struct params	*changed;

	if (a->stopping) {
		cr_seterr(err, "the agent is shutting down");
		return -1;
	}
	if ((changed = params_new()) == NULL) {
		cr_seterr(err, "out of memory");
		return -1;
	}
	if (store_apply(a->store, batch, changed, err) == -1) {
		params_free(changed);
		return -1;
	}
	if (params_count(changed) > 0) {
		agent_log(a, LOG_INFO, "%s batch: %zu change(s)",
		    source == CFGREPORT_LOCAL ? "local" : "provisioning",
		    params_count(changed));
		agent_settings_changed(a);
		agent_replan(a);
		if (source == CFGREPORT_LOCAL && a->local_delay > 0 &&
		    !event_pending(a->local_ev, EV_TIMEOUT, NULL))
			agent_arm(a, a->local_ev, (double)a->local_delay);
	}
	params_free(changed);
	/*
	 * A batch peaks at a copy of every parameter and the encoded state
	 * (docs/store.md); give what glibc would keep of it back, as after
	 * a round (dest_done).
	 */
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
	return 0;
}

/* NAMES[i]=VALUES[i] into a new params set; values are trimmed as on load. */
static struct params *
agent_batch(size_t n, const char *const *names, const char *const *values,
    char *err)
{
	struct params	*b;
	const char	*v, *end;
	char		*copy, why[CR_ERRLEN];
	size_t		 i;

	if ((b = params_new()) == NULL) {
		cr_seterr(err, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		for (v = values[i]; *v == ' ' || *v == '\t' || *v == '\n' ||
		    *v == '\r'; v++)
			;
		end = v + strlen(v);
		while (end > v && (end[-1] == ' ' || end[-1] == '\t' ||
		    end[-1] == '\n' || end[-1] == '\r'))
			end--;
		if ((copy = strndup(v, (size_t)(end - v))) == NULL) {
			cr_seterr(err, "out of memory");
			params_free(b);
			return NULL;
		}
		if (params_set(b, names[i], copy, UA_NONE, why) == -1) {
			free(copy);
			cr_seterr(err, "%s", why);
			params_free(b);
			return NULL;
		}
		free(copy);
	}
	return b;
}

int
cfgreport_set(struct cfgreport *a, enum cfgreport_source source, size_t n,
    const char *const *names, const char *const *values, char *err)
{
	struct params	*b;
	int		 rv;

	if ((b = agent_batch(n, names, values, err)) == NULL)
		return -1;
	rv = agent_apply(a, b, source, err);
	params_free(b);
	return rv;
}

static void
agent_warn_cb(void *arg, const char *msg)
{
	agent_log(arg, LOG_WARNING, "%s", msg);
}

int
cfgreport_import(struct cfgreport *a, const char *xml, size_t len, char *err)
{
	struct params	*b;
	int		 rv;

	if ((b = profile_parse(xml, len, agent_warn_cb, a, err)) == NULL)
		return -1;
	rv = agent_apply(a, b, CFGREPORT_PROVISIONING, err);
	params_free(b);
	return rv;
}

int
cfgreport_status_set(struct cfgreport *a, size_t n, const char *const *names,
    const char *const *values, char *err)
{
	struct params	*b, *copy;

	if ((b = agent_batch(n, names, values, err)) == NULL)
		return -1;
	if ((copy = params_dup(a->status)) == NULL ||
	    params_apply(copy, b, NULL, err) == -1) {
		if (copy == NULL)
			cr_seterr(err, "out of memory");
		params_free(copy);
		params_free(b);
		return -1;
	}
	params_free(b);
	params_free(a->status);
	a->status = copy;
	/* DHCP option 66 or a macro's source may have changed. */
	agent_replan(a);
	return 0;
}

int
cfgreport_report(struct cfgreport *a, unsigned kinds, char *err)
{
	if (a->stopping) {
		cr_seterr(err, "the agent is shutting down");
		return -1;
	}
	agent_replan(a);
	if (a->ndests == 0) {
		cr_seterr(err, "%s", a->plan_error[0] != '\0' ? a->plan_error :
		    "the Report Rule is empty: nothing to report");
		return -1;
	}
	agent_round(a, kinds, 1, "request");
	return 0;
}

/* --- reading state ------------------------------------------------------ */

/* VALUE of P as a report would show it: secrets masked, rules masked. */
static char *
agent_shown_value(const char *name, const char *value)
{
	const char	*shown;
	char		*owned;

	if (value == NULL)
		return strdup("");
	if ((shown = profile_shown(name, value, &owned)) == NULL)
		return NULL;
	return owned != NULL ? owned : strdup(shown);
}

char *
cfgreport_get(struct cfgreport *a, size_t n, const char *const *names,
    char *err)
{
	const struct param	*p;
	const char		*v;
	char			*out = NULL, *shown, *next;
	size_t			 i;

	if ((out = strdup("")) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		p = params_find(agent_params(a), names[i]);
		v = p != NULL ? p->value : settings_default(names[i]);
		if (p == NULL && v == NULL) {
			cr_seterr(err, "%s: no such parameter", names[i]);
			free(out);
			return NULL;
		}
		if ((shown = agent_shown_value(names[i], v)) == NULL)
			goto oom;
		if (asprintf(&next, "%s%s=%s\n", out, p != NULL ? p->name :
		    names[i], shown) == -1) {
			free(shown);
			goto oom;
		}
		free(shown);
		free(out);
		out = next;
	}
	return out;
oom:
	free(out);
	cr_seterr(err, "out of memory");
	return NULL;
}

char *
cfgreport_dump(struct cfgreport *a)
{
	size_t	len;

	return report_full(agent_params(a), &len);
}

static void
agent_info_deadline(struct cfgreport *a, FILE *f, const char *what,
    const struct event *ev)
{
	long	s = agent_remaining(a, ev);

	if (s >= 0)
		fprintf(f, "next %s in %ld s\n", what, s);
}

char *
cfgreport_info(struct cfgreport *a)
{
	struct dest	*d;
	const char	*mode;
	char		*buf = NULL, when[64];
	size_t		 len = 0, i;
	FILE		*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	agent_replan(a);
	fprintf(f, "mac %02x:%02x:%02x:%02x:%02x:%02x\n", a->mac[0],
	    a->mac[1], a->mac[2], a->mac[3], a->mac[4], a->mac[5]);
	mode = settings_get(agent_params(a), "Report_To_Server");
	fprintf(f, "mode %s\n", mode != NULL ? mode : "On Request");
	if (a->plan_error[0] != '\0')
		fprintf(f, "error %s\n", a->plan_error);
	agent_info_deadline(a, f, "start-up", a->startup_ev);
	agent_info_deadline(a, f, "periodic", a->periodic_ev);
	agent_info_deadline(a, f, "local-change", a->local_ev);
	for (i = 0; i < a->ndests; i++) {
		d = a->dests[i];
		fprintf(f, "destination %zu %s %s\n", i + 1, d->key,
		    config_encryption(agent_params(a), &d->e));
		if (d->last_time != 0) {
			agent_iso_time(d->last_time, when, sizeof when);
			fprintf(f, "  last-attempt %s\n", when);
		} else
			fprintf(f, "  last-attempt never\n");
		fprintf(f, "  last-result %s\n", d->last_result);
		fprintf(f, "  in-flight %s\n", d->xfer != NULL ? "yes" : "no");
		if (d->e.kind == REPORT_DELTA)
			fprintf(f, "  pending-changes %zu\n",
			    store_dest_pending(a->store, d->key));
		if (agent_remaining(a, d->retry_ev) >= 0)
			fprintf(f, "  next-retry in %ld s (failures %u)\n",
			    agent_remaining(a, d->retry_ev), d->failures);
		else
			fprintf(f, "  next-retry none\n");
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* --- SIP NOTIFY (sipd.c) ------------------------------------------------- */

/*
 * The line's account (spec.md §2), read at every request so a change takes
 * effect at once: Auth_ID_1_ when Use_Auth_ID_1_ is Yes, else
 * User_ID_1_, with Password_1_.  An empty user or password is no
 * credentials at all: then no NOTIFY is ever accepted.
 */
static int
agent_sip_creds(void *arg, const char **user, const char **password)
{
	struct cfgreport	*a = arg;
	const struct params	*p = agent_params(a);
	const char		*use = settings_get(p, "Use_Auth_ID_1_");

	*user = settings_get(p, use != NULL && strcasecmp(use, "Yes") == 0 ?
	    "Auth_ID_1_" : "User_ID_1_");
	*password = settings_get(p, "Password_1_");
	if (*user == NULL || **user == '\0' || *password == NULL ||
	    **password == '\0')
		return -1;
	return 0;
}

static void
agent_sip_trigger(void *arg)
{
	agent_round(arg, 0, 1, "SIP NOTIFY");
}

static void
agent_sip_log(void *arg, int prio, const char *msg)
{
	agent_log(arg, prio, "%s", msg);
}

/* --- life cycle --------------------------------------------------------- */

/* Apply the profile file when its content differs from the last applied. */
static int
agent_load_profile(struct cfgreport *a, char *err)
{
	struct params	*p;
	const uint8_t	*known;
	uint8_t		 digest[STATE_DIGEST_LEN];
	char		*buf;
	size_t		 len;
	int		 rv;

	if ((buf = fileio_read(a->profile_path, CONFIG_MAX_PROFILE, &len,
	    err)) == NULL)
		return -1;
	if (state_sha256(buf, len, digest) != 0) {
		free(buf);
		cr_seterr(err, "sha256 failed");
		return -1;
	}
	known = store_profile_digest(a->store);
	if (!store_is_fresh(a->store) && known != NULL &&
	    memcmp(digest, known, sizeof digest) == 0) {
		free(buf);
		agent_log(a, LOG_DEBUG, "%s: unchanged since last applied",
		    a->profile_path);
		return 0;
	}
	free(buf);
	/* Lenient: a bad value is logged and its default used (spec.md §2). */
	if ((p = config_load(a->profile_path, 0, agent_warn_cb, a,
	    err)) == NULL)
		return -1;
	/* A fresh store takes the profile as every destination's baseline. */
	if (store_is_fresh(a->store))
		rv = store_baseline(a->store, p, digest, err);
	else if ((rv = agent_apply(a, p, CFGREPORT_PROVISIONING, err)) == 0)
		rv = store_set_profile_digest(a->store, digest, err);
	params_free(p);
	if (rv == 0)
		agent_log(a, LOG_INFO, "%s: applied", a->profile_path);
	return rv;
}

int
cfgreport_reload(struct cfgreport *a, char *err)
{
	if (a->profile_path == NULL) {
		cr_seterr(err, "no profile file to reload");
		return -1;
	}
	return agent_load_profile(a, err);
}

struct cfgreport *
cfgreport_new(struct event_base *base, const struct cfgreport_config *cfg,
    char *err)
{
	struct cfgreport	*a;
	struct transfer_opts	 topts;
	struct netif_info	 ni;
	char			 why[CR_ERRLEN];

	if ((a = calloc(1, sizeof *a)) == NULL) {
		cr_seterr(err, "out of memory");
		return NULL;
	}
	a->base = base;
	a->log = cfg->log;
	a->log_arg = cfg->log_arg;
	a->verbose = cfg->verbose;
	a->scale = cfg->time_scale > 0 ? cfg->time_scale : 1.0;
	clock_gettime(CLOCK_MONOTONIC, &a->started);
	if (wc_InitRng(&a->rng) != 0) {
		cr_seterr(err, "wolfSSL: cannot initialise the random generator");
		free(a);
		return NULL;
	}
	a->rng_ok = 1;

	if (netif_find(cfg->iface, &ni, why) == -1) {
		if (cfg->mac == NULL || cfg->iface != NULL) {
			cr_seterr(err, "%s", why);
			goto err;
		}
	}
	memcpy(a->mac, cfg->mac != NULL ? cfg->mac : ni.mac, 6);
	snprintf(a->ip, sizeof a->ip, "%s", ni.ip);

	if (cfg->profile_path != NULL &&
	    (a->profile_path = strdup(cfg->profile_path)) == NULL) {
		cr_seterr(err, "out of memory");
		goto err;
	}
	if ((a->status = params_new()) == NULL ||
	    (a->startup_ev = evtimer_new(base, agent_startup_cb, a)) == NULL ||
	    (a->periodic_ev = evtimer_new(base, agent_periodic_cb, a)) == NULL ||
	    (a->local_ev = evtimer_new(base, agent_local_cb, a)) == NULL) {
		cr_seterr(err, "out of memory");
		goto err;
	}
	if ((a->store = store_open(cfg->state_dir, why)) == NULL) {
		cr_seterr(err, "%s", why);
		goto err;
	}
	memset(&topts, 0, sizeof topts);
	topts.ca_file = cfg->ca_file;
	topts.client_cert = cfg->client_cert;
	topts.client_key = cfg->client_key;
	if ((a->xfer = transfer_ctx_new(base, &topts, why)) == NULL) {
		cr_seterr(err, "%s", why);
		goto err;
	}
	if (store_recovered(a->store) != NULL)
		agent_log(a, LOG_ERR, "state: %s", store_recovered(a->store));
	if (a->profile_path != NULL && agent_load_profile(a, why) == -1) {
		cr_seterr(err, "%s", why);
		goto err;
	}
	if (store_is_fresh(a->store)) {
		struct params	*empty = params_new();

		if (empty == NULL || store_baseline(a->store, empty, NULL,
		    why) == -1) {
			params_free(empty);
			cr_seterr(err, "%s", empty == NULL ? "out of memory" : why);
			goto err;
		}
		params_free(empty);
	}
	agent_settings_changed(a);
	agent_replan(a);
	if (cfg->ctl_path != NULL && (a->ctl = agent_ctl_new(a, base,
	    cfg->ctl_path, cfg->ctl_mode != 0 ? cfg->ctl_mode : 0600,
	    a->log, a->log_arg, why)) == NULL) {
		cr_seterr(err, "%s", why);
		goto err;
	}
	if (cfg->sip_port != 0) {
		struct sipd_config	sc;
		struct timeval		window = agent_delay(a, SIPD_WINDOW);

		memset(&sc, 0, sizeof sc);
		sc.addr = cfg->sip_addr;
		sc.port = cfg->sip_port;
		sc.window = &window;
		sc.creds = agent_sip_creds;
		sc.trigger = agent_sip_trigger;
		sc.log = agent_sip_log;
		sc.arg = a;
		if ((a->sip = sipd_new(base, &sc, why)) == NULL) {
			cr_seterr(err, "%s", why);
			goto err;
		}
	}
	/* The vendor reports at every start; spread it over the fleet. */
	agent_arm(a, a->startup_ev, (double)agent_spread(a,
	    agent_setting_long(a, "Report_Random_Delay")));
	return a;
err:
	cfgreport_free(a);
	return NULL;
}

void
cfgreport_free(struct cfgreport *a)
{
	size_t	i;

	if (a == NULL)
		return;
	sipd_free(a->sip);
	agent_ctl_free(a->ctl);
	for (i = 0; i < a->ndests; i++)
		dest_free(a->dests[i]);
	transfer_ctx_free(a->xfer);
	store_free(a->store);
	params_free(a->status);
	if (a->startup_ev != NULL)
		event_free(a->startup_ev);
	if (a->periodic_ev != NULL)
		event_free(a->periodic_ev);
	if (a->local_ev != NULL)
		event_free(a->local_ev);
	if (a->stop_ev != NULL)
		event_free(a->stop_ev);
	if (a->rng_ok)
		wc_FreeRng(&a->rng);
	free(a->profile_path);
	free(a);
}

static void
agent_stop_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct cfgreport	*a = arg;
	void			(*done)(void *) = a->stop_done;

	if (done == NULL)
		return;
	a->stop_done = NULL;
	if (transfer_count(a->xfer) > 0)
		agent_log(a, LOG_WARNING, "abandoning %zu upload(s) in flight",
		    transfer_count(a->xfer));
	done(a->stop_arg);
}

/* Called as transfers end while stopping: done when none is left. */
static void
agent_stop_check(struct cfgreport *a)
{
	if (transfer_count(a->xfer) == 0 && a->stop_done != NULL)
		event_active(a->stop_ev, EV_TIMEOUT, 0);
}

void
cfgreport_shutdown(struct cfgreport *a, int grace, void (*done)(void *),
    void *arg)
{
	struct timeval	tv = { grace, 0 };
	size_t		i;

	a->stopping = 1;
	a->stop_done = done;
	a->stop_arg = arg;
	event_del(a->startup_ev);
	event_del(a->periodic_ev);
	event_del(a->local_ev);
	for (i = 0; i < a->ndests; i++)
		event_del(a->dests[i]->retry_ev);
	if (a->stop_ev == NULL &&
	    (a->stop_ev = evtimer_new(a->base, agent_stop_cb, a)) == NULL) {
		done(arg);
		return;
	}
	if (transfer_count(a->xfer) == 0)
		tv.tv_sec = 0;
	event_add(a->stop_ev, &tv);
}
