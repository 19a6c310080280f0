/*
 * two_agents — a host program running two cfgreport agents on its own
 * libevent loop (docs/library.md).  Each agent reports a full
 * configuration to URL, named after its MAC address, once at start-up;
 * the host stops both after SECONDS.
 *
 *   two_agents STATEDIR1 STATEDIR2 URL-PREFIX SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "cfgreport.h"

static void
host_log(void *arg, int prio, const char *msg)
{
	fprintf(stderr, "[%s] %s\n", (const char *)arg, msg);
}

/* What a phone's UI would show as "last report" (cfgreport_outcome). */
static void
host_outcome(void *arg, const struct cfgreport_outcome *o)
{
	fprintf(stderr, "[%s] last report: %s %s, HTTP %ld, %zu bytes%s\n",
	    (const char *)arg, o->destination, o->ok ? "ok" : "failed",
	    o->http_status, o->bytes, o->next_retry >= 0 ? ", retrying" : "");
}

static void
host_stop(evutil_socket_t fd, short ev, void *arg)
{
	event_base_loopbreak(arg);
}

int
main(int argc, char *argv[])
{
	static const uint8_t	 macs[2][6] = {
		{ 0x00, 0x0e, 0x08, 0x00, 0x00, 0x01 },
		{ 0x00, 0x0e, 0x08, 0x00, 0x00, 0x02 },
	};
	static const char	*tags[2] = { "agent1", "agent2" };
	struct cfgreport_config	 cfg;
	struct cfgreport	*agents[2];
	struct event_base	*base;
	struct event		*stop;
	struct timeval		 tv = { 0, 0 };
	char			 err[CFGREPORT_ERRLEN], rule[512];
	const char		*names[1] = { "Report_Rule" }, *values[1];
	int			 i;

	if (argc != 5) {
		fprintf(stderr, "usage: two_agents STATEDIR1 STATEDIR2 "
		    "URL-PREFIX SECONDS\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);	/* once per process */
	base = event_base_new();
	for (i = 0; i < 2; i++) {
		memset(&cfg, 0, sizeof cfg);
		cfg.state_dir = argv[1 + i];
		cfg.mac = macs[i];
		cfg.log = host_log;
		cfg.log_arg = (void *)tags[i];
		cfg.outcome = host_outcome;
		cfg.outcome_arg = (void *)tags[i];
		if ((agents[i] = cfgreport_new(base, &cfg, err)) == NULL) {
			fprintf(stderr, "%s: %s\n", tags[i], err);
			return 1;
		}
		/* The host feeds settings like any other parameter change. */
		snprintf(rule, sizeof rule, "%s/$MA-full.xml", argv[3]);
		values[0] = rule;
		if (cfgreport_set(agents[i], CFGREPORT_PROVISIONING, 1, names,
		    values, err) == -1 ||
		    cfgreport_report(agents[i], CFGREPORT_FULL, err) == -1) {
			fprintf(stderr, "%s: %s\n", tags[i], err);
			return 1;
		}
	}
	tv.tv_sec = atoi(argv[4]);
	stop = evtimer_new(base, host_stop, base);
	evtimer_add(stop, &tv);
	event_base_dispatch(base);
	for (i = 0; i < 2; i++)
		cfgreport_free(agents[i]);
	event_free(stop);
	event_base_free(base);
	curl_global_cleanup();
	return 0;
}
