/*
 * sched.c — when rounds happen.  Every trigger (start-up, periodic, local
 * change, a request, SIP NOTIFY, a retry) marks the destinations it wants
 * and arms one zero-length event; the round runs from the loop, never
 * inside the socket handler that asked for it.  Timers are deadlines on
 * the agent's monotonic clock (the host's, when it gave one), served by
 * one libevent timer armed for the earliest of them.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>

#include "proto.h"
#include "agent.h"
#include "cfgreport.h"

/* A deadline this close is due: libevent's clock and ours may differ. */
#define SCHED_SLACK	0.001

static void	sched_arm(struct cfgreport *);

double
sched_backoff(unsigned failures, uint32_t r)
{
	double		delay = SCHED_BACKOFF_MIN;
	unsigned	i;

	for (i = 1; i < failures && delay < SCHED_BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > SCHED_BACKOFF_MAX)
		delay = SCHED_BACKOFF_MAX;
	/* ±20 %, so a fleet that failed together does not retry together. */
	return delay * (0.8 + 0.4 * ((double)r / 4294967296.0));
}

long
sched_spread(struct cfgreport *a, long max)
{
	if (max <= 0)
		return 0;
	return (long)(agent_random(a) % ((uint32_t)max + 1));
}

long
sched_remaining(const struct cfgreport *a, double at)
{
	double	left;

	if (at < 0)
		return -1;
	left = at - agent_now(a);
	return left > 0 ? (long)(left + 0.5) : 0;
}

/* The round: every wanted destination uploads, or follows up later. */
static void
sched_run_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct cfgreport	*a = arg;
	struct dest		*d;
	size_t			 i;

	if (a->stopping)
		return;
	for (i = 0; i < a->ndests; i++) {
		d = a->dests[i];
		/* An unresolved entry keeps its want until it resolves. */
		if (!d->want || !d->p.resolved)
			continue;
		d->want = 0;
		if (d->xfer != NULL) {
			d->follow_up = 1;
			continue;
		}
		/* A newer round supersedes a scheduled retry. */
		dest_upload(d);
	}
	sched_arm(a);
}

void
sched_kick(struct cfgreport *a)
{
	static const struct timeval	zero = { 0, 0 };

	/*
	 * A zero-length timer, not event_active: it fires once the loop has
	 * seen to its sockets, so the reply of the request that asked for
	 * the round (queued on its socket) is written before the round.
	 */
	if (!evtimer_pending(a->run_ev, NULL))
		evtimer_add(a->run_ev, &zero);
}

void
sched_want(struct cfgreport *a, unsigned kinds, int explicit_req,
    const char *why)
{
	struct dest	*d;
	size_t		 i;

	if (a->stopping)
		return;
	agent_log(a, LOG_DEBUG, "round (%s): %zu destination(s)", why,
	    a->ndests);
	for (i = 0; i < a->ndests; i++) {
		d = a->dests[i];
		if (kinds != 0 && (kinds & dest_kind_bit(d->p.kind)) == 0)
			continue;
		d->want = 1;
		d->explicit_round |= explicit_req;
	}
	sched_kick(a);
}

void
sched_notify(struct cfgreport *a)
{
	double	now = agent_now(a);

	if (a->stopping)
		return;
	if (now + SCHED_SLACK < a->notify_until) {
		if (a->notify_at < 0)
			agent_log(a, LOG_INFO, "SIP NOTIFY: coalesced into one "
			    "round at the end of the %d s window",
			    SCHED_NOTIFY_WINDOW);
		a->notify_at = a->notify_until;
		sched_arm(a);
		return;
	}
	a->notify_until = now + SCHED_NOTIFY_WINDOW;
	sched_want(a, 0, 1, "SIP NOTIFY");
}

void
sched_local_change(struct cfgreport *a)
{
	if (a->stopping || a->local_delay <= 0 || a->local_at >= 0)
		return;
	/* The window is fixed by the first change; later ones join it. */
	a->local_at = agent_now(a) + (double)a->local_delay;
	sched_arm(a);
}

/*
 * Rounds sit on a fixed grid of the interval, each spread by [0,
 * Report_Random_Delay] within its slot, so the spread never accumulates
 * into drift.  RESTART starts the grid now (a new interval or mode); a
 * grid left behind (a suspended device) restarts too.
 */
static void
sched_periodic(struct cfgreport *a, int restart)
{
	double	now = agent_now(a);

	if (restart || a->periodic_grid + (double)a->periodic_interval < now)
		a->periodic_grid = now;
	a->periodic_grid += (double)a->periodic_interval;
	a->periodic_at = a->periodic_grid +
	    (double)sched_spread(a, a->set.random_delay);
}

