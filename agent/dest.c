/*
 * dest.c — the destinations of the plan and their uploads: one transfer
 * in flight at most per destination, a trigger meanwhile coalesced into
 * one follow-up, a delta's changes acknowledged (durably) only after a
 * 2xx, failures retried by the scheduler (sched.c).
 *
 * A destination is known by its id (docs/store.md): the plan derived
 * after a status value changed moves it (a new URL) without touching its
 * baseline.  Only dest_retain, after a batch, writes which ids exist.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <event2/event.h>

#include "proto.h"
#include "agent.h"
#include "cfgreport.h"

unsigned
dest_kind_bit(enum report_kind k)
{
	switch (k) {
	case REPORT_FULL:
		return CFGREPORT_FULL;
	case REPORT_DELTA:
		return CFGREPORT_DELTA;
	case REPORT_STATUS:
		break;
	}
	return CFGREPORT_STATUS;
}

void
dest_free(struct dest *d)
{
	if (d == NULL)
		return;
	if (d->xfer != NULL)
		d->agent->transport.cancel(d->agent->transport.arg, d->xfer);
	plan_dest_clear(&d->p);
	free(d);
}

size_t
dest_in_flight(const struct cfgreport *a)
{
	size_t	i, n = 0;

	for (i = 0; i < a->ndests; i++)
		if (a->dests[i]->xfer != NULL)
			n++;
	return n;
}

int
dest_reconcile(struct cfgreport *a, struct plan *pl, char *err)
{
	struct dest		*next[RULE_MAX_ENTRIES], *d;
	struct plan_dest	*pd;
	size_t			 i, j, n = 0;
	int			 rv = 0;

	memset(next, 0, sizeof next);
	for (i = 0; i < pl->n; i++) {
		pd = &pl->d[i];
		for (d = NULL, j = 0; j < a->ndests; j++) {
			if (a->dests[j] != NULL &&
			    strcmp(a->dests[j]->p.id, pd->id) == 0) {
				d = a->dests[j];
				a->dests[j] = NULL;
				break;
			}
		}
		if (d == NULL) {
			if ((d = calloc(1, sizeof *d)) == NULL) {
				cr_seterr(err, "out of memory");
				rv = -1;
				continue;
			}
			d->agent = a;
			d->retry_at = -1;
			snprintf(d->last_result, sizeof d->last_result,
			    "never attempted");
		} else
			plan_dest_clear(&d->p);
		/* The plan's entry moves over. */
		d->p = *pd;
		memset(pd, 0, sizeof *pd);
		next[n++] = d;
	}
	for (j = 0; j < a->ndests; j++)
		dest_free(a->dests[j]);
	memcpy(a->dests, next, sizeof next);
	a->ndests = n;
	a->plan_whole = rv == 0;
	return rv;
}

void
dest_retain(struct cfgreport *a)
{
	const char	*keys[RULE_MAX_ENTRIES];
	char		 err[CR_ERRLEN];
	size_t		 i, n = 0;

	/* A rule that does not parse says nothing of what the operator meant. */
	if (!a->plan_parsed || store_is_fresh(a->store) || !a->plan_whole)
		return;
	for (i = 0; i < a->ndests; i++)
		if (a->dests[i]->p.kind == REPORT_DELTA)
			keys[n++] = a->dests[i]->p.id;
	if (store_dest_retain(a->store, keys, n, err) == -1)
		agent_log(a, LOG_ERR, "state: %s", err);
}

/* Tell the host (cfgreport_config.outcome) how D's upload ended. */
static void
dest_outcome(struct dest *d, int ok, long status, size_t bytes,
    double seconds)
{
	struct cfgreport		*a = d->agent;
	struct cfgreport_outcome	 o;

	if (a->outcome == NULL)
		return;
	memset(&o, 0, sizeof o);
	o.destination = d->p.shown;
	o.kind = dest_kind_bit(d->p.kind);
	o.ok = ok;
	o.http_status = status;
	o.bytes = bytes;
	o.result = d->last_result;
	o.next_retry = sched_remaining(a, d->retry_at);
	o.seconds = seconds;
	o.in_flight = dest_in_flight(a);
	a->outcome(a->outcome_arg, &o);
}

/* D's last result: PREFIX and WHY with the secrets of D's URL masked. */
static void
dest_result(struct dest *d, const char *prefix, const char *why)
{
	char	*clean = plan_scrub(&d->p, why);

	snprintf(d->last_result, sizeof d->last_result, "%s%s", prefix,
	    clean != NULL ? clean : "(out of memory)");
	free(clean);
}

