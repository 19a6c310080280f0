/*
 * test_agent.c — the agent core driven through its seams: a clock the
 * test moves and a transport the test answers.  No sleeps, no network:
 * every deadline is checked by moving the clock to just before and just
 * after it.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "proto.h"
#include "agent.h"
#include "cfgreport.h"

#include "agent_fx.h"

/* --- finding 1: a derived plan never touches durable state ------------- */

static void
test_unresolved_keeps_pending(void **state)
{
	struct fx	*f = *state;

	fx_agent(f, "<Report_Rule>[--delta]/$MA$B-delta.xml</Report_Rule>"
	    "<GPP_A>old</GPP_A><GPP_B></GPP_B>");
	fx_status(f, "DHCP_Option_66", "http://127.0.0.1:9/");
	fx_set(f, CFGREPORT_LOCAL, "GPP_A", "new");
	assert_int_equal(fx_info_num(f, "pending-changes "), 1);
	/* Option 66 flaps: the entry cannot be resolved for a while. */
	fx_status(f, "DHCP_Option_66", "");
	assert_int_equal(fx_info_num(f, "pending-changes "), 1);
	fx_status(f, "DHCP_Option_66", "http://127.0.0.1:9/");
	assert_int_equal(fx_info_num(f, "pending-changes "), 1);
	/* The same across a restart with no option 66 yet. */
	fx_restart(f, NULL);
	assert_int_equal(fx_info_num(f, "pending-changes "), 1);
	/* The start-up round waited for option 66; it fails. */
	fx_status(f, "DHCP_Option_66", "http://127.0.0.1:9/");
	assert_int_equal(f->nup, 1);
	assert_non_null(strstr(f->up[0].body, "GPP_A"));
	fx_finish(f, 0, 503);
	assert_int_equal(fx_info_num(f, "pending-changes "), 1);
	/* A macro that expands to something invalid keeps it too. */
	fx_set(f, CFGREPORT_PROVISIONING, "GPP_B", "x y");
	assert_non_null(strstr(f->log, "no reports to it"));
	assert_int_equal(fx_info_num(f, "pending-changes "), 2);
	fx_set(f, CFGREPORT_PROVISIONING, "GPP_B", "");
	/* Another option 66: the same destination, a new URL. */
	fx_status(f, "DHCP_Option_66", "http://127.0.0.2:9/");
	assert_int_equal(fx_info_num(f, "pending-changes "), 2);
	fx_report(f, 0);
	fx_loop(f);
	assert_int_equal(f->nup, 2);
	assert_string_equal(f->up[1].url,
	    "http://127.0.0.2:9/000e08aabbcc-delta.xml");
	assert_non_null(strstr(f->up[1].body, "GPP_A"));
	assert_non_null(strstr(f->up[1].body, "new"));
	fx_finish(f, 1, 200);
	assert_int_equal(fx_info_num(f, "pending-changes "), 0);
	/* The operator removes the entry: its baseline goes. */
	fx_set(f, CFGREPORT_LOCAL, "GPP_A", "newer");
	fx_set(f, CFGREPORT_PROVISIONING, "Report_Rule",
	    "http://127.0.0.1:9/full.xml");
	fx_set(f, CFGREPORT_PROVISIONING, "Report_Rule",
	    "[--delta]/$MA$B-delta.xml");
	assert_int_equal(fx_info_num(f, "pending-changes "), 0);
}

/* A start-up round that waited for option 66 goes when it comes. */
static void
test_round_waits_for_resolution(void **state)
{
	struct fx	*f = *state;

	fx_agent(f, "<Report_Rule>/$MA-full.xml</Report_Rule>");
	fx_advance(f, 0);
	assert_int_equal(f->nup, 0);
	fx_status(f, "DHCP_Option_66", "10.0.0.1");
	assert_int_equal(f->nup, 1);
	assert_string_equal(f->up[0].url, "tftp://10.0.0.1/000e08aabbcc-full.xml");
}

/* --- finding 2: nothing shown holds a secret ---------------------------- */

static void
test_secrets_never_shown(void **state)
{
	struct fx	*f = *state;
	char		*info;
	size_t		 i;

	fx_agent(f, "<Report_Rule>[--status]http://prov/$SA-status.xml "
	    "[--delta]http://u:PW0rd@prov/d.xml</Report_Rule>"
	    "<GPP_SA>TOPSECRET</GPP_SA>");
	fx_advance(f, 0);
	assert_int_equal(f->nup, 1);	/* the delta has nothing yet */
	assert_string_equal(f->up[0].url, "http://prov/TOPSECRET-status.xml");
	fx_finish(f, 0, 503);
	fx_report(f, 0);
	fx_loop(f);
	assert_int_equal(f->nup, 3);
	assert_string_equal(f->up[2].url, "http://u:PW0rd@prov/d.xml");
	fx_finish(f, 1, 200);
	fx_finish(f, 2, 201);
	info = cfgreport_info(f->a);
	assert_non_null(strstr(info, "status http://prov/*****-status.xml"));
	assert_non_null(strstr(info, "delta http://u:*****@prov/d.xml"));
	for (i = 0; i < f->nup; i++) {
		if (strstr(f->up[i].url, "status") == NULL)
			continue;
		assert_non_null(strstr(f->up[i].body, "Report_1_Destination"));
		assert_null(strstr(f->up[i].body, "TOPSECRET"));
		assert_null(strstr(f->up[i].body, "PW0rd"));
	}
	assert_null(strstr(info, "TOPSECRET"));
	assert_null(strstr(info, "PW0rd"));
	assert_null(strstr(f->log, "TOPSECRET"));
	assert_null(strstr(f->log, "PW0rd"));
	assert_non_null(strstr(f->log, "*****"));
	assert_null(strstr(f->outcome_dest, "PW0rd"));
	assert_string_equal(f->outcome_dest, "delta http://u:*****@prov/d.xml");
	assert_int_equal(f->outcome_status, 201);
	free(info);
}

/* --- triggers ------------------------------------------------------------ */

