/*
 * import.c — a profile imported (control `import`, cfgreport_import_start)
 * or re-read (SIGHUP, cfgreport_reload_start) without holding the loop for
 * the whole parse: mxml reads one slice of the document per loop pass
 * (profile_loader_step), and control requests, SIP and transfers are
 * served between slices.  The set read is then applied whole, as one
 * durable batch, exactly as cfgreport_import would.
 *
 * Imports queue in the order asked and run one at a time, so the last one
 * asked is the last one applied.  A reload reads its file when its turn
 * comes; a second reload asked while one is still waiting joins it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>

#include "proto.h"
#include "agent.h"

/* About a millisecond of mxml's work per loop pass (docs/control.md). */
#define IMPORT_SLICE	(64 * 1024)

struct cfgreport_import {
	TAILQ_ENTRY(cfgreport_import) entry;
	struct cfgreport	*agent;
	int			 reload;	/* the profile file, read later */
	const char		*xml;		/* the caller's, or BUF */
	size_t			 len;
	char			*buf;		/* a reload's file */
	uint8_t			 digest[STATE_DIGEST_LEN];
	struct profile_loader	*loader;	/* once started */
	cfgreport_import_done	 done;
	void			*arg;
};

static void
import_wake(struct cfgreport *a)
{
	static const struct timeval	zero = { 0, 0 };

	/* A zero-length timer: the loop polls its sockets first. */
	if (!TAILQ_EMPTY(&a->imports) && !evtimer_pending(a->import_ev, NULL))
		evtimer_add(a->import_ev, &zero);
}

static void
import_release(struct cfgreport_import *im)
{
	profile_loader_free(im->loader);
	if (im->buf != NULL) {
		crypt_wipe(im->buf, im->len);
		free(im->buf);
	}
	free(im);
}

/* IM is over: off the queue, its caller told, the next one woken. */
static void
import_end(struct cfgreport_import *im, int rv, const char *err)
{
	struct cfgreport	*a = im->agent;
	cfgreport_import_done	 done = im->done;
	void			*arg = im->arg;

	TAILQ_REMOVE(&a->imports, im, entry);
	import_release(im);
	import_wake(a);
	if (done != NULL)
		done(arg, rv, rv == 0 ? "" : err);
}

/* The loader's reason WHY into ERR: a reload's names its file. */
static void
import_why(const struct cfgreport_import *im, const char *why, char *err)
{
	if (im->reload)
		cr_seterr(err, "%s: %s", im->agent->profile_path, why);
	else
		cr_seterr(err, "%s", why);
}

/* The first pass of IM: a reload reads its file, then the text's check. */
static int
import_begin(struct cfgreport_import *im, char *err)
{
	struct cfgreport	*a = im->agent;
	char			 why[CR_ERRLEN];
	int			 rv;

	if (im->reload) {
		if ((rv = agent_profile_read(a, &im->buf, &im->len,
		    im->digest, err)) != 0)
			return rv;	/* 1: unchanged, nothing to do */
		im->xml = im->buf;
	}
	if ((im->loader = profile_loader_new(im->xml, im->len, IMPORT_SLICE,
	    agent_warn_cb, a, why)) == NULL) {
		import_why(im, why, err);
		return -1;
	}
	return 0;
}

static void
import_step(evutil_socket_t fd, short events, void *arg)
{
	struct cfgreport	*a = arg;
	struct cfgreport_import	*im = TAILQ_FIRST(&a->imports);
	struct params		*p;
	char			 err[CR_ERRLEN] = "", why[CR_ERRLEN];
	int			 rv;

	if (im == NULL)
		return;
	if (im->loader == NULL) {
		if ((rv = import_begin(im, err)) != 0) {
			import_end(im, rv == 1 ? 0 : -1, err);
			return;
		}
		import_wake(a);
		return;
	}
	if ((rv = profile_loader_step(im->loader, why)) == 1) {
		import_wake(a);
		return;
	}
	if (rv == -1) {
		import_why(im, why, err);
		import_end(im, -1, err);
		return;
	}
	/* Read whole: applied as one batch, durable before the caller hears. */
	p = profile_loader_take(im->loader);
	if (im->reload)
		rv = agent_profile_apply(a, p, im->digest, err);
	else
		rv = agent_apply(a, p, CFGREPORT_PROVISIONING, err);
	params_free(p);
	import_end(im, rv, err);
}

static struct cfgreport_import *
import_queue(struct cfgreport *a, int reload, const char *xml, size_t len,
    cfgreport_import_done done, void *arg, char *err)
{
	struct cfgreport_import	*im;

	if (a->stopping) {
		cr_seterr(err, "the agent is shutting down");
		return NULL;
	}
	if ((im = calloc(1, sizeof *im)) == NULL) {
		cr_seterr(err, "out of memory");
		return NULL;
	}
	im->agent = a;
	im->reload = reload;
	im->xml = xml;
	im->len = len;
	im->done = done;
	im->arg = arg;
	TAILQ_INSERT_TAIL(&a->imports, im, entry);
	import_wake(a);
	return im;
}

struct cfgreport_import *
cfgreport_import_start(struct cfgreport *a, const char *xml, size_t len,
    cfgreport_import_done done, void *arg, char *err)
{
	return import_queue(a, 0, xml, len, done, arg, err);
}

struct cfgreport_import *
cfgreport_reload_start(struct cfgreport *a, cfgreport_import_done done,
    void *arg, char *err)
{
	struct cfgreport_import	*im;

	if (a->profile_path == NULL) {
		cr_seterr(err, "no profile file to reload");
		return NULL;
	}
	/* One not begun yet reads the file as it will be then. */
	TAILQ_FOREACH(im, &a->imports, entry) {
		if (im->reload && im->loader == NULL && im->buf == NULL) {
			cr_seterr(err, "a reload is already waiting: it will "
			    "read the file as it is then");
			return NULL;
		}
	}
	return import_queue(a, 1, NULL, 0, done, arg, err);
}

void
cfgreport_import_cancel(struct cfgreport_import *im)
{
	struct cfgreport	*a;

	if (im == NULL)
		return;
	a = im->agent;
	TAILQ_REMOVE(&a->imports, im, entry);
	import_release(im);
	import_wake(a);
}

size_t
cfgreport_imports(const struct cfgreport *a)
{
	const struct cfgreport_import	*im;
	size_t				 n = 0;

	TAILQ_FOREACH(im, &a->imports, entry)
		n++;
	return n;
}

int
import_init(struct cfgreport *a, char *err)
{
	TAILQ_INIT(&a->imports);
	if ((a->import_ev = evtimer_new(a->base, import_step, a)) == NULL) {
		cr_seterr(err, "out of memory");
		return -1;
	}
	return 0;
}

void
import_free(struct cfgreport *a)
{
	struct cfgreport_import	*im;

	if (a->import_ev == NULL)
		return;		/* never initialised */
	while ((im = TAILQ_FIRST(&a->imports)) != NULL)
		import_end(im, -1, "the agent is shutting down");
	event_free(a->import_ev);
	a->import_ev = NULL;
}