void
sched_settings(struct cfgreport *a)
{
	long	interval = 0, delay = 0;

	if (a->stopping)
		return;
	if (a->set.mode == PLAN_PERIODICALLY)
		interval = a->set.periodic;
	if (interval != a->periodic_interval) {
		a->periodic_interval = interval;
		a->periodic_at = -1;
		if (interval > 0)
			sched_periodic(a, 1);
	}
	if (a->set.mode == PLAN_ON_LOCAL_CHANGE)
		delay = a->set.local_delay;
	if (delay != a->local_delay) {
		/* A pending local-change report keeps its place, re-timed. */
		int	pending = a->local_at >= 0;

		a->local_delay = delay;
		a->local_at = -1;
		if (pending && delay > 0)
			a->local_at = agent_now(a) + (double)delay;
	}
	sched_arm(a);
}

void
sched_startup(struct cfgreport *a)
{
	a->startup_at = agent_now(a) +
	    (double)sched_spread(a, a->set.random_delay);
	sched_arm(a);
}

void
sched_retry(struct dest *d)
{
	struct cfgreport	*a = d->agent;
	double			 delay;

	delay = sched_backoff(d->failures, agent_random(a));
	d->retry_at = agent_now(a) + delay;
	agent_log(a, LOG_DEBUG, "%s: retry %u in %.0f s", d->p.shown,
	    d->failures, delay);
	sched_arm(a);
}

static int
sched_due(double at, double now)
{
	return at >= 0 && at <= now + SCHED_SLACK;
}

void
sched_tick(struct cfgreport *a)
{
	double	now = agent_now(a);
	size_t	i;
	int	run = 0;

	if (a->stopping)
		return;
	if (sched_due(a->startup_at, now)) {
		a->startup_at = -1;
		sched_want(a, 0, 0, "start-up");
	}
	if (sched_due(a->periodic_at, now)) {
		sched_periodic(a, 0);
		sched_want(a, 0, 0, "periodic");
	}
	if (sched_due(a->local_at, now)) {
		a->local_at = -1;
		sched_want(a, 0, 0, "local change");
	}
	if (sched_due(a->notify_at, now)) {
		a->notify_at = -1;
		a->notify_until = now + SCHED_NOTIFY_WINDOW;
		agent_log(a, LOG_INFO, "SIP NOTIFY: the coalesced round starts");
		sched_want(a, 0, 1, "SIP NOTIFY, coalesced");
	}
	for (i = 0; i < a->ndests; i++) {
		if (sched_due(a->dests[i]->retry_at, now)) {
			a->dests[i]->retry_at = -1;
			a->dests[i]->want = 1;
			run = 1;
		}
	}
	if (run)
		sched_kick(a);
	sched_arm(a);
}

static void
sched_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	sched_tick(arg);
}

static void
sched_min(double *min, double at)
{
	if (at >= 0 && (*min < 0 || at < *min))
		*min = at;
}

/* The one timer, for the earliest deadline. */
static void
sched_arm(struct cfgreport *a)
{
	struct timeval	tv;
	double		min = -1, left;
	size_t		i;

	sched_min(&min, a->startup_at);
	sched_min(&min, a->periodic_at);
	sched_min(&min, a->local_at);
	sched_min(&min, a->notify_at);
	for (i = 0; i < a->ndests; i++)
		sched_min(&min, a->dests[i]->retry_at);
	event_del(a->timer_ev);
	if (min < 0 || a->stopping)
		return;
	left = min - agent_now(a);
	if (left < 0)
		left = 0;
	tv.tv_sec = (time_t)left;
	tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
	event_add(a->timer_ev, &tv);
}

int
sched_init(struct cfgreport *a, char *err)
{
	a->startup_at = a->periodic_at = a->local_at = a->notify_at = -1;
	a->notify_until = -1;
	if ((a->run_ev = evtimer_new(a->base, sched_run_cb, a)) == NULL ||
	    (a->timer_ev = evtimer_new(a->base, sched_timer_cb, a)) == NULL) {
		cr_seterr(err, "out of memory");
		return -1;
	}
	return 0;
}

void
sched_stop(struct cfgreport *a)
{
	size_t	i;

	a->startup_at = a->periodic_at = a->local_at = a->notify_at = -1;
	for (i = 0; i < a->ndests; i++) {
		a->dests[i]->retry_at = -1;
		a->dests[i]->want = 0;
	}
	event_del(a->timer_ev);
	event_del(a->run_ev);
}

void
sched_free(struct cfgreport *a)
{
	if (a->run_ev != NULL)
		event_free(a->run_ev);
	if (a->timer_ev != NULL)
		event_free(a->timer_ev);
}
