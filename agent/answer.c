/*
 * answer.c — the text answers (get, dump, info): reads only, so nothing
 * here re-plans or writes; secrets masked.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "agent.h"
#include "cfgreport.h"

/*
 * One pass finds every line's value and the answer's length, refusing
 * before anything is built when it would pass CFGREPORT_GET_MAX; the
 * second copies each line once.  (Appending line by line re-copied the
 * whole answer per name: 400 names of 64 KiB froze the loop for 84 s.)
 */
char *
cfgreport_get(struct cfgreport *a, size_t n, const char *const *names,
    char *err)
{
	const struct param	*p;
	const char		*v, **shown = NULL;
	char			**owned = NULL, *out = NULL, *o;
	size_t			 i, len = 1, nl, vl;

	if ((shown = calloc(n + 1, sizeof *shown)) == NULL ||
	    (owned = calloc(n + 1, sizeof *owned)) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		p = params_find(store_params(a->store), names[i]);
		v = p != NULL ? p->value : settings_default(names[i]);
		if (p == NULL && v == NULL) {
			cr_seterr(err, "%s: no such parameter", names[i]);
			goto fail;
		}
		if (v == NULL)
			v = "";
		if ((shown[i] = profile_shown(names[i], v, &owned[i])) == NULL)
			goto oom;
		nl = strlen(names[i]);
		vl = strlen(shown[i]);
		if (nl + vl + 2 > CFGREPORT_GET_MAX - len) {
			cr_seterr(err, "get: the answer would pass %d MiB at "
			    "name %zu of %zu: ask for fewer names",
			    CFGREPORT_GET_MAX / (1024 * 1024), i + 1, n);
			goto fail;
		}
		len += nl + vl + 2;
	}
	if ((out = o = malloc(len)) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		/* The stored spelling of the name, as before. */
		p = params_find(store_params(a->store), names[i]);
		v = p != NULL ? p->name : names[i];
		nl = strlen(v);
		vl = strlen(shown[i]);
		memcpy(o, v, nl);
		o += nl;
		*o++ = '=';
		memcpy(o, shown[i], vl);
		o += vl;
		*o++ = '\n';
	}
	*o = '\0';
	goto done;
oom:
	cr_seterr(err, "out of memory");
fail:
	free(out);
	out = NULL;
done:
	for (i = 0; owned != NULL && i < n; i++)
		free(owned[i]);
	free(owned);
	free(shown);
	return out;
}

char *
cfgreport_dump(struct cfgreport *a)
{
	size_t	len;

	return report_full(store_params(a->store), &len);
}

static void
answer_deadline(struct cfgreport *a, FILE *f, const char *what, double at)
{
	long	s = sched_remaining(a, at);

	if (s >= 0)
		fprintf(f, "next %s in %ld s\n", what, s);
}

static const char *
answer_mode(const struct plan_settings *s)
{
	switch (s->mode) {
	case PLAN_PERIODICALLY:
		return "Periodically";
	case PLAN_ON_LOCAL_CHANGE:
		return "On Local Change";
	case PLAN_ON_REQUEST:
		break;
	}
	return "On Request";
}

char *
cfgreport_info(struct cfgreport *a)
{
	struct dest	*d;
	char		*buf = NULL, when[64];
	size_t		 len = 0, i;
	FILE		*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fprintf(f, "mac %02x:%02x:%02x:%02x:%02x:%02x\n", a->mac[0],
	    a->mac[1], a->mac[2], a->mac[3], a->mac[4], a->mac[5]);
	fprintf(f, "mode %s\n", answer_mode(&a->set));
	if (a->plan_error[0] != '\0')
		fprintf(f, "error %s\n", a->plan_error);
	answer_deadline(a, f, "start-up", a->startup_at);
	answer_deadline(a, f, "periodic", a->periodic_at);
	answer_deadline(a, f, "local-change", a->local_at);
	answer_deadline(a, f, "notify", a->notify_at);
	for (i = 0; i < a->ndests; i++) {
		d = a->dests[i];
		fprintf(f, "destination %zu %s %s\n", i + 1, d->p.shown,
		    plan_enc_name(d->p.enc));
		if (!d->p.resolved)
			fprintf(f, "  unresolved %s\n", d->p.why);
		if (d->last_time != 0) {
			status_iso_time(d->last_time, when, sizeof when);
			fprintf(f, "  last-attempt %s\n", when);
		} else
			fprintf(f, "  last-attempt never\n");
		fprintf(f, "  last-result %s\n", d->last_result);
		fprintf(f, "  in-flight %s\n", d->xfer != NULL ? "yes" : "no");
		if (d->p.kind == REPORT_DELTA)
			fprintf(f, "  pending-changes %zu\n",
			    store_dest_pending(a->store, d->p.id));
		if (d->retry_at >= 0)
			fprintf(f, "  next-retry in %ld s (failures %u)\n",
			    sched_remaining(a, d->retry_at), d->failures);
		else
			fprintf(f, "  next-retry none\n");
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
