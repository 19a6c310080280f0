/*
 * plan.c — the agent's settings as one typed structure, and the plan of
 * destinations derived from them: pure functions of a parameter set, the
 * status values and the device's MAC and IP.
 *
 * A destination's identity (its id) comes from the Report Rule as the
 * operator wrote it, before any macro or DHCP option 66 is substituted,
 * so a changed GPP_* value or option 66 moves a destination without
 * resetting its delta baseline (docs/store.md).  What is shown of a
 * destination (its "shown" URL) never holds a secret.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto.h"

/* "status " before the URL, " #NN" after (RULE_MAX_ENTRIES). */
_Static_assert(PLAN_MAX_ID_URL + 64 <= STATE_MAX_KEY,
    "every destination id fits the state");

#define PLAN_MASK	"*****"

static long
plan_long(const struct params *p, const char *name)
{
	const char	*v = settings_get(p, name);

	return v != NULL ? strtol(v, NULL, 10) : 0;
}

static int
plan_is(const struct params *p, const char *name, const char *want)
{
	const char	*v = settings_get(p, name);

	return v != NULL && strcasecmp(v, want) == 0;
}

/*
 * A malloc'd string (not asprintf/strndup/strdup, so that tests failing
 * the Nth malloc reach every allocation here).
 */
static char * __attribute__((format(printf, 1, 2)))
plan_fmt(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* A + B + C, malloc'd (three pieces, no printf: this runs per batch). */
static char *
plan_cat(const char *a, const char *b, const char *c)
{
	size_t	la = strlen(a), lb = strlen(b), lc = strlen(c);
	char	*s;

	if ((s = malloc(la + lb + lc + 1)) == NULL)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

static char *
plan_dup(const char *s)
{
	return s != NULL ? plan_cat(s, "", "") : NULL;
}

int
plan_settings_parse(const struct params *p, struct plan_settings *s,
    char *err)
{
	const char	*ikm, *user, *pwd, *rule;
	char		 why[CR_ERRLEN];

	memset(s, 0, sizeof *s);
	if (plan_is(p, "Report_To_Server", "Periodically"))
		s->mode = PLAN_PERIODICALLY;
	else if (plan_is(p, "Report_To_Server", "On Local Change"))
		s->mode = PLAN_ON_LOCAL_CHANGE;
	else
		s->mode = PLAN_ON_REQUEST;
	s->periodic = plan_long(p, "Periodic_Upload_To_Server");
	s->local_delay = plan_long(p, "Upload_Delay_On_Local_Change");
	s->random_delay = plan_long(p, "Report_Random_Delay");
	s->put = plan_is(p, "HTTP_Report_Method", "PUT");

	ikm = settings_get(p, "IKM_HTTP_Encrypt_Content");
	if (ikm != NULL && *ikm != '\0') {
		s->ikm_set = 1;
		if ((s->ikm = b64_decode(ikm, strlen(ikm), &s->ikmlen,
		    why)) == NULL) {
			/* Uploads that need it fail with the reason. */
			if (strstr(why, "out of memory") != NULL ||
			    (s->ikm_error = plan_cat("IKM_HTTP_Encrypt_"
			    "Content: ", why, "")) == NULL) {
				plan_settings_clear(s);
				cr_seterr(err, "out of memory");
				return -1;
			}
		}
	}

	/*
	 * The line's account (spec.md §2): Auth_ID_1_ when Use_Auth_ID_1_ is
	 * Yes, else User_ID_1_, with Password_1_.  An empty one is none.
	 */
	user = settings_get(p, plan_is(p, "Use_Auth_ID_1_", "Yes") ?
	    "Auth_ID_1_" : "User_ID_1_");
	pwd = settings_get(p, "Password_1_");
	if (user != NULL && *user != '\0' && pwd != NULL && *pwd != '\0') {
		if ((s->sip_user = plan_dup(user)) == NULL ||
		    (s->sip_password = plan_dup(pwd)) == NULL) {
			plan_settings_clear(s);
			cr_seterr(err, "out of memory");
			return -1;
		}
	}
	rule = settings_get(p, "Report_Rule");
	if ((s->rule = plan_dup(rule != NULL ? rule : "")) == NULL) {
		plan_settings_clear(s);
		cr_seterr(err, "out of memory");
		return -1;
	}
	return 0;
}

int
plan_touched(const struct params *changed)
{
	/* Every name plan_settings_parse reads. */
	static const char	*inputs[] = { "Report_To_Server",
				    "Periodic_Upload_To_Server",
				    "Upload_Delay_On_Local_Change",
				    "Report_Random_Delay", "HTTP_Report_Method",
				    "IKM_HTTP_Encrypt_Content", "Use_Auth_ID_1_",
				    "Auth_ID_1_", "User_ID_1_", "Password_1_",
				    "Report_Rule" };
	char			 gpp[8];
	size_t			 i;

	/* A few hashed look-ups, whatever the size of the batch. */
	for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
		if (params_find(changed, inputs[i]) != NULL)
			return 1;
	/* The macros $A..$P and $SA..$SD (macro_env_lookup). */
	for (i = 0; i < 20; i++) {
		if (i < 16)
			snprintf(gpp, sizeof gpp, "GPP_%c", (int)('A' + i));
		else
			snprintf(gpp, sizeof gpp, "GPP_S%c", (int)('A' + i - 16));
		if (params_find(changed, gpp) != NULL)
			return 1;
	}
	return 0;
}

void
plan_settings_clear(struct plan_settings *s)
{
	if (s->ikm != NULL)
		crypt_wipe(s->ikm, s->ikmlen);
	if (s->sip_password != NULL)
		crypt_wipe(s->sip_password, strlen(s->sip_password));
	free(s->ikm);
	free(s->ikm_error);
	free(s->sip_user);
	free(s->sip_password);
	free(s->rule);
	memset(s, 0, sizeof *s);
}

enum plan_enc
plan_encryption(const struct plan_settings *s, const struct rule_entry *e)
{
	if (e->key != NULL)
		return PLAN_OSSLENC;
	if (s->ikm_set)
		return PLAN_ECE;
	return PLAN_PLAIN;
}

const char *
plan_enc_name(enum plan_enc enc)
{
	switch (enc) {
	case PLAN_OSSLENC:
		return "aes-256-cbc";
	case PLAN_ECE:
		return "aes128gcm";
	case PLAN_PLAIN:
		break;
	}
	return "plain";
}

/*
 * Where the password of URL's userinfo ("scheme://user:PASSWORD@host")
 * lies: *START and *LEN, or 0 when there is none.
 */
static int
plan_userinfo_pwd(const char *url, size_t *start, size_t *len)
{
	const char	*a, *end, *at, *colon;

	if ((a = strstr(url, "://")) == NULL)
		return 0;
	a += 3;
	end = a + strcspn(a, "/?#");
	for (at = NULL, colon = a; colon < end; colon++)
		if (*colon == '@')
			at = colon;
	if (at == NULL)
		return 0;
	if ((colon = memchr(a, ':', (size_t)(at - a))) == NULL)
		return 0;
	*start = (size_t)(colon + 1 - url);
	*len = (size_t)(at - (colon + 1));
	return 1;
}

char *
plan_mask_url(const char *url)
{
	size_t	 start, len, n = strlen(url);
	char	*out;

	if (!plan_userinfo_pwd(url, &start, &len))
		return plan_dup(url);
	if ((out = malloc(n - len + sizeof PLAN_MASK)) == NULL)
		return NULL;
	memcpy(out, url, start);
	memcpy(out + start, PLAN_MASK, sizeof PLAN_MASK - 1);
	memcpy(out + start + sizeof PLAN_MASK - 1, url + start + len,
	    n - start - len + 1);
	return out;
}

/* "KIND URL", the URL's userinfo password as *****. */
static char *
plan_shown(enum report_kind kind, const char *url)
{
	char	*m, *shown;

	if ((m = plan_mask_url(url)) == NULL)
		return NULL;
	shown = plan_cat(report_kind_name(kind), " ", m);
	free(m);
	return shown;
}

/* A lookup that shows $SA..$SD (GPP_SA..GPP_SD) as ***** when set. */
static const char *
plan_masked_lookup(void *arg, const char *name, size_t len)
{
	const char	*v = macro_env_lookup(arg, name, len);

	if (v != NULL && *v != '\0' && len == 2 && name[0] == 'S' &&
	    name[1] >= 'A' && name[1] <= 'D')
		return PLAN_MASK;
	return v;
}

static int
plan_entry_dup(const struct rule_entry *from, struct rule_entry *to)
{
	memset(to, 0, sizeof *to);
	to->kind = from->kind;
	to->md = from->md;
	to->scheme = from->scheme;
	if ((to->url = plan_dup(from->url)) == NULL ||
	    (from->key != NULL && (to->key = plan_dup(from->key)) == NULL) ||
	    (from->uid != NULL && (to->uid = plan_dup(from->uid)) == NULL) ||
	    (from->pwd != NULL && (to->pwd = plan_dup(from->pwd)) == NULL)) {
		plan_entry_clear(to);
		return -1;
	}
	return 0;
}

void
plan_entry_clear(struct rule_entry *e)
{
	struct rule	one;

	/* rule.c's own clearing (it wipes --key and --pwd). */
	memset(&one, 0, sizeof one);
	one.n = 1;
	one.e[0] = *e;
	rule_clear(&one);
	memset(e, 0, sizeof *e);
}

/*
 * Resolve entry N (0-based) of R alone into OUT.  rule_resolve numbers a
 * one-entry rule's errors "entry 1"; they are renumbered.
 */
static int
plan_resolve_one(const struct rule_entry *e, size_t n, macro_lookup_fn lookup,
    void *arg, const char *opt66, struct rule_entry *out, char *err)
{
	struct rule	 one;
	char		 why[CR_ERRLEN];

	memset(&one, 0, sizeof one);
	if (plan_entry_dup(e, &one.e[0]) == -1) {
		cr_seterr(err, "out of memory");
		return -1;
	}
	one.n = 1;
	if (rule_resolve(&one, lookup, arg, opt66, why) == -1) {
		rule_clear(&one);
		if (strncmp(why, "entry 1: ", 9) == 0)
			cr_seterr(err, "entry %zu: %s", n + 1, why + 9);
		else
			cr_seterr(err, "entry %zu: %s", n + 1, why);
		return -1;
	}
	*out = one.e[0];
	return 0;
}

/*
 * Each occurrence of a non-empty SECRET in S as *****; S is rewritten.
 * The search goes on after each replacement, so a secret that is part of
 * ***** ("*") cannot loop.
 */
static char *
plan_replace(char *s, const char *secret)
{
	char	*p, *out;
	size_t	 slen, n, at = 0;

	if (s == NULL || secret == NULL || (slen = strlen(secret)) == 0)
		return s;
	while ((p = strstr(s + at, secret)) != NULL) {
		n = strlen(s);
		if ((out = malloc(n - slen + sizeof PLAN_MASK)) == NULL) {
			crypt_wipe(s, n);
			free(s);
			return NULL;
		}
		at = (size_t)(p - s);
		memcpy(out, s, at);
		memcpy(out + at, PLAN_MASK, sizeof PLAN_MASK - 1);
		memcpy(out + at + sizeof PLAN_MASK - 1, p + slen,
		    n - at - slen + 1);
		at += sizeof PLAN_MASK - 1;
		crypt_wipe(s, n);
		free(s);
		s = out;
	}
	return s;
}

/*
 * TEXT (a resolution error, which may echo a piece of the expanded URL)
 * with each value of GPP_SA..GPP_SD in P as *****, malloc'd.
 */
static char *
plan_scrub_macros(const struct params *p, const char *text)
{
	static const char	*names[] = { "GPP_SA", "GPP_SB", "GPP_SC",
				    "GPP_SD" };
	const struct param	*pa;
	char			*s = plan_dup(text);
	size_t			 i;

	for (i = 0; i < sizeof names / sizeof names[0] && s != NULL; i++)
		if (p != NULL && (pa = params_find(p, names[i])) != NULL &&
		    pa->value != NULL)
			s = plan_replace(s, pa->value);
	return s;
}

char *
plan_scrub(const struct plan_dest *d, const char *text)
{
	char	*s = plan_dup(text);
	size_t	 i;

	for (i = 0; i < d->nsecrets && s != NULL; i++)
		s = plan_replace(s, d->secrets[i]);
	return s;
}

/*
 * Remember what of D's resolved URL is secret, for plan_scrub.  Returns
 * how many $SA..$SD values the URL holds, or -1 when out of memory.
 */
static int
plan_note_secrets(struct plan_dest *d, const struct params *p)
{
	static const char	*names[] = { "GPP_SA", "GPP_SB", "GPP_SC",
				    "GPP_SD" };
	const struct param	*pa;
	size_t			 i, start, len;
	int			 n = 0;

	if (plan_userinfo_pwd(d->e.url, &start, &len) && len > 0) {
		if ((d->secrets[d->nsecrets] = plan_fmt("%.*s", (int)len,
		    d->e.url + start)) == NULL)
			return -1;
		d->nsecrets++;
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (p == NULL || (pa = params_find(p, names[i])) == NULL ||
		    pa->value == NULL || *pa->value == '\0' ||
		    strstr(d->e.url, pa->value) == NULL)
			continue;
		if ((d->secrets[d->nsecrets] = plan_dup(pa->value)) == NULL)
			return -1;
		d->nsecrets++;
		n++;
	}
	return n;
}

/* *URL becomes "sha256:HEX" of itself; -1 when out of memory. */
static int
plan_digest_url(char **url)
{
	static const char	hex[] = "0123456789abcdef";
	uint8_t			d[STATE_DIGEST_LEN];
	char			*out;
	size_t			i;

	if (state_sha256(*url, strlen(*url), d) != 0 ||
	    (out = malloc(7 + 2 * sizeof d + 1)) == NULL)
		return -1;
	memcpy(out, "sha256:", 7);
	for (i = 0; i < sizeof d; i++) {
		out[7 + 2 * i] = hex[d[i] >> 4];
		out[7 + 2 * i + 1] = hex[d[i] & 15];
	}
	out[7 + 2 * sizeof d] = '\0';
	free(*url);
	*url = out;
	return 0;
}

/*
 * The id of entry I of R: its kind and its URL as written, password
 * masked; the same entry written again is "... #2".
 */
static char *
plan_id(const struct rule *r, size_t i)
{
	char	*url, *id;
	size_t	 j, same = 0;

	for (j = 0; j < i; j++)
		if (r->e[j].kind == r->e[i].kind &&
		    strcmp(r->e[j].url, r->e[i].url) == 0)
			same++;
	if ((url = plan_mask_url(r->e[i].url)) == NULL)
		return NULL;
	/*
	 * A key the state cannot hold (STATE_MAX_KEY) would make every
	 * baseline update fail: a URL that long is named by its digest.
	 */
	if (strlen(url) > PLAN_MAX_ID_URL && plan_digest_url(&url) == -1) {
		free(url);
		return NULL;
	}
	if (same > 0)
		id = plan_fmt("%s %s #%zu", report_kind_name(r->e[i].kind),
		    url, same + 1);
	else
		id = plan_cat(report_kind_name(r->e[i].kind), " ", url);
	free(url);
	return id;
}

int
plan_build(const struct plan_settings *s, struct macro_env *env,
    struct plan *pl, char *err)
{
	struct rule		 r;
	struct rule_entry	 shown;
	struct plan_dest	*d;
	const struct param	*opt66;
	const char		*o66;
	char			 why[CR_ERRLEN], *masked;
	size_t			 i;
	int			 nsecret;

	memset(pl, 0, sizeof *pl);
	if (rule_parse(s->rule != NULL ? s->rule : "", &r, why) == -1) {
		cr_seterr(pl->error, "Report_Rule: %s", why);
		return 0;
	}
	pl->parsed = 1;
	opt66 = env->status != NULL ?
	    params_find(env->status, "DHCP_Option_66") : NULL;
	o66 = opt66 != NULL ? opt66->value : NULL;
	for (i = 0; i < r.n; i++) {
		d = &pl->d[i];
		d->kind = r.e[i].kind;
		/* Whether --key is there does not depend on macros. */
		d->enc = plan_encryption(s, &r.e[i]);
		if ((d->id = plan_id(&r, i)) == NULL)
			goto oom;
		pl->n++;
		if (plan_resolve_one(&r.e[i], i, macro_env_lookup, env, o66,
		    &d->e, why) == -1) {
			if ((masked = plan_scrub_macros(env->params,
			    why)) == NULL)
				goto oom;
			d->why = plan_cat("Report_Rule: ", masked, "");
			free(masked);
			if (d->why == NULL)
				goto oom;
			if (pl->error[0] == '\0')
				cr_seterr(pl->error, "%s", d->why);
			/* Shown as written: no macro value in it. */
			if ((d->shown = plan_shown(d->kind, r.e[i].url)) == NULL)
				goto oom;
			continue;
		}
		d->resolved = 1;
		if ((nsecret = plan_note_secrets(d, env->params)) == -1)
			goto oom;
		/*
		 * With a secret macro's value in the URL, the same resolution
		 * with those macros as *****; else the URL itself is shown.
		 */
		if (nsecret == 0)
			d->shown = plan_shown(d->kind, d->e.url);
		else if (plan_resolve_one(&r.e[i], i, plan_masked_lookup, env,
		    o66, &shown, why) == 0) {
			d->shown = plan_shown(d->kind, shown.url);
			plan_entry_clear(&shown);
		} else
			d->shown = plan_shown(d->kind, r.e[i].url);
		if (d->shown == NULL)
			goto oom;
	}
	rule_clear(&r);
	return 0;
oom:
	rule_clear(&r);
	plan_clear(pl);
	cr_seterr(err, "out of memory");
	return -1;
}

void
plan_dest_clear(struct plan_dest *d)
{
	size_t	i;

	free(d->id);
	free(d->shown);
	free(d->why);
	plan_entry_clear(&d->e);
	for (i = 0; i < d->nsecrets; i++) {
		crypt_wipe(d->secrets[i], strlen(d->secrets[i]));
		free(d->secrets[i]);
	}
	memset(d, 0, sizeof *d);
}

void
plan_clear(struct plan *pl)
{
	size_t	i;

	for (i = 0; i < pl->n; i++)
		plan_dest_clear(&pl->d[i]);
	memset(pl, 0, sizeof *pl);
}
