/*
 * fuzz_rule.c — rule_parse, rule_resolve, rule_clear, rule_mask_secrets.
 *
 * Besides the sanitizers' own checks, abort() on a broken invariant:
 *  - a failed parse leaves nothing behind and says where it failed;
 *  - the mask of a rule that parses parses to the same rule with every
 *    --key and --pwd value "*****";
 *  - no key or password the parser found survives the mask, as far as a
 *    substring count can tell (a short key may also be part of a URL).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MASK	"*****"

static const uint8_t	 fuzz_mac[6] = { 0x00, 0x0e, 0x08, 0xaa, 0xbb, 0xcc };

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* Occurrences of NEEDLE in HAY, overlapping ones too. */
static size_t
count(const char *hay, const char *needle)
{
	const char	*p;
	size_t		 n = 0, nl = strlen(needle);

	for (p = hay; (p = memmem(p, strlen(p), needle, nl)) != NULL; p++)
		n++;
	return (n);
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/*
 * A secret V that the parser found must have lost at least one of its
 * occurrences.  Only when V is literally in the text (no escapes) and
 * cannot be made by the mask itself (no '*').
 */
static void
check_secret(const char *text, const char *masked, const char *v)
{
	if (v == NULL || *v == '\0' || strpbrk(v, "*\"\\") != NULL)
		return;
	check(count(masked, v) < count(text, v));
}

static void
check_masked(const char *text, const char *masked, const struct rule *r)
{
	struct rule	 m;
	char		 err[CR_ERRLEN];
	char		*u;
	size_t		 i;

	for (i = 0; i < r->n; i++) {
		check_secret(text, masked, r->e[i].key);
		check_secret(text, masked, r->e[i].pwd);
	}
	check(rule_parse(masked, &m, err) == 0);
	check(m.n == r->n);
	for (i = 0; i < r->n; i++) {
		check(m.e[i].kind == r->e[i].kind);
		check(m.e[i].md == r->e[i].md);
		check(same(m.e[i].uid, r->e[i].uid));
		check(same(m.e[i].key, r->e[i].key != NULL ? MASK : NULL));
		check(same(m.e[i].pwd, r->e[i].pwd != NULL ? MASK : NULL));
		/* The URL only loses the password of its user information. */
		check((u = rule_mask_secrets(r->e[i].url)) != NULL);
		check(same(m.e[i].url, u));
		free(u);
	}
	rule_clear(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct params	*gpp;
	struct macro_env	 env;
	struct rule		 r;
	char			 err[CR_ERRLEN];
	char			*text, *masked;
	size_t			 i;

	if (gpp == NULL) {
		check((gpp = params_new()) != NULL);
		check(params_set(gpp, "GPP_A", "http://a.example/x", UA_KEEP,
		    err) != -1);
		check(params_set(gpp, "GPP_B", "two words", UA_KEEP, err) != -1);
	}
	check((text = malloc(size + 1)) != NULL);
	memcpy(text, data, size);
	text[size] = '\0';		/* a C string ends at its first NUL */

	check((masked = rule_mask_secrets(text)) != NULL);
	err[0] = '\0';
	if (rule_parse(text, &r, err) != 0) {
		check(r.n == 0);
		for (i = 0; i < RULE_MAX_ENTRIES; i++)
			check(r.e[i].url == NULL && r.e[i].key == NULL &&
			    r.e[i].uid == NULL && r.e[i].pwd == NULL);
		check(strncmp(err, "position ", 9) == 0 ||
		    strcmp(err, "out of memory") == 0);
	} else {
		check(r.n <= RULE_MAX_ENTRIES);
		for (i = 0; i < r.n; i++)
			check(r.e[i].url != NULL && *r.e[i].url != '\0');
		check_masked(text, masked, &r);

		memset(&env, 0, sizeof env);
		env.mac = fuzz_mac;
		env.ip = "192.0.2.1";
		env.params = gpp;
		if (rule_resolve(&r, macro_env_lookup, &env,
		    size % 2 ? "tftp.example:69" : NULL, err) == 0) {
			for (i = 0; i < r.n; i++) {
				check(strncmp(r.e[i].url, "http://", 7) == 0 ||
				    strncmp(r.e[i].url, "https://", 8) == 0 ||
				    strncmp(r.e[i].url, "tftp://", 7) == 0);
				check(strpbrk(r.e[i].url, " \t\r\n") == NULL);
			}
		} else
			check(strncmp(err, "entry ", 6) == 0 ||
			    strcmp(err, "out of memory") == 0);
		rule_clear(&r);
	}
	free(masked);
	free(text);
	return (0);
}