/* Start-up: one round in [0, Report_Random_Delay]. */
static void
test_startup_spread(void **state)
{
	struct fx	*f = *state;
	long		 s, lo = 1000, hi = -1;
	int		 run;

	for (run = 0; run < 12; run++) {
		if (run > 0)
			fx_restart(f, NULL);
		else
			fx_agent(f, "<Report_Random_Delay>100"
			    "</Report_Random_Delay><Report_Rule>"
			    "[--status]http://prov/s.xml</Report_Rule>");
		s = fx_info_num(f, "next start-up in ");
		if (s == -1) {
			/* A spread of 0: the round ran as the agent started. */
			assert_int_equal(f->nup, 1);
			fx_finish(f, 0, 200);
			s = 0;
		} else
			assert_int_equal(f->nup, 0);
		assert_true(s >= 0 && s <= 100);
		lo = s < lo ? s : lo;
		hi = s > hi ? s : hi;
		if (s > 0) {
			fx_advance(f, (double)s - 0.5);
			assert_int_equal(f->nup, 0);
			fx_advance(f, 1);
			assert_int_equal(f->nup, 1);
			fx_finish(f, 0, 200);
		}
		fx_free_uploads(f);
	}
	/* Twelve draws from 101 values are not all alike. */
	assert_true(hi > lo);
}

/* The periodic grid, and re-arming on a new interval or mode. */
static void
test_periodic_grid(void **state)
{
	struct fx	*f = *state;
	int		 i;

	fx_agent(f, "<Report_To_Server>Periodically</Report_To_Server>"
	    "<Periodic_Upload_To_Server>600</Periodic_Upload_To_Server>"
	    "<Report_Rule>http://prov/f.xml</Report_Rule>");
	fx_advance(f, 0);		/* start-up */
	assert_int_equal(f->nup, 1);
	fx_finish(f, 0, 200);
	for (i = 1; i <= 3; i++) {
		fx_advance(f, 599.5);
		assert_int_equal(f->nup, (size_t)i);
		fx_advance(f, 0.5);
		assert_int_equal(f->nup, (size_t)i + 1);
		fx_finish(f, (size_t)i, 200);
	}
	/* A new interval restarts the grid now. */
	fx_advance(f, 100);
	fx_set(f, CFGREPORT_PROVISIONING, "Periodic_Upload_To_Server", "1200");
	assert_int_equal(fx_info_num(f, "next periodic in "), 1200);
	fx_advance(f, 1199.5);
	assert_int_equal(f->nup, 4);
	fx_advance(f, 0.5);
	assert_int_equal(f->nup, 5);
	fx_finish(f, 4, 200);
	/* Another mode: no more periodic rounds. */
	fx_set(f, CFGREPORT_PROVISIONING, "Report_To_Server", "On Request");
	assert_int_equal(fx_info_num(f, "next periodic in "), -1);
	fx_advance(f, 3600);
	assert_int_equal(f->nup, 5);
}

/* The local-change window is fixed by the first change. */
static void
test_local_change_window(void **state)
{
	struct fx	*f = *state;

	fx_agent(f, "<Report_To_Server>On Local Change</Report_To_Server>"
	    "<Upload_Delay_On_Local_Change>30</Upload_Delay_On_Local_Change>"
	    "<Report_Rule>[--delta]http://prov/d.xml</Report_Rule>");
	fx_advance(f, 0);		/* start-up: nothing changed yet */
	assert_int_equal(f->nup, 0);
	/* Provisioning changes are recorded, arm nothing. */
	fx_set(f, CFGREPORT_PROVISIONING, "GPP_A", "p");
	assert_int_equal(fx_info_num(f, "next local-change in "), -1);
	fx_set(f, CFGREPORT_LOCAL, "GPP_B", "1");
	assert_int_equal(fx_info_num(f, "next local-change in "), 30);
	fx_advance(f, 20);
	fx_set(f, CFGREPORT_LOCAL, "GPP_C", "2");
	assert_int_equal(fx_info_num(f, "next local-change in "), 10);
	fx_advance(f, 9.5);
	assert_int_equal(f->nup, 0);
	fx_advance(f, 0.5);
	assert_int_equal(f->nup, 1);
	assert_non_null(strstr(f->up[0].body, "GPP_A"));
	assert_non_null(strstr(f->up[0].body, "GPP_B"));
	assert_non_null(strstr(f->up[0].body, "GPP_C"));
	fx_finish(f, 0, 200);
	fx_advance(f, 3600);
	assert_int_equal(f->nup, 1);
}

/* Triggers during an upload: one follow-up, from fresh data. */
static void
test_coalesce_in_flight(void **state)
{
	struct fx	*f = *state;

	fx_agent(f, "<Report_Rule>[--delta]http://prov/d.xml</Report_Rule>");
	fx_advance(f, 0);
	fx_set(f, CFGREPORT_LOCAL, "GPP_A", "1");
	fx_report(f, 0);
	fx_loop(f);
	assert_int_equal(f->nup, 1);
	fx_report(f, 0);
	fx_report(f, CFGREPORT_DELTA);
	fx_set(f, CFGREPORT_LOCAL, "GPP_B", "2");
	sched_notify(f->a);
	fx_loop(f);
	assert_int_equal(f->nup, 1);
	fx_finish(f, 0, 200);
	assert_int_equal(f->nup, 2);
	assert_null(strstr(f->up[1].body, "GPP_A"));
	assert_non_null(strstr(f->up[1].body, "GPP_B"));
	fx_finish(f, 1, 200);
	fx_advance(f, 100);
	assert_int_equal(f->nup, 2);
}

/* The report reply comes before the round: nothing runs inside the call. */
static void
test_report_runs_from_loop(void **state)
{
	struct fx	*f = *state;

	fx_agent(f, "<Report_Rule>http://prov/f.xml</Report_Rule>");
	fx_advance(f, 0);
	fx_finish(f, 0, 200);
	fx_report(f, 0);
	assert_int_equal(f->nup, 1);
	fx_loop(f);
	assert_int_equal(f->nup, 2);
}

/* One NOTIFY-started round per 10 s; extras coalesced into one. */
static void
test_notify_rate_limit(void **state)
{
	struct fx	*f = *state;

	fx_agent(f, "<Report_Rule>http://prov/f.xml</Report_Rule>");
	fx_advance(f, 0);
	fx_finish(f, 0, 200);
	sched_notify(f->a);
	fx_loop(f);
	assert_int_equal(f->nup, 2);
	fx_finish(f, 1, 200);
	fx_advance(f, 1);
	sched_notify(f->a);
	fx_advance(f, 1);
	sched_notify(f->a);
	sched_notify(f->a);
	fx_loop(f);
	assert_int_equal(f->nup, 2);
	fx_advance(f, 7.5);
	assert_int_equal(f->nup, 2);
	fx_advance(f, 0.5);		/* 10 s after the first */
	assert_int_equal(f->nup, 3);
	fx_finish(f, 2, 200);
	fx_advance(f, 30);
	assert_int_equal(f->nup, 3);
	sched_notify(f->a);		/* a quiet window: at once */
	fx_loop(f);
	assert_int_equal(f->nup, 4);
}

