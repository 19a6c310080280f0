/*
 * report.c — the documents the agent uploads (spec.md §5).  They are the
 * profile form written by profile.c, always masked: secrets as *****, the
 * IKM left out, and a *_Rule's --key/--pwd hidden, so nothing secret
 * leaves the device whichever report a rule asks for.
 */
#include "config.h"

#include <stddef.h>

#include "proto.h"

char *
report_full(const struct params *p, size_t *lenp)
{
	return profile_save(p, PROFILE_MASK_SECRETS, lenp);
}

static int
report_listed(void *arg, const struct param *pa)
{
	const struct params	*changed = arg;

	return changed != NULL && params_find(changed, pa->name) != NULL;
}

/*
 * Walks the full set, not CHANGED: the delta keeps the set's order and a
 * listed name that has since been removed is simply not found.
 */
char *
report_delta(const struct params *p, const struct params *changed,
    size_t *lenp)
{
	return profile_save_select(p, PROFILE_MASK_SECRETS, report_listed,
	    (void *)changed, lenp);
}

char *
report_status(const struct params *status, size_t *lenp)
{
	return profile_save(status, PROFILE_MASK_SECRETS, lenp);
}

int
report_full_write(const struct params *p, profile_sink_fn sink, void *arg,
    size_t *lenp)
{
	return profile_write(p, PROFILE_MASK_SECRETS, NULL, NULL, sink, arg,
	    lenp);
}

int
report_delta_write(const struct params *p, const struct params *changed,
    profile_sink_fn sink, void *arg, size_t *lenp)
{
	return profile_write(p, PROFILE_MASK_SECRETS, report_listed,
	    (void *)changed, sink, arg, lenp);
}

int
report_status_write(const struct params *status, profile_sink_fn sink,
    void *arg, size_t *lenp)
{
	return profile_write(status, PROFILE_MASK_SECRETS, NULL, NULL, sink,
	    arg, lenp);
}