static void
dest_done(void *arg, const struct cfgreport_upload_result *res)
{
	struct dest		*d = arg;
	struct cfgreport	*a = d->agent;
	char			 err[CR_ERRLEN];

	d->xfer = NULL;
	if (res->ok)
		snprintf(d->last_result, sizeof d->last_result, "ok (%s%ld)",
		    res->http_status != 0 ? "HTTP " : "tftp ",
		    res->http_status);
	else
		dest_result(d, "failed: ", res->error != NULL ? res->error :
		    "unknown error");
	agent_log(a, res->ok ? LOG_INFO : LOG_WARNING,
	    "upload %s: %s, %zu bytes, %.3f s", d->p.shown, d->last_result,
	    res->bytes, res->seconds);
	if (res->ok) {
		d->failures = 0;
		if (d->p.kind == REPORT_DELTA && store_dest_ack(a->store,
		    d->p.id, d->sent_seq, err) == -1)
			/* The next delta repeats these changes: nothing lost. */
			agent_log(a, LOG_ERR, "state: %s", err);
	} else
		d->failures++;
	if (a->stopping) {
		dest_outcome(d, res->ok, res->http_status, res->bytes,
		    res->seconds);
		agent_stop_check(a);
		return;
	}
	if (!res->ok) {
		/* The retry builds from fresh data: it serves a follow-up too. */
		d->follow_up = 0;
		sched_retry(d);
	} else {
		d->explicit_round = 0;
		if (d->follow_up) {
			d->follow_up = 0;
			d->want = 1;
			sched_kick(a);
		}
	}
	dest_outcome(d, res->ok, res->http_status, res->bytes, res->seconds);
	/*
	 * The round's peak (the body, curl's buffers, the report's pieces)
	 * is freed now, but glibc keeps it resident: the host trims when it
	 * sees in_flight 0 (cfgreport_trim), not the library per agent,
	 * whose trim would cost a walk of the whole heap each time.
	 */
}

void
dest_upload(struct dest *d)
{
	struct cfgreport	*a = d->agent;
	struct cfgreport_upload	 up;
	struct encode_out	 out;
	const struct params	*set = store_params(a->store);
	struct params		*vals = NULL, *names = NULL;
	char			 err[CR_ERRLEN];
	int			 rv;

	d->retry_at = -1;
	if (a->stopping)
		return;
	switch (d->p.kind) {
	case REPORT_FULL:
		break;
	case REPORT_DELTA:
		if ((names = store_delta_names(a->store, d->p.id, &d->sent_seq,
		    err)) == NULL) {
			agent_log(a, LOG_ERR, "state: %s", err);
			return;
		}
		if (params_count(names) == 0 && !d->explicit_round) {
			agent_log(a, LOG_DEBUG, "%s: nothing changed",
			    d->p.shown);
			params_free(names);
			return;
		}
		break;
	case REPORT_STATUS:
		set = vals = status_values(a);
		break;
	}
	d->last_time = agent_wall(a);
	if (set == NULL) {
		params_free(names);
		snprintf(d->last_result, sizeof d->last_result,
		    "failed: out of memory building the report");
		goto fail;
	}
	rv = encode_report(d->p.kind, set, names, d->p.enc, &d->p.e, &a->set,
	    &out, err);
	params_free(vals);
	params_free(names);
	if (rv == -1) {
		dest_result(d, "failed: ", err);
		goto fail;
	}
	memset(&up, 0, sizeof up);
	up.url = d->p.e.url;
	up.put = a->set.put;
	up.content_type = out.content_type;
	up.content_encoding = out.content_encoding;
	up.user = d->p.e.uid;
	up.password = d->p.e.pwd;
	up.body = out.body;
	up.len = out.len;
	if ((d->xfer = a->transport.start(a->transport.arg, &up, dest_done, d,
	    err)) == NULL) {
		dest_result(d, "failed: ", err);
		goto fail;
	}
	agent_log(a, LOG_DEBUG, "upload %s: started, %zu bytes", d->p.shown,
	    out.len);
	return;
fail:
	agent_log(a, LOG_WARNING, "upload %s: %s", d->p.shown, d->last_result);
	d->failures++;
	sched_retry(d);
	dest_outcome(d, 0, 0, 0, 0);
}