/* Back-off: 30 s doubling to 1 h, each ±20 %. */
static void
test_backoff(void **state)
{
	struct fx	*f = *state;
	double		 base = 30;
	long		 s;
	size_t		 k;

	fx_agent(f, "<Report_Rule>http://prov/f.xml</Report_Rule>");
	fx_advance(f, 0);
	for (k = 0; k < 10; k++) {
		assert_int_equal(f->nup, k + 1);
		fx_finish(f, k, 503);
		s = fx_info_num(f, "next-retry in ");
		assert_true(s >= (long)(base * 0.8) - 1 &&
		    s <= (long)(base * 1.2) + 1);
		assert_int_equal(f->outcome_retry, s);
		fx_advance(f, (double)s + 1);
		if (base < 3600)
			base = base * 2 > 3600 ? 3600 : base * 2;
	}
	fx_finish(f, 10, 200);
	assert_int_equal(fx_info_num(f, "next-retry in "), -1);
}

/* The jitter's draws cover the ±20 % band evenly. */
static void
test_backoff_distribution(void **state)
{
	struct fx	*f = *state;
	unsigned	 bins[10] = { 0 };
	double		 d;
	int		 i, b;

	fx_agent(f, NULL);
	assert_true(fabs(sched_backoff(1, 0) - 24.0) < 1e-9);
	assert_true(fabs(sched_backoff(2, 0) - 48.0) < 1e-9);
	assert_true(fabs(sched_backoff(7, 0) - 1920 * 0.8) < 1e-9);
	assert_true(fabs(sched_backoff(8, 0) - 3600 * 0.8) < 1e-9);
	assert_true(fabs(sched_backoff(40, 1u << 31) - 3600) < 1e-9);
	assert_true(sched_backoff(40, UINT32_MAX) < 3600 * 1.2);
	for (i = 0; i < 10000; i++) {
		d = sched_backoff(3, agent_random(f->a));
		assert_true(d >= 120 * 0.8 && d < 120 * 1.2);
		b = (int)((d - 96) / 4.8);
		bins[b < 10 ? b : 9]++;
	}
	/* 1000 expected per bin; 800 is over six standard deviations off. */
	for (i = 0; i < 10; i++)
		assert_true(bins[i] > 800 && bins[i] < 1200);
}

/* --- deltas ---------------------------------------------------------------- */

static void
test_explicit_empty_delta(void **state)
{
	struct fx	*f = *state;

	fx_agent(f, "<Report_To_Server>Periodically</Report_To_Server>"
	    "<Periodic_Upload_To_Server>600</Periodic_Upload_To_Server>"
	    "<Report_Rule>[--delta]http://prov/d.xml</Report_Rule>");
	fx_advance(f, 0);
	fx_advance(f, 600);
	assert_int_equal(f->nup, 0);	/* nothing changed: nothing sent */
	fx_report(f, CFGREPORT_DELTA);
	fx_loop(f);
	assert_int_equal(f->nup, 1);
	assert_non_null(strstr(f->up[0].body, "flat-profile"));
	assert_null(strstr(f->up[0].body, "GPP"));
	fx_finish(f, 0, 200);
}

static void
test_deltas_abc_then_xyz(void **state)
{
	struct fx	*f = *state;

	fx_agent(f, "<Report_Rule>[--delta]http://prov/d.xml</Report_Rule>");
	fx_advance(f, 0);
	fx_set(f, CFGREPORT_LOCAL, "GPP_A", "a");
	fx_set(f, CFGREPORT_LOCAL, "GPP_B", "b");
	fx_set(f, CFGREPORT_PROVISIONING, "GPP_C", "c");
	fx_report(f, 0);
	fx_loop(f);
	assert_non_null(strstr(f->up[0].body, "GPP_A"));
	assert_non_null(strstr(f->up[0].body, "GPP_C"));
	fx_finish(f, 0, 200);
	fx_set(f, CFGREPORT_LOCAL, "GPP_D", "x");
	fx_set(f, CFGREPORT_LOCAL, "GPP_E", "y");
	fx_set(f, CFGREPORT_LOCAL, "GPP_F", "z");
	fx_report(f, 0);
	fx_loop(f);
	assert_null(strstr(f->up[1].body, "GPP_A"));
	assert_null(strstr(f->up[1].body, "GPP_B"));
	assert_null(strstr(f->up[1].body, "GPP_C"));
	assert_non_null(strstr(f->up[1].body, "GPP_D"));
	assert_non_null(strstr(f->up[1].body, "GPP_F"));
	fx_finish(f, 1, 200);
}

static void
test_failed_delta_in_next(void **state)
{
	struct fx	*f = *state;

	fx_agent(f, "<Report_Rule>[--delta]http://prov/d.xml</Report_Rule>");
	fx_advance(f, 0);
	fx_set(f, CFGREPORT_LOCAL, "GPP_A", "a");
	fx_report(f, 0);
	fx_loop(f);
	fx_finish(f, 0, 503);
	fx_set(f, CFGREPORT_LOCAL, "GPP_B", "b");
	fx_advance(f, 40);		/* the retry */
	assert_int_equal(f->nup, 2);
	assert_non_null(strstr(f->up[1].body, "GPP_A"));
	assert_non_null(strstr(f->up[1].body, "GPP_B"));
	fx_finish(f, 1, 200);
	assert_int_equal(fx_info_num(f, "pending-changes "), 0);
}


/* --- the model: a seeded random walk against a reference of deltas ------ */

#define M_NAMES		5	/* GPP_A, GPP_B, GPP_C, GPP_D, Report_Rule */
#define M_DESTS		2
#define M_STEPS		3000

static const char *m_names[M_NAMES] = { "GPP_A", "GPP_B", "GPP_C", "GPP_D",
					"Report_Rule" };
static const char *m_ids[M_DESTS] = { "delta /$MA-d.xml",
				      "delta http://prov/$B/e.xml" };
static const char *m_rule_both = "[--delta]/$MA-d.xml "
				 "[--delta]http://prov/$B/e.xml";
static const char *m_rule_one = "[--delta]http://prov/$B/e.xml";

/*
 * The reference: every changing batch takes the next number and stamps
 * the names it changed; a destination owes every name stamped after the
 * number its last accepted delta was built at.  A destination removed
 * from the rule and added again starts owing nothing.
 */
