/*
 * settings.c — the agent's own parameters (spec.md §2): their defaults, the
 * values they accept, and which parameters are secret.
 *
 * Names match case-insensitively, as everywhere in cfgreport: the vendor
 * writes both Report_To_Server and Report_to_Server, and
 * periodic_upload_to_server in lower case.  List values match
 * case-insensitively too ("put" is PUT): a phone's web page offers them
 * from a list, so case carries no meaning an operator could intend.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

enum settings_kind {
	SETTING_TEXT,		/* anything */
	SETTING_LIST,		/* one of a list */
	SETTING_RANGE,		/* a decimal integer in [min, max] */
	SETTING_RULE,		/* a Report Rule */
	SETTING_B64URL,		/* empty or base64url */
};

struct setting {
	const char		*name;
	enum settings_kind	 kind;
	const char		*def;
	const char * const	*list;	/* SETTING_LIST, NULL-terminated */
	unsigned long		 min;	/* SETTING_RANGE, in seconds */
	unsigned long		 max;
};

static const char * const settings_methods[] = { "PUT", "POST", NULL };
static const char * const settings_modes[] = {
	"On Request", "On Local Change", "Periodically", NULL
};
static const char * const settings_yesno[] = { "Yes", "No", NULL };

#define SETTINGS_TEXT(n)	{ n, SETTING_TEXT, "", NULL, 0, 0 }

/*
 * In settings_cmp's order (ASCII case-folded, '_' before the letters):
 * every name of every batch is looked up here, and settings_find halves
 * the table.  A name out of place would not be found: test_settings
 * looks every one up (test_every_name).
 */
static const struct setting settings[] = {
	SETTINGS_TEXT("Auth_ID_1_"),
	SETTINGS_TEXT("GPP_A"), SETTINGS_TEXT("GPP_B"), SETTINGS_TEXT("GPP_C"),
	SETTINGS_TEXT("GPP_D"), SETTINGS_TEXT("GPP_E"), SETTINGS_TEXT("GPP_F"),
	SETTINGS_TEXT("GPP_G"), SETTINGS_TEXT("GPP_H"), SETTINGS_TEXT("GPP_I"),
	SETTINGS_TEXT("GPP_J"), SETTINGS_TEXT("GPP_K"), SETTINGS_TEXT("GPP_L"),
	SETTINGS_TEXT("GPP_M"), SETTINGS_TEXT("GPP_N"), SETTINGS_TEXT("GPP_O"),
	SETTINGS_TEXT("GPP_P"),
	SETTINGS_TEXT("GPP_SA"), SETTINGS_TEXT("GPP_SB"),
	SETTINGS_TEXT("GPP_SC"), SETTINGS_TEXT("GPP_SD"),
	{ "HTTP_Report_Method", SETTING_LIST, "POST", settings_methods, 0, 0 },
	{ "IKM_HTTP_Encrypt_Content", SETTING_B64URL, "", NULL, 0, 0 },
	SETTINGS_TEXT("Password_1_"),
	{ "Periodic_Upload_To_Server", SETTING_RANGE, "3600", NULL,
	    600, 259200 },
	{ "Report_Random_Delay", SETTING_RANGE, "0", NULL, 0, 3600 },
	{ "Report_Rule", SETTING_RULE, "", NULL, 0, 0 },
	{ "Report_To_Server", SETTING_LIST, "On Request", settings_modes,
	    0, 0 },
	{ "Upload_Delay_On_Local_Change", SETTING_RANGE, "60", NULL, 10, 900 },
	{ "Use_Auth_ID_1_", SETTING_LIST, "No", settings_yesno, 0, 0 },
	SETTINGS_TEXT("User_ID_1_"),
};

#define SETTINGS_IKM	"IKM_HTTP_Encrypt_Content"

static int
settings_fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
}

/*
 * ASCII case-insensitive comparison of the first N bytes (N SIZE_MAX: the
 * whole strings): unlike strncasecmp, no locale (Turkish dotless i) can
 * change what matches.
 */
static int
settings_equal(const char *a, const char *b, size_t n)
{
	int	ca, cb;

	for (; n > 0; a++, b++, n--) {
		ca = settings_fold((unsigned char)*a);
		cb = settings_fold((unsigned char)*b);
		if (ca != cb)
			return 0;
		if (ca == '\0')
			break;
	}
	return 1;
}

/* strcmp's sign, ASCII case-insensitively: the table's order. */
static int
settings_cmp(const char *a, const char *b)
{
	int	ca, cb;

	for (;; a++, b++) {
		ca = settings_fold((unsigned char)*a);
		cb = settings_fold((unsigned char)*b);
		if (ca != cb || ca == '\0')
			return ca - cb;
	}
}

