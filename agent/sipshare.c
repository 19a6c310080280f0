/*
 * sipshare.c — one SIP NOTIFY listener for several agents on one loop
 * (cfgreport_sip, docs/sip.md): a sipd whose requests are routed to the
 * agent whose SIP user (User_ID_1_, read at each request, so a batch
 * that changes it moves the route) is the Request-URI's user, else the
 * To header's.  The agent's own credentials authenticate the NOTIFY and
 * its scheduler decides the round, as with a listener of its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "agent.h"
#include "cfgreport.h"

struct cfgreport_sip {
	struct sipd		*sipd;
	struct cfgreport	*agents;	/* linked by sip_next */
	cfgreport_log_fn	 log;
	void			*log_arg;
};

/*
 * The agent with SIP user USER, the first created when several share
 * one (a configuration error the operator sees as NOTIFYs reaching only
 * one of them).  A linear walk: a NOTIFY is rare beside its Digest work.
 */
static void *
sipshare_route(void *arg, const char *user)
{
	struct cfgreport_sip	*sh = arg;
	struct cfgreport	*a, *found = NULL;

	for (a = sh->agents; a != NULL; a = a->sip_next)
		if (a->set.sip_user != NULL &&
		    strcmp(a->set.sip_user, user) == 0)
			found = a;	/* the list is newest first */
	return found;
}

static void
sipshare_log(void *arg, int prio, const char *msg)
{
	struct cfgreport_sip	*sh = arg;

	if (sh->log != NULL)
		sh->log(sh->log_arg, prio, msg);
}

struct cfgreport_sip *
cfgreport_sip_new(struct event_base *base,
    const struct cfgreport_sip_config *cfg, char *err)
{
	struct cfgreport_sip	*sh;
	struct sipd_config	 sc;

	if ((sh = calloc(1, sizeof *sh)) == NULL) {
		cr_seterr(err, "out of memory");
		return NULL;
	}
	sh->log = cfg->log;
	sh->log_arg = cfg->log_arg;
	memset(&sc, 0, sizeof sc);
	sc.addr = cfg->addr;
	sc.port = cfg->port;
	sc.creds = agent_sip_creds;
	sc.trigger = agent_sip_trigger;
	sc.log = sipshare_log;
	sc.arg = sh;
	sc.route = sipshare_route;
	if ((sh->sipd = sipd_new(base, &sc, err)) == NULL) {
		free(sh);
		return NULL;
	}
	return sh;
}

int
cfgreport_sip_port(const struct cfgreport_sip *sh)
{
	return sipd_port(sh->sipd);
}

void
cfgreport_sip_free(struct cfgreport_sip *sh)
{
	struct cfgreport	*a;

	if (sh == NULL)
		return;
	/* Agents still here lose their listener, not their memory. */
	while ((a = sh->agents) != NULL) {
		sh->agents = a->sip_next;
		a->sipshare = NULL;
		a->sip_next = NULL;
	}
	sipd_free(sh->sipd);
	free(sh);
}

void
sipshare_add(struct cfgreport_sip *sh, struct cfgreport *a)
{
	a->sipshare = sh;
	a->sip_next = sh->agents;
	sh->agents = a;
}

void
sipshare_remove(struct cfgreport *a)
{
	struct cfgreport	**pp;

	if (a->sipshare == NULL)
		return;
	for (pp = &a->sipshare->agents; *pp != NULL; pp = &(*pp)->sip_next)
		if (*pp == a) {
			*pp = a->sip_next;
			break;
		}
	a->sipshare = NULL;
}