struct model {
	uint32_t	 seed, x;
	int		 step;
	unsigned	 seq;
	unsigned	 stamp[M_NAMES];
	char		 cur[M_NAMES][64];
	int		 present[M_DESTS];
	unsigned	 acked[M_DESTS];
	unsigned	 built[FX_MAX_UPLOADS];	/* per upload: seq */
	int		 opt66;
	size_t		 seen;		/* uploads checked so far */
};

#define MCHECK(m, c) do {						\
	if (!(c))							\
		fail_msg("model seed %u step %d: %s (rerun with "	\
		    "CFGREPORT_SEED=%u)", (m)->seed, (m)->step, #c,	\
		    (m)->seed);						\
} while (0)

static uint32_t
m_rand(struct model *m, uint32_t n)
{
	m->x ^= m->x << 13;
	m->x ^= m->x >> 17;
	m->x ^= m->x << 5;
	return m->x % n;
}

static int
m_name(const char *name)
{
	int	i;

	for (i = 0; i < M_NAMES; i++)
		if (strcmp(m_names[i], name) == 0)
			return i;
	return -1;
}

static int
m_owes(const struct model *m, int d, int n)
{
	return m->present[d] && m->stamp[n] > m->acked[d];
}

/* One batch of NAMES[i]=VALUES[i] into the agent and the model. */
static void
m_batch(struct fx *f, struct model *m, enum cfgreport_source src, size_t k,
    const char **names, const char **values)
{
	char	err[CFGREPORT_ERRLEN];
	size_t	i;
	int	n, changed = 0, rule = 0, d;

	if (cfgreport_set(f->a, src, k, names, values, err) == -1)
		fail_msg("model seed %u step %d: set: %s", m->seed, m->step, err);
	for (i = 0; i < k; i++)
		if (strcmp(m->cur[m_name(names[i])], values[i]) != 0)
			changed = 1;
	if (changed)
		m->seq++;
	for (i = 0; i < k; i++) {
		n = m_name(names[i]);
		if (strcmp(m->cur[n], values[i]) != 0) {
			m->stamp[n] = m->seq;
			rule |= n == 4;
			snprintf(m->cur[n], sizeof m->cur[n], "%s", values[i]);
		}
	}
	if (rule) {
		int both = strcmp(m->cur[4], m_rule_both) == 0;

		/* The removed entry's baseline goes; an added one is new. */
		if (!both)
			m->present[0] = 0;
		else if (!m->present[0]) {
			m->present[0] = 1;
			m->acked[0] = m->seq;
		}
	}
	for (d = 0; d < M_DESTS; d++)
		if (!m->present[d])
			m->acked[d] = m->seq;
	fx_loop(f);
}

/* The destination an upload went to, from its real URL. */
static int
m_dest_of(const struct upload *u)
{
	return strstr(u->url, "-d.xml") != NULL ? 0 : 1;
}

/* Check every upload started since the last look against the model. */
static void
m_check_new_uploads(struct fx *f, struct model *m)
{
	char		 name[64], *p, *v, *e;
	int		 in[M_NAMES], d, n;
	struct upload	*u;

	for (; m->seen < f->nup; m->seen++) {
		u = &f->up[m->seen];
		d = m_dest_of(u);
		MCHECK(m, m->present[d]);
		memset(in, 0, sizeof in);
		for (p = u->body; (p = strstr(p, "\n  <")) != NULL; p++) {
			if (sscanf(p + 4, "%63[A-Za-z0-9_]", name) != 1)
				continue;
			n = m_name(name);
			MCHECK(m, n >= 0 && n < M_NAMES);
			if (n < 0 || n >= M_NAMES)
				continue;
			in[n] = 1;
			/* Built from fresh data: never a stale value. */
			if (n < 4 && (v = strchr(p + 4, '>')) != NULL &&
			    (e = strchr(v, '<')) != NULL)
				MCHECK(m, (size_t)(e - v - 1) ==
				    strlen(m->cur[n]) && strncmp(v + 1,
				    m->cur[n], strlen(m->cur[n])) == 0);
		}
		/* Exactly what it owes: nothing lost, nothing extra. */
		for (n = 0; n < M_NAMES; n++)
			MCHECK(m, in[n] == m_owes(m, d, n));
		m->built[m->seen] = m->seq;
	}
}

/* What the store says each destination owes is what the model says. */
static void
m_check_pending(struct fx *f, struct model *m)
{
	size_t	want;
	int	d, n;

	for (d = 0; d < M_DESTS; d++) {
		if (!m->present[d])
			continue;
		for (want = 0, n = 0; n < M_NAMES; n++)
			want += m_owes(m, d, n);
		if (store_dest_pending(f->a->store, m_ids[d]) != want)
			print_message("dest %d: the store owes %zu, the model "
			    "%zu (seq %u acked %u)\n", d,
			    store_dest_pending(f->a->store, m_ids[d]), want,
			    m->seq, m->acked[d]);
		MCHECK(m, store_dest_pending(f->a->store, m_ids[d]) == want);
	}
}

/*
 * The journal store compacts when its journal passes the snapshot's size;
 * the model's small batches would rarely get there, so a low bound makes
 * compactions happen among the steps (and across restarts) too.
 */
static void
m_small_journal(struct fx *f)
{
	store_compact_at(f->a->store, 512);
}

