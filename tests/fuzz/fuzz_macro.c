/*
 * fuzz_macro.c — macro_expand with long and short values, and with the
 * standard names over a fixed macro_env.  abort() when the output passes
 * its bound, when text without a '$' changes, or when an error does not
 * say where.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_OUT		(64 * 1024)

static char		 fuzz_long[20000];
static const uint8_t	 fuzz_mac[6] = { 0x00, 0x0e, 0x08, 0xaa, 0xbb, 0xcc };

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* The first letter of a name picks its value; most names are unknown. */
static const char *
lookup(void *arg, const char *name, size_t len)
{
	check(len > 0);
	switch (name[0]) {
	case 'L':
		return (fuzz_long);
	case 'E':
		return ("");
	case 'S':
		return ("s");
	case 'U':
		return ("\xc3\xa9t\xc3\xa9\xe2\x82\xac");	/* été€ */
	case 'D':
		return ("$(D:1:2)$$");			/* not expanded again */
	default:
		return (NULL);
	}
}

static void
run(const char *in, macro_lookup_fn fn, void *arg)
{
	char	 err[CR_ERRLEN];
	char	*out;

	err[0] = '\0';
	if ((out = macro_expand(in, fn, arg, err)) == NULL) {
		check(strncmp(err, "position ", 9) == 0 ||
		    strcmp(err, "out of memory") == 0);
		return;
	}
	check(strlen(out) <= MAX_OUT);
	if (strchr(in, '$') == NULL)
		check(strcmp(in, out) == 0);
	/* Without a lookup only "$$" changes anything: never longer. */
	if (fn == NULL)
		check(strlen(out) <= strlen(in));
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct params	*st;
	struct macro_env	 env;
	char			 err[CR_ERRLEN];
	char			*in;

	if (st == NULL) {
		memset(fuzz_long, 'L', sizeof fuzz_long - 1);
		check((st = params_new()) != NULL);
		check(params_set(st, "Product_Name", "CP-8861-3PCC", UA_KEEP,
		    err) != -1);
		check(params_set(st, "MAC_Address", "00:0E:08:AA:BB:CD",
		    UA_KEEP, err) != -1);
	}
	check((in = malloc(size + 1)) != NULL);
	memcpy(in, data, size);
	in[size] = '\0';

	run(in, lookup, NULL);
	run(in, NULL, NULL);
	memset(&env, 0, sizeof env);
	env.mac = size % 2 ? fuzz_mac : NULL;
	env.status = st;
	env.params = st;
	run(in, macro_env_lookup, &env);
	free(in);
	return (0);
}
