/*
 * config.c — from a profile file to the plan of reports: load, validate
 * the agent's own settings, parse and resolve the Report Rule.  Shared by
 * `cfgreportd -n` and the running agent so both judge a profile alike.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "agent.h"

struct params *
config_load(const char *path, int strict, profile_warn_cb warn, void *arg,
    char *err)
{
	struct params		*p;
	const struct param	*pa;
	char			*buf, why[CR_ERRLEN], msg[CR_ERRLEN + 64];
	char			 name[CR_ERRLEN];
	size_t			 len, i;

	if ((buf = fileio_read(path, CONFIG_MAX_PROFILE, &len, err)) == NULL)
		return NULL;
	p = profile_parse(buf, len, warn, arg, why);
	free(buf);
	if (p == NULL) {
		cr_seterr(err, "%s: %s", path, why);
		return NULL;
	}
	for (i = 0; i < params_count(p); ) {
		pa = params_at(p, i);
		if (pa->value == NULL ||
		    settings_check(pa->name, pa->value, why) == 0) {
			i++;
			continue;
		}
		if (strict) {
			cr_seterr(err, "%s: %s", path, why);
			params_free(p);
			return NULL;
		}
		snprintf(msg, sizeof msg, "%s: %s; using the default", path,
		    why);
		if (warn != NULL)
			warn(arg, msg);
		/* Only agent settings fail the check: their names are short. */
		snprintf(name, sizeof name, "%s", pa->name);
		params_remove(p, name);
	}
	return p;
}

const char *
config_encryption(const struct params *p, const struct rule_entry *e)
{
	const char	*ikm;

	if (e->key != NULL)
		return "aes-256-cbc";
	ikm = settings_get(p, "IKM_HTTP_Encrypt_Content");
	if (ikm != NULL && *ikm != '\0')
		return "aes128gcm";
	return "plain";
}

int
config_plan(const struct params *p, struct macro_env *env, struct rule *r,
    char *err)
{
	const struct param	*opt66;
	const char		*text;
	char			 why[CR_ERRLEN];
	size_t			 i;

	text = settings_get(p, "Report_Rule");
	if (rule_parse(text != NULL ? text : "", r, why) == -1) {
		cr_seterr(err, "Report_Rule: %s", why);
		return -1;
	}
	opt66 = env->status != NULL ?
	    params_find(env->status, "DHCP_Option_66") : NULL;
	if (rule_resolve(r, macro_env_lookup, env,
	    opt66 != NULL ? opt66->value : NULL, why) == -1) {
		rule_clear(r);
		cr_seterr(err, "Report_Rule: %s", why);
		return -1;
	}
	/* TFTP has no authentication: refuse here, not at every retry. */
	for (i = 0; i < r->n; i++) {
		if (r->e[i].scheme == RULE_TFTP &&
		    (r->e[i].uid != NULL || r->e[i].pwd != NULL)) {
			rule_clear(r);
			cr_seterr(err, "Report_Rule: entry %zu: --uid/--pwd "
			    "need http:// or https://; TFTP has no "
			    "authentication", i + 1);
			return -1;
		}
	}
	return 0;
}