static void
test_model(void **state)
{
	struct fx	*f = *state;
	struct model	 m;
	const char	*names[3], *values[3], *env;
	const char	*vals[] = { "0", "1", "2" };
	char		 err[CFGREPORT_ERRLEN];
	size_t		 i, k;
	int		 n, steps;

	memset(&m, 0, sizeof m);
	env = getenv("CFGREPORT_SEED");
	m.seed = env != NULL ? (uint32_t)strtoul(env, NULL, 10) :
	    (uint32_t)time(NULL);
	m.x = m.seed != 0 ? m.seed : 1;
	steps = getenv("CFGREPORT_STEPS") != NULL ?
	    atoi(getenv("CFGREPORT_STEPS")) : M_STEPS;
	print_message("model seed %u, %d steps\n", m.seed, steps);
	fx_agent(f, "<Report_Rule>[--delta]/$MA-d.xml [--delta]"
	    "http://prov/$B/e.xml</Report_Rule><GPP_A>0</GPP_A>"
	    "<GPP_B>b</GPP_B><GPP_C>0</GPP_C><GPP_D>0</GPP_D>"
	    "<Report_To_Server>On Local Change</Report_To_Server>"
	    "<Upload_Delay_On_Local_Change>10</Upload_Delay_On_Local_Change>");
	m_small_journal(f);
	/* The profile is the baseline: nothing owed. */
	snprintf(m.cur[0], 64, "0");
	snprintf(m.cur[1], 64, "b");
	snprintf(m.cur[2], 64, "0");
	snprintf(m.cur[3], 64, "0");
	snprintf(m.cur[4], 64, "%s", m_rule_both);
	m.present[0] = m.present[1] = 1;
	for (m.step = 0; m.step < steps; m.step++) {
		MCHECK(&m, f->nup < FX_MAX_UPLOADS - 8);
		n = (int)m_rand(&m, 10);
		if (getenv("CFGREPORT_TRACE") != NULL)
			print_message("step %d: action %d, %zu uploads\n",
			    m.step, n, f->nup);
		switch (n) {
		case 0:
		case 1:		/* a local or provisioning batch */
			/* A non-empty subset of GPP_A, GPP_C, GPP_D. */
			n = 1 + (int)m_rand(&m, 7);
			for (k = 0, i = 0; i < 3; i++) {
				if ((n & (1 << i)) == 0)
					continue;
				names[k] = m_names[i == 1 ? 3 : i];
				values[k++] = vals[m_rand(&m, 3)];
			}
			m_batch(f, &m, m_rand(&m, 2) ? CFGREPORT_LOCAL :
			    CFGREPORT_PROVISIONING, k, names, values);
			break;
		case 2:		/* $B valid or not: D2 resolves or not */
			names[0] = "GPP_B";
			values[0] = m_rand(&m, 2) ? "b" : "x y";
			m_batch(f, &m, CFGREPORT_PROVISIONING, 1, names,
			    values);
			break;
		case 3:		/* the operator edits the rule */
			if (m_rand(&m, 4) != 0)
				break;
			names[0] = "Report_Rule";
			values[0] = m_rand(&m, 2) ? m_rule_both : m_rule_one;
			m_batch(f, &m, CFGREPORT_PROVISIONING, 1, names,
			    values);
			break;
		case 4:		/* option 66 flaps */
			m.opt66 = (int)m_rand(&m, 2);
			fx_status(f, "DHCP_Option_66", m.opt66 ?
			    "http://127.0.0.1:9/" : "");
			break;
		case 5:		/* a request */
			(void)cfgreport_report(f->a, 0, err);
			fx_loop(f);
			break;
		case 6:		/* time passes: retries, local windows */
			fx_advance(f, (double)m_rand(&m, 120));
			break;
		case 7:
		case 8:		/* an upload ends: 2xx, failure, or hangs */
			for (i = 0; i < f->nup; i++) {
				if (!f->up[i].active)
					continue;
				n = (int)m_rand(&m, 3);
				if (n == 2)
					continue;
				k = (size_t)m_dest_of(&f->up[i]);
				if (n == 0) {
					/* The server has it: acked at build. */
					if (m.acked[k] < m.built[i])
						m.acked[k] = m.built[i];
					fx_finish(f, i, 200);
				} else
					fx_finish(f, i, 503);
				break;
			}
			break;
		case 9:		/* a restart from the durable state */
			if (m_rand(&m, 3) != 0)
				break;
			/* What hung is abandoned: it will be sent again. */
			fx_restart(f, NULL);
			m_small_journal(f);
			m.opt66 = 0;
			break;
		}
		m_check_new_uploads(f, &m);
		m_check_pending(f, &m);
	}
}

/* --- a transfer context shared by agents on one loop ------------------- */

struct shared_seen {
	int	outcomes;
	int	failed;
	int	emfile;
	size_t	peak;
	struct cfgreport_transfers *ts;
};

static void
shared_outcome(void *arg, const struct cfgreport_outcome *o)
{
	struct shared_seen		*s = arg;
	struct cfgreport_transfers_counts c;

	s->outcomes++;
	s->failed += !o->ok;
	s->emfile += strstr(o->result, "too many open files") != NULL;
	cfgreport_transfers_stats(s->ts, &c);
	if (c.peak_in_flight > s->peak)
		s->peak = c.peak_in_flight;
}

static void
test_shared_transfers(void **state)
{
	struct fx			*f = *state;
	struct cfgreport_transfers_config tc;
	struct cfgreport_transfers	*ts;
	struct cfgreport_config		 cfg;
	struct cfgreport		*a[3];
	struct shared_seen		 seen;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;
	uint8_t				 mac[6] = { 0, 0x0e, 0x08, 0, 0, 0 };
	const char			*names[1] = { "Report_Rule" };
	const char			*values[1];
	char				 dir[3][128], rule[128];
	char				 err[CFGREPORT_ERRLEN];
	int				 i, s;

	/* A port nobody listens on: each upload fails at once. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	close(s);
	snprintf(rule, sizeof rule, "[--delta] http://127.0.0.1:%d/$MA.xml",
	    ntohs(sin.sin_port));
	values[0] = rule;

	memset(&tc, 0, sizeof tc);
	tc.max_in_flight = 1;
	assert_non_null(ts = cfgreport_transfers_new(f->base, &tc, err));
	memset(&seen, 0, sizeof seen);
	seen.ts = ts;
	memset(&cfg, 0, sizeof cfg);
	cfg.mac = mac;
	cfg.transfers = ts;
	cfg.outcome = shared_outcome;
	cfg.outcome_arg = &seen;
	/* The trust belongs to the shared context: refused on an agent. */
	snprintf(dir[0], sizeof dir[0], "%s/a0", f->dir);
	cfg.state_dir = dir[0];
	cfg.ca_file = "/dev/null";
	assert_null(cfgreport_new(f->base, &cfg, err));
	assert_non_null(strstr(err, "shared transfers"));
	cfg.ca_file = NULL;
	for (i = 0; i < 3; i++) {
		snprintf(dir[i], sizeof dir[i], "%s/a%d", f->dir, i);
		cfg.state_dir = dir[i];
		mac[5] = (uint8_t)i;
		assert_non_null(a[i] = cfgreport_new(f->base, &cfg, err));
		assert_int_equal(cfgreport_set(a[i], CFGREPORT_PROVISIONING, 1,
		    names, values, err), 0);
		assert_int_equal(cfgreport_report(a[i], 0, err), 0);
	}
	while (seen.outcomes < 3)
		assert_true(event_base_loop(f->base, EVLOOP_ONCE) == 0);
	/* Each agent's round, one upload at a time through the one context. */
	assert_int_equal(seen.failed, 3);
	assert_int_equal(seen.emfile, 0);
	assert_int_equal(seen.peak, 1);
	for (i = 0; i < 3; i++)
		cfgreport_free(a[i]);
	cfgreport_transfers_free(ts);
}