static const struct setting *
settings_find(const char *name)
{
	size_t	lo = 0, hi = sizeof settings / sizeof settings[0], mid;
	int	c;

	if (name == NULL)
		return NULL;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = settings_cmp(name, settings[mid].name)) == 0)
			return &settings[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *
settings_default(const char *name)
{
	const struct setting	*s = settings_find(name);

	return s != NULL ? s->def : NULL;
}

/* Plain decimal digits: no sign, no white space; leading zeros are fine. */
static int
settings_uint(const char *v, unsigned long max, unsigned long *out)
{
	unsigned long	n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		/* Past MAX the exact number does not matter: stop growing. */
		if (n <= max)
			n = n * 10 + (unsigned long)(*v - '0');
	}
	*out = n;
	return 0;
}

/*
 * base64url (RFC 4648 §5): the alphabet A-Z a-z 0-9 - _, "=" padding
 * optional but right when present; a length of 1 modulo 4 cannot be
 * base64 at all.
 */
static int
settings_b64url(const char *v)
{
	size_t	len = strlen(v), data, pad = 0;

	while (pad < len && v[len - 1 - pad] == '=')
		pad++;
	data = len - pad;
	if (data % 4 == 1 || pad > 2 || (pad > 0 && len % 4 != 0))
		return -1;
	return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == data ? 0 : -1;
}

int
settings_check(const char *name, const char *value, char *err)
{
	const struct setting	*s = settings_find(name);
	struct rule		 r;
	unsigned long		 n;
	char			 q[64], shown[80], why[CR_ERRLEN], *masked;
	size_t			 i;

	if (s == NULL || value == NULL)
		return 0;
	if (settings_is_secret(name))
		snprintf(shown, sizeof shown, "<secret>");
	else
		snprintf(shown, sizeof shown, "\"%s\"",
		    params_quote(value, q, sizeof q));
	switch (s->kind) {
	case SETTING_TEXT:
		return 0;
	case SETTING_LIST:
		for (i = 0; s->list[i] != NULL; i++) {
			if (settings_equal(value, s->list[i], SIZE_MAX))
				return 0;
		}
		if (s->list == settings_modes)
			cr_seterr(err, "%s: %s: allowed \"On Request\", "
			    "\"On Local Change\", \"Periodically\"", name,
			    shown);
		else
			cr_seterr(err, "%s: %s: allowed %s, %s", name, shown,
			    s->list[0], s->list[1]);
		return -1;
	case SETTING_RANGE:
		if (settings_uint(value, s->max, &n) == 0 &&
		    n >= s->min && n <= s->max)
			return 0;
		cr_seterr(err, "%s: %s: allowed %lu-%lu (seconds)", name,
		    shown, s->min, s->max);
		return -1;
	case SETTING_B64URL:
		if (settings_b64url(value) == 0)
			return 0;
		cr_seterr(err, "%s: %s: allowed empty or base64url text "
		    "(A-Z a-z 0-9 - _, optional = padding)", name, shown);
		return -1;
	case SETTING_RULE:
		if (rule_parse(value, &r, why) == 0) {
			rule_clear(&r);
			return 0;
		}
		/* The rule's own --key and --pwd never reach an error. */
		if ((masked = rule_mask_secrets(value)) == NULL) {
			cr_seterr(err, "%s: %s", name, why);
			return -1;
		}
		cr_seterr(err, "%s: \"%s\": %s", name,
		    params_quote(masked, q, sizeof q), why);
		free(masked);
		return -1;
	}
	return 0;
}

int
settings_is_secret(const char *name)
{
	static const char	*gpp[] = { "GPP_SA", "GPP_SB", "GPP_SC",
				    "GPP_SD" };
	const char		*p;
	size_t			 i;

	if (name == NULL)
		return 0;
	if (settings_equal(name, SETTINGS_IKM, SIZE_MAX) ||
	    settings_equal(name, "Password", 8))
		return 1;
	for (p = name; (p = strchr(p, '_')) != NULL; p++) {
		if (settings_equal(p, "_Password", 9))
			return 1;
	}
	for (i = 0; i < sizeof gpp / sizeof gpp[0]; i++) {
		if (settings_equal(name, gpp[i], SIZE_MAX))
			return 1;
	}
	return 0;
}

int
settings_is_omitted(const char *name)
{
	return name != NULL && settings_equal(name, SETTINGS_IKM, SIZE_MAX);
}

const char *
settings_get(const struct params *p, const char *name)
{
	const struct param	*pa;

	if (p != NULL && (pa = params_find(p, name)) != NULL &&
	    pa->value != NULL)
		return pa->value;
	return settings_default(name);
}
