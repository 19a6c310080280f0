/*
 * agent.c — one configuration-report agent on a caller's event_base: its
 * life cycle and the public calls that feed it (batches, status values,
 * the profile file, requests), the settings and the plan derived from
 * them, the seams (clock, transport) and the SIP glue.
 *
 * Durable state changes only on durable events: an applied batch (and
 * the Report Rule's entries it leaves, dest_retain), a server's 2xx
 * (dest.c).  The settings are parsed once per batch; the plan is derived
 * when an input changes (a batch, a status value), never by a read.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include <event2/event.h>

#include "proto.h"
#include "agent.h"
#include "cfgreport.h"

/* Logging through the host's callback; never a secret in FMT's args. */
void
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

void
cfgreport_log(struct cfgreport *a, int prio, const char *msg)
{
	agent_log(a, prio, "%s", msg);
}

uint32_t
agent_random(struct cfgreport *a)
{
	uint32_t	r = 0;

	/* A failed draw leaves 0: no spread, never a fallback source. */
	if (wc_RNG_GenerateBlock(a->rng, (byte *)&r, sizeof r) != 0)
		r = 0;
	return r;
}

/* --- the seams: the system's clock and libcurl, unless the host's -------- */

static double
agent_sys_monotonic(void *arg)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static time_t
agent_sys_wall(void *arg)
{
	return time(NULL);
}

double
agent_now(const struct cfgreport *a)
{
	return a->clock.monotonic(a->clock.arg);
}

time_t
agent_wall(const struct cfgreport *a)
{
	return a->clock.wall(a->clock.arg);
}

/* One upload on transfer.c, and whom to tell when it ends. */
struct agent_xfer {
	struct transfer		*t;
	cfgreport_upload_done_fn done;
	void			*arg;
};

static void
agent_xfer_done(void *arg, const struct transfer_result *tr)
{
	struct agent_xfer		*x = arg;
	struct cfgreport_upload_result	 r;

	memset(&r, 0, sizeof r);
	r.ok = tr->ok;
	r.http_status = tr->http_code;
	r.error = tr->error;
	r.bytes = tr->bytes;
	r.seconds = tr->seconds;
	x->done(x->arg, &r);
	free(x);
}

static void *
agent_xfer_start(void *arg, struct cfgreport_upload *up,
    cfgreport_upload_done_fn done, void *done_arg, char *err)
{
	struct cfgreport	*a = arg;
	struct transfer_req	 req;
	struct agent_xfer	*x;

	memset(&req, 0, sizeof req);
	req.url = up->url;
	req.method = up->put ? TRANSFER_PUT : TRANSFER_POST;
	req.content_type = up->content_type;
	req.content_encoding = up->content_encoding;
	req.user = up->user;
	req.password = up->password;
	req.body = up->body;
	req.len = up->len;
	up->body = NULL;
	if ((x = calloc(1, sizeof *x)) == NULL) {
		free(req.body);
		cr_seterr(err, "out of memory");
		return NULL;
	}
	x->done = done;
	x->arg = done_arg;
	if ((x->t = transfer_start(a->xfer, &req, agent_xfer_done, x,
	    err)) == NULL) {
		free(x);
		return NULL;
	}
	return x;
}

static void
agent_xfer_cancel(void *arg, void *handle)
{
	struct agent_xfer	*x = handle;

	transfer_cancel(x->t);
	free(x);
}

/* --- settings and plan --------------------------------------------------- */

/*
 * Derive the plan from the settings, the status values, the MAC and the
 * IP.  Nothing durable moves here: an entry that cannot be resolved now
 * keeps its id, so its baseline and pending changes wait for it.
 */
static void
agent_replan(struct cfgreport *a)
{
	struct macro_env	env;
	struct plan		pl;
	char			err[CR_ERRLEN];
	size_t			i;

	memset(&env, 0, sizeof env);
	env.mac = a->mac;
	env.ip = a->ip[0] != '\0' ? a->ip : NULL;
	env.params = store_params(a->store);
	env.status = a->status;
	if (plan_build(&a->set, &env, &pl, err) == -1) {
		agent_log(a, LOG_ERR, "plan: %s", err);
		return;
	}
	/* The destinations take the plan's entries over. */
	if (dest_reconcile(a, &pl, err) == -1)
		agent_log(a, LOG_ERR, "plan: %s", err);
	a->plan_parsed = pl.parsed;
	if (strcmp(pl.error, a->plan_error) != 0) {
		if (pl.error[0] != '\0')
			agent_log(a, LOG_ERR, "%s; no reports to it until it "
			    "is fixed (pending changes are kept)", pl.error);
		else
			agent_log(a, LOG_INFO, "Report_Rule: every entry "
			    "resolves again");
		snprintf(a->plan_error, sizeof a->plan_error, "%s", pl.error);
	}
	plan_clear(&pl);
	/* A round that waited for an entry to resolve runs now. */
	for (i = 0; i < a->ndests; i++)
		if (a->dests[i]->want && a->dests[i]->p.resolved)
			sched_kick(a);
}