/*
 * Status values have a total cap (issue 9, finding 5): a batch that would
 * pass CFGREPORT_STATUS_MAX_BYTES or _VALUES is refused whole and leaves
 * the values as they were; replacing a value counts its new size only.
 */
static void
test_status_capped(void **state)
{
	struct fx	*f = *state;
	const char	*names[CFGREPORT_STATUS_MAX_VALUES + 1];
	const char	*values[CFGREPORT_STATUS_MAX_VALUES + 1];
	char		*big, (*small)[16], err[CFGREPORT_ERRLEN];
	const char	*body;
	size_t		 i, vlen = PARAMS_MAX_VALUE - 1;

	fx_agent(f, "<Report_Rule>[--status]http://prov/s.xml</Report_Rule>");
	fx_advance(f, 0);
	assert_int_equal(f->nup, 1);
	fx_finish(f, 0, 200);
	assert_non_null(big = malloc(vlen + 1));
	memset(big, 's', vlen);
	big[vlen] = '\0';
	assert_non_null(small = calloc(CFGREPORT_STATUS_MAX_VALUES + 1,
	    sizeof *small));
	/* 15 values of 64 KiB: 983,040 bytes and their names, within. */
	for (i = 0; i < 17; i++) {
		snprintf(small[i], sizeof small[i], "Big_%zu", i);
		names[i] = small[i];
		values[i] = big;
	}
	assert_int_equal(cfgreport_status_set(f->a, 15, names, values, err), 0);
	assert_int_equal(cfgreport_status_set(f->a, 1, names + 15, values,
	    err), -1);
	assert_non_null(strstr(err, "the limit is 1048576"));
	/* Nothing of the refused batch is kept; a smaller value makes room. */
	values[14] = "tiny";
	values[15] = values[16] = big;
	assert_int_equal(cfgreport_status_set(f->a, 3, names + 14, values + 14,
	    err), -1);
	assert_int_equal(cfgreport_status_set(f->a, 1, names + 14, values + 14,
	    err), 0);
	assert_int_equal(cfgreport_status_set(f->a, 1, names + 15, values + 15,
	    err), 0);
	/* The count: 1000 in all, with the 16 above. */
	for (i = 0; i <= CFGREPORT_STATUS_MAX_VALUES; i++) {
		snprintf(small[i], sizeof small[i], "S_%zu", i);
		names[i] = small[i];
		values[i] = "1";
	}
	assert_int_equal(cfgreport_status_set(f->a,
	    CFGREPORT_STATUS_MAX_VALUES - 15, names, values, err), -1);
	assert_non_null(strstr(err, "the limit is 1000"));
	assert_int_equal(cfgreport_status_set(f->a,
	    CFGREPORT_STATUS_MAX_VALUES - 16, names, values, err), 0);
	fx_report(f, CFGREPORT_STATUS);
	fx_loop(f);
	assert_int_equal(f->nup, 2);
	body = f->up[1].body;
	assert_non_null(strstr(body, "<S_983>1</S_983>"));
	assert_null(strstr(body, "S_984"));
	assert_null(strstr(body, "Big_16"));
	assert_non_null(strstr(body, "<Big_14>tiny</Big_14>"));
	free(small);
	free(big);
}

/*
 * A truncated or missing profile at start (issue 9, finding 6): over a
 * saved configuration the agent starts on it, says so at LOG_ERR, and
 * keeps the pending changes; with no saved configuration it refuses.
 */
static void
test_damaged_profile_at_start(void **state)
{
	struct fx	*f = *state;
	char		 path[160], err[CFGREPORT_ERRLEN], *got;
	const char	*name = "Station_Name";
	FILE		*fp;

	fx_agent(f, "<Report_Rule>[--delta]http://prov/d.xml</Report_Rule>"
	    "<Station_Name>desk</Station_Name>");
	fx_set(f, CFGREPORT_LOCAL, "Station_Name", "hall");
	cfgreport_free(f->a);
	f->a = NULL;
	snprintf(path, sizeof path, "%s/p.xml", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("<flat-profile><Report_Rule>[--delta]http://prov/d.x", fp);
	fclose(fp);
	f->a = fx_agent_file(f, path, err);
	if (f->a == NULL)
		fail_msg("a truncated profile stopped the agent: %s", err);
	fx_loop(f);
	assert_non_null(strstr(f->log, "p.xml"));
	assert_non_null(strstr(f->log, "starting on the configuration saved "
	    "in the state"));
	assert_non_null(got = cfgreport_get(f->a, 1, &name, err));
	assert_string_equal(got, "Station_Name=hall\n");
	free(got);
	assert_int_equal(fx_info_num(f, "pending-changes "), 1);
	/* Missing altogether: the same. */
	cfgreport_free(f->a);
	unlink(path);
	assert_non_null(f->a = fx_agent_file(f, path, err));
	assert_int_equal(fx_info_num(f, "pending-changes "), 1);
	cfgreport_free(f->a);
	f->a = NULL;
	/* No saved configuration: nothing to start on. */
	snprintf(path, sizeof path, "rm -rf %s/*", f->dir);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof path, "%s/p.xml", f->dir);
	assert_null(fx_agent_file(f, path, err));
	assert_non_null(strstr(err, "no saved configuration to start on"));
}

/*
 * cfgreport_set trims each value's white space as a profile's values are
 * (a copy only then), and judges it after the trim.
 */
static void
test_set_trims(void **state)
{
	struct fx	*f = *state;
	const char	*names[] = { "A_1", "A_2", "A_3", "A_4", "A_5",
			    "Periodic_Upload_To_Server" };
	const char	*values[] = { " a ", "\t\r\nb", "c\n", "", "d e",
			    " 600\t" };
	char		 err[CFGREPORT_ERRLEN], *got;

	fx_agent(f, "<A_1>x</A_1>");
	if (cfgreport_set(f->a, CFGREPORT_LOCAL, 6, names, values, err) == -1)
		fail_msg("set: %s", err);
	fx_loop(f);
	assert_non_null(got = cfgreport_get(f->a, 6, names, err));
	assert_string_equal(got, "A_1=a\nA_2=b\nA_3=c\nA_4=\nA_5=d e\n"
	    "Periodic_Upload_To_Server=600\n");
	free(got);
	values[5] = " 599 ";
	assert_int_equal(cfgreport_set(f->a, CFGREPORT_LOCAL, 6, names,
	    values, err), -1);
	assert_non_null(strstr(err, "\"599\""));
}

