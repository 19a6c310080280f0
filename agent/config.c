/*
 * config.c — from a profile file to parameters: parse, validate the
 * agent's own settings.  Shared by `cfgreportd -n` and the running agent
 * so both judge a profile alike (the plan is proto/plan.c's).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "agent.h"

int
config_settle(const char *path, struct params *p, int strict,
    const struct params *current, profile_warn_cb warn, void *arg,
    char *err)
{
	const struct param	*pa, *cur;
	char			 why[CR_ERRLEN], msg[CR_ERRLEN + 64];
	char			 name[CR_ERRLEN];
	size_t			 i;

	for (i = 0; i < params_count(p); ) {
		pa = params_at(p, i);
		if (pa->value == NULL ||
		    settings_check(pa->name, pa->value, why) == 0) {
			i++;
			continue;
		}
		if (strict) {
			cr_seterr(err, "%s: %s", path, why);
			return -1;
		}
		/* Only agent settings fail the check: their names are short. */
		snprintf(name, sizeof name, "%s", pa->name);
		/* Never the value itself: a Report_Rule may hold secrets. */
		cur = current != NULL ? params_find(current, name) : NULL;
		snprintf(msg, sizeof msg, "%s: %s; %s", path, why,
		    cur != NULL && cur->value != NULL ? "ignored: the value "
		    "in effect is kept" : "using the default");
		if (warn != NULL)
			warn(arg, msg);
		params_remove(p, name);
	}
	return 0;
}

struct params *
config_parse(const char *path, const char *buf, size_t len, int strict,
    const struct params *current, profile_warn_cb warn, void *arg,
    char *err)
{
	struct params	*p;
	char		 why[CR_ERRLEN];

	if ((p = profile_parse(buf, len, warn, arg, why)) == NULL) {
		cr_seterr(err, "%s: %s", path, why);
		return NULL;
	}
	if (config_settle(path, p, strict, current, warn, arg, err) == -1) {
		params_free(p);
		return NULL;
	}
	return p;
}

struct params *
config_load(const char *path, int strict, profile_warn_cb warn, void *arg,
    char *err)
{
	struct params	*p;
	char		*buf;
	size_t		 len;

	if ((buf = fileio_read(path, CONFIG_MAX_PROFILE, &len, err)) == NULL)
		return NULL;
	p = config_parse(path, buf, len, strict, NULL, warn, arg, err);
	free(buf);
	return p;
}