/* The stored configuration changed: parse the settings once, re-plan. */
static void
agent_settings(struct cfgreport *a)
{
	struct plan_settings	s;
	char			err[CR_ERRLEN];

	if (plan_settings_parse(store_params(a->store), &s, err) == -1) {
		agent_log(a, LOG_ERR, "settings: %s", err);
		return;
	}
	plan_settings_clear(&a->set);
	a->set = s;
	agent_replan(a);
	/* The batch is durable: so are the entries it added or removed. */
	dest_retain(a);
	sched_settings(a);
}

/* --- batches ------------------------------------------------------------- */

/* Apply BATCH durably; then re-plan, re-time and maybe arm. */
int
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
		/* Settings and plan change only when one of their inputs did. */
		if (plan_touched(changed))
			agent_settings(a);
		if (source == CFGREPORT_LOCAL)
			sched_local_change(a);
	}
	params_free(changed);
	/*
	 * A batch peaks at a copy of every parameter and the encoded state
	 * (docs/store.md); giving that back is the host's call
	 * (cfgreport_trim).
	 */
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

	/* Room for all at once: growing re-indexes every name so far. */
	if ((b = params_new()) == NULL || params_reserve(b, n) == -1) {
		params_free(b);
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
		/* A copy only when there is white space to trim. */
		copy = NULL;
		if (*end != '\0' && (copy = strndup(v, (size_t)(end - v))) ==
		    NULL) {
			cr_seterr(err, "out of memory");
			params_free(b);
			return NULL;
		}
		if (params_set(b, names[i], copy != NULL ? copy : v, UA_NONE,
		    why) == -1) {
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

void
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
	struct params	*b, *copy, *changed;

	if ((b = agent_batch(n, names, values, err)) == NULL)
		return -1;
	if ((changed = params_new()) == NULL ||
	    (copy = params_dup(a->status)) == NULL) {
		params_free(changed);
		params_free(b);
		cr_seterr(err, "out of memory");
		return -1;
	}
	if (params_apply(copy, b, changed, err) == -1 ||
	    status_check(copy, err) == -1) {
		params_free(copy);
		params_free(changed);
		params_free(b);
		return -1;
	}
	params_free(b);
	params_free(a->status);
	a->status = copy;
	/* DHCP option 66 or a macro's source may have changed. */
	if (params_count(changed) > 0)
		agent_replan(a);
	params_free(changed);
	return 0;
}

int
cfgreport_report(struct cfgreport *a, unsigned kinds, char *err)
{
	const char	*why = NULL;
	size_t		 i, n = 0;

	if (a->stopping) {
		cr_seterr(err, "the agent is shutting down");
		return -1;
	}
	for (i = 0; i < a->ndests; i++) {
		if (kinds != 0 && (kinds & dest_kind_bit(a->dests[i]->p.kind)) ==
		    0)
			continue;
		if (a->dests[i]->p.resolved)
			n++;
		else if (why == NULL)
			why = a->dests[i]->p.why;
	}
	if (a->ndests == 0) {
		cr_seterr(err, "%s", a->plan_error[0] != '\0' ? a->plan_error :
		    "the Report Rule is empty: nothing to report");
		return -1;
	}
	if (n == 0 && why != NULL) {
		cr_seterr(err, "%s", why);
		return -1;
	}
	/* The reply goes first: the round runs from the loop. */
	sched_want(a, kinds, 1, "request");
	return 0;
}

void
cfgreport_clock_moved(struct cfgreport *a)
{
	sched_tick(a);
}

int
cfgreport_trim(void)
{
#ifdef HAVE_MALLOC_TRIM
	return malloc_trim(0);
#else
	return 0;
#endif
}

/* --- SIP NOTIFY (sipd.c) ------------------------------------------------- */

/* The line's account, as parsed with the settings. */
int
agent_sip_creds(void *arg, const char **user, const char **password)
{
	struct cfgreport	*a = arg;

	*user = a->set.sip_user;
	*password = a->set.sip_password;
	return *user != NULL && *password != NULL ? 0 : -1;
}

void
agent_sip_trigger(void *arg)
{
	sched_notify(arg);
}

static void
agent_sip_log(void *arg, int prio, const char *msg)
{
	agent_log(arg, prio, "%s", msg);
}

/* --- life cycle ---------------------------------------------------------- */

/*
 * Apply the profile file when its content differs from the last applied.
 * It is read once: the digest recorded is of the bytes applied.
 */
int
agent_profile_read(struct cfgreport *a, char **bufp, size_t *lenp,
    uint8_t *digest, char *err)
{
	const uint8_t	*known;
	char		*buf;
	size_t		 len;

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
	    memcmp(digest, known, STATE_DIGEST_LEN) == 0) {
		free(buf);
		agent_log(a, LOG_DEBUG, "%s: unchanged since last applied",
		    a->profile_path);
		return 1;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int
agent_profile_apply(struct cfgreport *a, struct params *p,
    const uint8_t *digest, char *err)
{
	int	rv;

	/* Lenient: a bad value is logged and dropped (spec.md §2). */
	if (config_settle(a->profile_path, p, 0, store_is_fresh(a->store) ?
	    NULL : store_params(a->store), agent_warn_cb, a, err) == -1)
		return -1;
	/* A fresh store takes the profile as every destination's baseline. */
	if (store_is_fresh(a->store))
		rv = store_baseline(a->store, p, digest, err);
	else if ((rv = agent_apply(a, p, CFGREPORT_PROVISIONING, err)) == 0)
		rv = store_set_profile_digest(a->store, digest, err);
	if (rv == 0)
		agent_log(a, LOG_INFO, "%s: applied", a->profile_path);
	return rv;
}

static int
agent_load_profile(struct cfgreport *a, char *err)
{
	struct params	*p;
	uint8_t		 digest[STATE_DIGEST_LEN];
	char		*buf, why[CR_ERRLEN];
	size_t		 len;
	int		 rv;

	if ((rv = agent_profile_read(a, &buf, &len, digest, err)) != 0)
		return rv == 1 ? 0 : -1;
	p = profile_parse(buf, len, agent_warn_cb, a, why);
	free(buf);
	if (p == NULL) {
		cr_seterr(err, "%s: %s", a->profile_path, why);
		return -1;
	}
	rv = agent_profile_apply(a, p, digest, err);
	params_free(p);
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

/* --- the shared transfer context ---------------------------------------- */

struct cfgreport_transfers {
	struct transfer_ctx	*ctx;
};

struct cfgreport_transfers *
cfgreport_transfers_new(struct event_base *base,
    const struct cfgreport_transfers_config *cfg, char *err)
{
	struct cfgreport_transfers	*ts;
	struct transfer_opts		 topts;

	if ((ts = calloc(1, sizeof *ts)) == NULL) {
		cr_seterr(err, "out of memory");
		return NULL;
	}
	memset(&topts, 0, sizeof topts);
	topts.ca_file = cfg->ca_file;
	topts.client_cert = cfg->client_cert;
	topts.client_key = cfg->client_key;
	topts.max_running = cfg->max_in_flight;
	if ((ts->ctx = transfer_ctx_new(base, &topts, err)) == NULL) {
		free(ts);
		return NULL;
	}
	return ts;
}

void
cfgreport_transfers_stats(const struct cfgreport_transfers *ts,
    struct cfgreport_transfers_counts *st)
{
	memset(st, 0, sizeof *st);
	transfer_stats(ts->ctx, &st->in_flight, &st->queued,
	    &st->peak_in_flight);
}

void
cfgreport_transfers_free(struct cfgreport_transfers *ts)
{
	if (ts == NULL)
		return;
	transfer_ctx_free(ts->ctx);
	free(ts);
}

/* The seams the host gave, else the system's. */
static int
agent_seams(struct cfgreport *a, const struct cfgreport_config *cfg,
    char *err)
{
	struct transfer_opts	topts;

	a->clock.monotonic = agent_sys_monotonic;
	a->clock.wall = agent_sys_wall;
	if (cfg->clock != NULL) {
		if (cfg->clock->monotonic != NULL)
			a->clock.monotonic = cfg->clock->monotonic;
		if (cfg->clock->wall != NULL)
			a->clock.wall = cfg->clock->wall;
		a->clock.arg = cfg->clock->arg;
	}
	if (cfg->transport != NULL && cfg->transport->start != NULL) {
		a->transport = *cfg->transport;
		return 0;
	}
	if (cfg->transfers != NULL) {
		if (cfg->ca_file != NULL || cfg->client_cert != NULL ||
		    cfg->client_key != NULL) {
			cr_seterr(err, "ca_file, client_cert and client_key "
			    "belong to the shared transfers, not the agent");
			return -1;
		}
		a->xfer = cfg->transfers->ctx;
		a->xfer_shared = 1;
	} else {
		memset(&topts, 0, sizeof topts);
		topts.ca_file = cfg->ca_file;
		topts.client_cert = cfg->client_cert;
		topts.client_key = cfg->client_key;
		if ((a->xfer = transfer_ctx_new(a->base, &topts, err)) == NULL)
			return -1;
	}
	a->transport.start = agent_xfer_start;
	a->transport.cancel = agent_xfer_cancel;
	a->transport.arg = a;
	return 0;
}

struct cfgreport *
cfgreport_new(struct event_base *base, const struct cfgreport_config *cfg,
    char *err)
{
	struct cfgreport	*a;
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
	a->outcome = cfg->outcome;
	a->outcome_arg = cfg->outcome_arg;
	if ((a->rng = calloc(1, sizeof *a->rng)) == NULL) {
		cr_seterr(err, "out of memory");
		free(a);
		return NULL;
	}
	if (wc_InitRng(a->rng) != 0) {
		cr_seterr(err, "wolfSSL: cannot initialise the random generator");
		free(a->rng);
		free(a);
		return NULL;
	}
	if (agent_seams(a, cfg, why) == -1) {
		cr_seterr(err, "%s", why);
		goto err;
	}
	a->started = agent_now(a);

	if (netif_find(cfg->iface, &ni, why) == -1) {
		if (cfg->mac == NULL || cfg->iface != NULL) {
			cr_seterr(err, "%s", why);
			goto err;
		}
		ni.ip[0] = '\0';
	}
	memcpy(a->mac, cfg->mac != NULL ? cfg->mac : ni.mac, 6);
	snprintf(a->ip, sizeof a->ip, "%s", ni.ip);

	if (cfg->profile_path != NULL &&
	    (a->profile_path = strdup(cfg->profile_path)) == NULL) {
		cr_seterr(err, "out of memory");
		goto err;
	}
	if ((a->status = params_new()) == NULL || sched_init(a, why) == -1 ||
	    import_init(a, why) == -1) {
		cr_seterr(err, "%s", a->status == NULL ? "out of memory" : why);
		goto err;
	}
	if ((a->store = store_open(cfg->state_dir, why)) == NULL) {
		cr_seterr(err, "%s", why);
		goto err;
	}
	if (store_recovered(a->store) != NULL)
		agent_log(a, store_damaged(a->store) ? LOG_ERR : LOG_WARNING,
		    "state: %s", store_recovered(a->store));
	/*
	 * A damaged or missing profile must not cost a configured phone its
	 * agent: the state holds the configuration last applied, so start
	 * on it, loudly.  With no state there is nothing to start on.
	 */
	if (a->profile_path != NULL && agent_load_profile(a, why) == -1) {
		if (store_is_fresh(a->store)) {
			cr_seterr(err, "%s (no saved configuration to start "
			    "on)", why);
			goto err;
		}
		agent_log(a, LOG_ERR, "%s; starting on the configuration "
		    "saved in the state (fix the file, then SIGHUP)", why);
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
	agent_settings(a);
	if (cfg->sip != NULL && cfg->sip_port != 0) {
		cr_seterr(err, "a shared SIP listener and a sip_port of the "
		    "agent's own: one or the other");
		goto err;
	}
	if (cfg->sip != NULL)
		sipshare_add(cfg->sip, a);
	if (cfg->sip_port != 0) {
		struct sipd_config	sc;

		memset(&sc, 0, sizeof sc);
		sc.addr = cfg->sip_addr;
		sc.port = cfg->sip_port;
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
	sched_startup(a);
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
	/* Callers of imports still queued hear first, from a whole agent. */
	import_free(a);
	sipd_free(a->sip);
	sipshare_remove(a);
	for (i = 0; i < a->ndests; i++)
		dest_free(a->dests[i]);
	if (!a->xfer_shared)
		transfer_ctx_free(a->xfer);
	store_free(a->store);
	params_free(a->status);
	plan_settings_clear(&a->set);
	sched_free(a);
	if (a->stop_ev != NULL)
		event_free(a->stop_ev);
	if (a->rng != NULL) {
		wc_FreeRng(a->rng);
		free(a->rng);
	}
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
	if (dest_in_flight(a) > 0)
		agent_log(a, LOG_WARNING, "abandoning %zu upload(s) in flight",
		    dest_in_flight(a));
	done(a->stop_arg);
}

void
agent_stop_check(struct cfgreport *a)
{
	if (dest_in_flight(a) == 0 && a->stop_done != NULL)
		event_active(a->stop_ev, EV_TIMEOUT, 0);
}

void
cfgreport_shutdown(struct cfgreport *a, int grace, void (*done)(void *),
    void *arg)
{
	struct timeval	tv = { grace, 0 };

	a->stopping = 1;
	a->stop_done = done;
	a->stop_arg = arg;
	sched_stop(a);
	if (a->stop_ev == NULL &&
	    (a->stop_ev = evtimer_new(a->base, agent_stop_cb, a)) == NULL) {
		done(arg);
		return;
	}
	if (dest_in_flight(a) == 0)
		tv.tv_sec = 0;
	event_add(a->stop_ev, &tv);
}