/*
 * A destination whose URL is longer than the state's key limit (issue 9,
 * finding 4): its baseline moves like the others', and the others' too
 * (before, every plan failed to record them: "destination key longer
 * than 4096 bytes").
 */
static void
test_long_destination(void **state)
{
	struct fx	*f = *state;
	char		*prof, *path, *info;
	size_t		 len = 5000;

	assert_non_null(path = malloc(len + 1));
	memset(path, 'p', len);
	path[len] = '\0';
	assert_true(asprintf(&prof, "<Report_Rule>[--delta]http://prov/%s "
	    "[--delta]http://prov/d.xml</Report_Rule>", path) != -1);
	fx_agent(f, prof);
	fx_advance(f, 0);
	fx_set(f, CFGREPORT_LOCAL, "Station_Name", "hall");
	fx_report(f, CFGREPORT_DELTA);
	fx_loop(f);
	assert_int_equal(f->nup, 2);
	assert_non_null(strstr(f->up[0].body, "hall"));
	assert_non_null(strstr(f->up[1].body, "hall"));
	fx_finish(f, 0, 200);
	fx_finish(f, 1, 200);
	info = cfgreport_info(f->a);
	assert_null(strstr(info, "pending-changes 1"));
	assert_non_null(strstr(info, "pending-changes 0"));
	free(info);
	assert_null(strstr(f->log, "longer than"));
	/* Acknowledged for good: a restart sends nothing new. */
	fx_restart(f, NULL);
	assert_int_equal(fx_info_num(f, "pending-changes "), 0);
	free(prof);
	free(path);
}

/*
 * What a kill -9 leaves (a torn last journal record) is logged at
 * LOG_WARNING; damage (a record set aside) at LOG_ERR.
 */
