/*
 * status.c — the status values a status report carries: the agent's own,
 * then what status-set pushed (a pushed value with the name of one of the
 * agent's own replaces it).  Destinations are shown masked.  What
 * status-set may hold is capped (status_check; docs/agent.md).
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "agent.h"
#include "cfgreport.h"

void
status_iso_time(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct params *
status_values(struct cfgreport *a)
{
	struct params	*s;
	struct dest	*d;
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
	snprintf(buf, sizeof buf, "%lld",
	    (long long)(agent_now(a) - a->started));
	params_set(s, "Uptime", buf, UA_NONE, NULL);
	status_iso_time(agent_wall(a), buf, sizeof buf);
	params_set(s, "Current_Time", buf, UA_NONE, NULL);
	for (i = 0; i < a->ndests; i++) {
		d = a->dests[i];
		snprintf(name, sizeof name, "Report_%zu_Destination", i + 1);
		params_set(s, name, d->p.shown, UA_NONE, NULL);
		snprintf(name, sizeof name, "Report_%zu_Last_Upload", i + 1);
		if (d->last_time != 0)
			status_iso_time(d->last_time, buf, sizeof buf);
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

/*
 * Does S, the pushed values a status-set would leave, stay within
 * CFGREPORT_STATUS_MAX_VALUES values and CFGREPORT_STATUS_MAX_BYTES bytes
 * of names and values?  0, or -1 with the reason.
 */
int
status_check(const struct params *s, char *err)
{
	const struct param	*p;
	size_t			 i, n = params_count(s), bytes = 0;

	if (n > CFGREPORT_STATUS_MAX_VALUES) {
		cr_seterr(err, "status-set: %zu status values: the limit is %d",
		    n, CFGREPORT_STATUS_MAX_VALUES);
		return -1;
	}
	for (i = 0; i < n; i++) {
		p = params_at(s, i);
		bytes += strlen(p->name) + (p->value != NULL ?
		    strlen(p->value) : 0);
	}
	if (bytes > CFGREPORT_STATUS_MAX_BYTES) {
		cr_seterr(err, "status-set: the status values would hold %zu "
		    "bytes of names and values: the limit is %d",
		    bytes, CFGREPORT_STATUS_MAX_BYTES);
		return -1;
	}
	return 0;
}