static void
test_torn_journal_is_a_warning(void **state)
{
	struct fx	*f = *state;
	char		 path[160];
	struct stat	 st;
	FILE		*fp;

	fx_agent(f, "<Station_Name>desk</Station_Name>");
	fx_set(f, CFGREPORT_LOCAL, "Station_Name", "hall");
	fx_set(f, CFGREPORT_LOCAL, "Station_Name", "lobby");
	cfgreport_free(f->a);
	f->a = NULL;
	snprintf(path, sizeof path, "%s/cfgreport.journal", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 3), 0);
	f->errs = 0;
	fx_restart(f, NULL);
	assert_non_null(strstr(f->log, "incomplete last record"));
	assert_int_equal(f->errs, 0);
	/* A damaged record with one after it: damage. */
	fx_set(f, CFGREPORT_LOCAL, "Station_Name", "x1");
	fx_set(f, CFGREPORT_LOCAL, "Station_Name", "x2");
	fx_set(f, CFGREPORT_LOCAL, "Station_Name", "x3");
	cfgreport_free(f->a);
	f->a = NULL;
	assert_non_null(fp = fopen(path, "r+"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(fseek(fp, st.st_size / 2, SEEK_SET), 0);
	fputc('#', fp);
	fclose(fp);
	fx_restart(f, NULL);
	assert_non_null(strstr(f->log, "cfgreport.journal.corrupt"));
	assert_int_equal(f->errs, 1);
}

/* --- imports read a slice per loop pass (issue 9, the loop's goal) ----- */

struct imported {
	int	calls;
	int	rv;
	char	err[CFGREPORT_ERRLEN];
};

static void
imported_cb(void *arg, int rv, const char *err)
{
	struct imported	*im = arg;

	im->calls++;
	im->rv = rv;
	snprintf(im->err, sizeof im->err, "%s", err);
}

/* A profile of N parameters P0..P(N-1) valued V, and TAIL before its end. */
static char *
import_doc(size_t n, const char *v, const char *tail)
{
	size_t	 size = n * (48 + strlen(v)) + strlen(tail) + 256, i;
	char	*doc = malloc(size), *o;

	assert_non_null(doc);
	o = doc + sprintf(doc, "<flat-profile>\n<Report_Rule>"
	    "[--delta]http://prov/d.xml</Report_Rule>\n");
	for (i = 0; i < n; i++)
		o += sprintf(o, "  <P%zu ua=\"rw\">%s%zu</P%zu>\n", i, v, i, i);
	sprintf(o, "%s</flat-profile>\n", tail);
	return doc;
}

static char *
fx_get1(struct fx *f, const char *name)
{
	char	err[CFGREPORT_ERRLEN], *got;

	if ((got = cfgreport_get(f->a, 1, &name, err)) == NULL)
		fail_msg("get %s: %s", name, err);
	return got;
}

/* One pass of the loop at a time: the import is read across several. */
static int
fx_passes_until(struct fx *f, const struct imported *im)
{
	int	n;

	for (n = 0; im->calls == 0; n++) {
		assert_true(n < 1000);
		assert_int_equal(event_base_loop(f->base, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK), 0);
	}
	return n;
}

static void
test_import_in_slices(void **state)
{
	struct fx		*f = *state;
	struct imported		 one = { 0, 0, "" }, two = { 0, 0, "" };
	const char		*p7 = "P7", *mine = "mine";
	char			*doc, *doc2, *got, err[CFGREPORT_ERRLEN];
	int			 passes;

	fx_agent(f, "<Report_Rule>[--delta]http://prov/d.xml</Report_Rule>"
	    "<P7>old</P7>");
	/* 3,000 parameters: about 120 KB, more than one 64 KiB slice. */
	doc = import_doc(3000, "a", "");
	doc2 = import_doc(3000, "b", "");
	assert_non_null(cfgreport_import_start(f->a, doc, strlen(doc),
	    imported_cb, &one, err));
	assert_non_null(cfgreport_import_start(f->a, doc2, strlen(doc2),
	    imported_cb, &two, err));
	assert_int_equal(cfgreport_imports(f->a), 2);
	/* Nothing is applied while it is read; other requests are served. */
	assert_int_equal(event_base_loop(f->base, EVLOOP_ONCE |
	    EVLOOP_NONBLOCK), 0);
	assert_int_equal(event_base_loop(f->base, EVLOOP_ONCE |
	    EVLOOP_NONBLOCK), 0);
	assert_int_equal(one.calls, 0);
	got = fx_get1(f, "P7");
	assert_string_equal(got, "P7=old\n");
	free(got);
	/* A local change meanwhile: the import, applied later, wins. */
	assert_int_equal(cfgreport_set(f->a, CFGREPORT_LOCAL, 1, &p7, &mine,
	    err), 0);
	passes = fx_passes_until(f, &one) + 2;
	assert_true(passes >= 3);	/* its start, two slices at least */
	assert_int_equal(one.rv, 0);
	assert_string_equal(one.err, "");
	got = fx_get1(f, "P7");
	assert_string_equal(got, "P7=a7\n");
	free(got);
	/* The second, asked after it, is applied after it. */
	assert_int_equal(two.calls, 0);
	fx_passes_until(f, &two);
	assert_int_equal(two.rv, 0);
	got = fx_get1(f, "P2999");
	assert_string_equal(got, "P2999=b2999\n");
	free(got);
	assert_int_equal(one.calls, 1);
	assert_int_equal(two.calls, 1);
	assert_int_equal(cfgreport_imports(f->a), 0);
	assert_non_null(strstr(f->log, "provisioning batch: 3000 change(s)"));
	free(doc);
	free(doc2);
}

/*
 * Refused late in the document: the reason has the line, and nothing
 * read before it is applied.  Cancelled: no call; freed: the callers of
 * imports still queued hear why.
 */
static void
test_import_refused_cancelled_freed(void **state)
{
	struct fx		*f = *state;
	struct imported		 bad = { 0, 0, "" }, gone = { 0, 0, "" };
	struct imported		 late = { 0, 0, "" };
	struct cfgreport_import	*im;
	char			*doc, *ok, *got, err[CFGREPORT_ERRLEN];

	fx_agent(f, "<Report_Rule>[--delta]http://prov/d.xml</Report_Rule>"
	    "<P7>old</P7>");
	doc = import_doc(3000, "a", "<X>1</Y>\n");
	assert_non_null(cfgreport_import_start(f->a, doc, strlen(doc),
	    imported_cb, &bad, err));
	fx_passes_until(f, &bad);
	assert_int_equal(bad.rv, -1);
	assert_non_null(strstr(bad.err, "Mismatched close tag </Y> under "
	    "parent <X> on line 3003"));
	got = fx_get1(f, "P7");
	assert_string_equal(got, "P7=old\n");
	free(got);
	assert_int_equal(fx_info_num(f, "pending-changes "), 0);

	ok = import_doc(10, "c", "");
	assert_non_null(im = cfgreport_import_start(f->a, ok, strlen(ok),
	    imported_cb, &gone, err));
	cfgreport_import_cancel(im);
	fx_loop(f);
	assert_int_equal(gone.calls, 0);
	got = fx_get1(f, "P7");
	assert_string_equal(got, "P7=old\n");
	free(got);

	assert_non_null(cfgreport_import_start(f->a, ok, strlen(ok),
	    imported_cb, &late, err));
	cfgreport_free(f->a);
	f->a = NULL;
	assert_int_equal(late.calls, 1);
	assert_int_equal(late.rv, -1);
	assert_string_equal(late.err, "the agent is shutting down");
	free(ok);
	free(doc);
}

/* SIGHUP's reload: read when its turn comes; a second one joins it. */
static void
test_reload_in_slices(void **state)
{
	struct fx	*f = *state;
	struct imported	 r = { 0, 0, "" }, again = { 0, 0, "" };
	char		 path[160], err[CFGREPORT_ERRLEN], *doc, *got;
	FILE		*fp;

	fx_agent(f, "<Report_Rule>[--delta]http://prov/d.xml</Report_Rule>"
	    "<P7>old</P7>");
	assert_non_null(cfgreport_reload_start(f->a, imported_cb, &r, err));
	assert_null(cfgreport_reload_start(f->a, imported_cb, &again, err));
	assert_non_null(strstr(err, "a reload is already waiting"));
	/* Written after the signal, before its turn: this is what is read. */
	snprintf(path, sizeof path, "%s/p.xml", f->dir);
	doc = import_doc(3000, "r", "");
	assert_non_null(fp = fopen(path, "w"));
	fputs(doc, fp);
	fclose(fp);
	fx_passes_until(f, &r);
	assert_int_equal(r.rv, 0);
	got = fx_get1(f, "P7");
	assert_string_equal(got, "P7=r7\n");
	free(got);
	assert_non_null(strstr(f->log, "p.xml: applied"));
	/* Unchanged since: done at once, nothing applied. */
	memset(&r, 0, sizeof r);
	assert_non_null(cfgreport_reload_start(f->a, imported_cb, &r, err));
	fx_passes_until(f, &r);
	assert_int_equal(r.rv, 0);
	assert_non_null(strstr(f->log, "unchanged since last applied"));
	/* Broken: the file and line in the reason, the configuration kept. */
	assert_non_null(fp = fopen(path, "w"));
	fputs("<flat-profile>\n<P7>x</P8>\n</flat-profile>\n", fp);
	fclose(fp);
	memset(&r, 0, sizeof r);
	assert_non_null(cfgreport_reload_start(f->a, imported_cb, &r, err));
	fx_passes_until(f, &r);
	assert_int_equal(r.rv, -1);
	assert_non_null(strstr(r.err, "p.xml: XML: Mismatched close tag"));
	got = fx_get1(f, "P7");
	assert_string_equal(got, "P7=r7\n");
	free(got);
	assert_int_equal(again.calls, 0);
	free(doc);
}

int
main(void)
{
#define T(t)	cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_unresolved_keeps_pending),
		T(test_round_waits_for_resolution),
		T(test_secrets_never_shown),
		T(test_startup_spread),
		T(test_periodic_grid),
		T(test_local_change_window),
		T(test_coalesce_in_flight),
		T(test_report_runs_from_loop),
		T(test_notify_rate_limit),
		T(test_backoff),
		T(test_backoff_distribution),
		T(test_explicit_empty_delta),
		T(test_deltas_abc_then_xyz),
		T(test_failed_delta_in_next),
		T(test_model),
		T(test_shared_transfers),
		T(test_status_capped),
		T(test_set_trims),
		T(test_damaged_profile_at_start),
		T(test_long_destination),
		T(test_torn_journal_is_a_warning),
		T(test_import_in_slices),
		T(test_import_refused_cancelled_freed),
		T(test_reload_in_slices),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
