/* test_macro.c — macro_expand and macro_env_lookup (spec.md §3). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "failmalloc.h"

#define BIG	(64 * 1024)

static char	big_value[BIG + 1];

/* A fixed table, plus one value of exactly 64 KiB. */
static const char *
lookup(void *arg, const char *name, size_t len)
{
	static const char *tab[][2] = {
		{ "MA",		"000e08aabbcc" },
		{ "MAU",	"000E08AABBCC" },
		{ "X",		"x" },
		{ "EMPTY",	"" },
		{ "U8",		"\xc3\xa9" "1" "\xc3\xbc" "2" },	/* é1ü2 */
		{ "REC",	"$MA$(MA)$$" },
		{ "ab_9",	"lower" },
	};
	size_t	 i;

	if (arg != NULL)
		(*(int *)arg)++;
	if (len == 3 && memcmp(name, "BIG", 3) == 0)
		return (big_value);
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strlen(tab[i][0]) == len &&
		    memcmp(tab[i][0], name, len) == 0)
			return (tab[i][1]);
	return (NULL);
}

static void
expand_ok(const char *in, const char *want)
{
	char	 err[CR_ERRLEN] = "";
	char	*out;

	if ((out = macro_expand(in, lookup, NULL, err)) == NULL)
		fail_msg("macro_expand(\"%s\"): %s", in, err);
	assert_string_equal(out, want);
	free(out);
}

static void
expand_err(const char *in, const char *want)
{
	char	 err[CR_ERRLEN] = "";

	if (macro_expand(in, lookup, NULL, err) != NULL)
		fail_msg("macro_expand(\"%s\") accepted it", in);
	assert_string_equal(err, want);
}

static void
test_plain(void **state)
{
	(void)state;
	expand_ok("", "");
	expand_ok("http://h/x.xml", "http://h/x.xml");
	expand_ok("$$", "$");
	expand_ok("a$$b", "a$b");
	expand_ok("$$MA", "$MA");
	expand_ok("$$$MA", "$000e08aabbcc");
	expand_ok("$$$$", "$$");
	/* A '$' that starts nothing is itself */
	expand_ok("$", "$");
	expand_ok("a$", "a$");
	expand_ok("$-x", "$-x");
	expand_ok("$ x", "$ x");
	expand_ok("$/", "$/");
	/* NULL input reads as empty */
	{
		char	 err[CR_ERRLEN];
		char	*out = macro_expand(NULL, lookup, NULL, err);

		assert_non_null(out);
		assert_string_equal(out, "");
		free(out);
	}
}

static void
test_names(void **state)
{
	(void)state;
	expand_ok("$MA", "000e08aabbcc");
	expand_ok("http://prov.example/$MA-delta.xml",
	    "http://prov.example/000e08aabbcc-delta.xml");
	expand_ok("$MA.xml", "000e08aabbcc.xml");
	/* Greedy: the longest name, looked up exactly */
	expand_ok("$MAU", "000E08AABBCC");
	expand_ok("$MAX", "$MAX");
	expand_ok("$MA_x", "$MA_x");
	expand_ok("$(MA)_x", "000e08aabbcc_x");
	expand_ok("$(MA)U", "000e08aabbccU");
	expand_ok("$X$X$(X)", "xxx");
	expand_ok("$EMPTY.", ".");
	/* Names are case-sensitive; any [A-Za-z0-9_] run is a name */
	expand_ok("$ma", "$ma");
	expand_ok("$ab_9!", "lower!");
	expand_ok("$1", "$1");
	/* Unknown: left exactly as written */
	expand_ok("$NOPE/$(NOPE)/$(NOPE:1)/$(NOPE:1:2)",
	    "$NOPE/$(NOPE)/$(NOPE:1)/$(NOPE:1:2)");
	/* A value is not expanded again */
	expand_ok("$REC", "$MA$(MA)$$");
	expand_ok("$(REC:0:3)", "$MA");
}

static void
test_substrings(void **state)
{
	(void)state;
	expand_ok("$(MA:0:6)", "000e08");
	expand_ok("$(MA:6)", "aabbcc");
	expand_ok("$(MA:6:2)", "aa");
	expand_ok("$(MA:0)", "000e08aabbcc");
	expand_ok("$(MA:10:10)", "cc");
	expand_ok("$(MA:11:1)", "c");
	expand_ok("$(MA:12)", "");
	expand_ok("$(MA:12:5)", "");
	expand_ok("$(MA:0:0)", "");
	expand_ok("$(MA:007:002)", "ab");
	/* Huge numbers saturate instead of wrapping */
	expand_ok("$(MA:99999999999999999999999999999)", "");
	expand_ok("$(MA:1:99999999999999999999999999999)", "00e08aabbcc");
	expand_ok("$(MA:18446744073709551615:18446744073709551615)", "");
	/* Offsets count characters, so UTF-8 is never cut */
	expand_ok("$(U8:1:2)", "1\xc3\xbc");
	expand_ok("$(U8:0:1)", "\xc3\xa9");
	expand_ok("$(U8:3)", "2");
	expand_ok("[$(EMPTY:3:3)]", "[]");
}

static void
test_errors(void **state)
{
	(void)state;
	expand_err("x$(MA", "position 2: '$(' without ')'");
	expand_err("$(", "position 1: '$(' without ')'");
	expand_err("$(MA:1:2", "position 1: '$(' without ')'");
	expand_err("$()", "position 3: macro name expected after '$('");
	expand_err("$( MA)", "position 3: macro name expected after '$('");
	expand_err("$(MA:x)", "position 6: offset in '$(MA:' is not a number");
	expand_err("$(MA:)", "position 6: offset in '$(MA:' is not a number");
	expand_err("$(MA:-1)",
	    "position 6: offset in '$(MA:' is not a number");
	expand_err("$(MA:1:y)",
	    "position 8: length in '$(MA:1:' is not a number");
	expand_err("$(MA:1:)",
	    "position 8: length in '$(MA:1:' is not a number");
	expand_err("$(MA-1)",
	    "position 5: unexpected character in '$(MA': ')' expected");
	expand_err("$(MA:1x)",
	    "position 7: unexpected character in '$(MA:p': ')' expected");
	expand_err("$(MA:1:2:3)",
	    "position 9: unexpected character in '$(MA:p:q': ')' expected");
	/* Unknown names are checked for syntax all the same */
	expand_err("$(NOPE:x)",
	    "position 8: offset in '$(NOPE:' is not a number");
	/* Positions count characters */
	expand_err("\xc3\xa9\xc3\xa9$(", "position 3: '$(' without ')'");
}

static void
test_bounds(void **state)
{
	char	 err[CR_ERRLEN];
	char	*in, *out;
	size_t	 n, i;

	(void)state;
	/* Exactly 64 KiB is allowed; one byte more is not */
	out = macro_expand("$BIG", lookup, NULL, err);
	assert_non_null(out);
	assert_int_equal(strlen(out), BIG);
	free(out);
	expand_err("$BIG.", "position 5: expansion longer than 65536 bytes");
	expand_err("$X$BIG", "position 3: expansion longer than 65536 bytes");
	expand_err("$(BIG)$(BIG:1:1)",
	    "position 7: expansion longer than 65536 bytes");
	expand_ok("$(BIG:0:0)$(BIG:0:0)$X", "x");

	/* Many small values: each is counted */
	n = BIG + 1;
	assert_non_null(in = malloc(n * 2 + 1));
	for (i = 0; i < n; i++)
		memcpy(in + i * 2, "$X", 2);
	in[n * 2] = '\0';
	assert_null(macro_expand(in, lookup, NULL, err));
	assert_string_equal(err,
	    "position 131073: expansion longer than 65536 bytes");
	/* Long runs of '$': two make one */
	memset(in, '$', BIG * 2);
	in[BIG * 2] = '\0';
	out = macro_expand(in, lookup, NULL, err);
	assert_non_null(out);
	assert_int_equal(strlen(out), BIG);
	assert_int_equal(strspn(out, "$"), BIG);
	free(out);
	free(in);

	n = 4 * BIG;
	assert_non_null(in = malloc(n + 1));
	memset(in, '$', n);
	in[n] = '\0';
	assert_null(macro_expand(in, lookup, NULL, err));
	assert_string_equal(err,
	    "position 131073: expansion longer than 65536 bytes");
	/* A long plain input is bounded too */
	memset(in, 'a', n);
	assert_null(macro_expand(in, lookup, NULL, err));
	assert_string_equal(err, "position 1: expansion longer than 65536 "
	    "bytes");
	/* "$(" runs: the first one fails at once */
	for (i = 0; i + 2 <= n; i += 2)
		memcpy(in + i, "$(", 2);
	assert_null(macro_expand(in, lookup, NULL, err));
	assert_string_equal(err, "position 1: '$(' without ')'");
	/* A megabyte of unknown $(...) is left as written, then bounded */
	for (i = 0; i + 6 <= n; i += 6)
		memcpy(in + i, "$(Q:1)", 6);
	in[i] = '\0';
	assert_null(macro_expand(in, lookup, NULL, err));
	assert_string_equal(err, "position 65533: expansion longer than "
	    "65536 bytes");
	free(in);
}

/* One lookup per macro, none for $$; NULL lookup: all unknown. */
static void
test_lookup_calls(void **state)
{
	char	 err[CR_ERRLEN];
	char	*out;
	int	 calls = 0;

	(void)state;
	out = macro_expand("$$ $MA $(X) $(NOPE:1:1) $ $-", lookup, &calls,
	    err);
	assert_non_null(out);
	assert_string_equal(out, "$ 000e08aabbcc x $(NOPE:1:1) $ $-");
	assert_int_equal(calls, 3);
	free(out);
	out = macro_expand("$MA $(MA:0:2) $$", NULL, NULL, err);
	assert_non_null(out);
	assert_string_equal(out, "$MA $(MA:0:2) $");
	free(out);
}

static struct params *
set(struct params *p, const char *name, const char *value)
{
	char	 err[CR_ERRLEN];

	if (p == NULL)
		assert_non_null(p = params_new());
	if (params_set(p, name, value, UA_KEEP, err) == -1)
		fail_msg("params_set %s: %s", name, err);
	return (p);
}

static void
env_ok(struct macro_env *env, const char *in, const char *want)
{
	char	 err[CR_ERRLEN] = "";
	char	*out;

	if ((out = macro_expand(in, macro_env_lookup, env, err)) == NULL)
		fail_msg("macro_expand(\"%s\"): %s", in, err);
	assert_string_equal(out, want);
	free(out);
}

static void
test_env(void **state)
{
	static const uint8_t	 mac[6] = { 0x00, 0x0e, 0x08, 0xaa, 0xbb,
				    0xcc };
	struct macro_env	 env;
	struct params		*p, *st;

	(void)state;
	memset(&env, 0, sizeof env);
	/* Nothing known: every name as written, GPP_* empty */
	env_ok(&env, "$MA $MAU $MAC $IP $PN $PSN $SN $SWVER $HWVER",
	    "$MA $MAU $MAC $IP $PN $PSN $SN $SWVER $HWVER");
	env_ok(&env, "[$A$P$SA$SD]", "[]");
	env_ok(NULL, "$MA$A", "$MA$A");

	env.mac = mac;
	env_ok(&env, "$MA/$MAU/$MAC", "000e08aabbcc/000E08AABBCC/"
	    "00:0e:08:aa:bb:cc");
	env_ok(&env, "$(MAU:6)-$(MAC:0:8)", "AABBCC-00:0e:08");
	/* The vendor writes names in upper case */
	env_ok(&env, "$ma $Ma $mac", "$ma $Ma $mac");

	p = set(NULL, "GPP_A", "alpha");
	p = set(p, "gpp_p", "papa");		/* names are case-blind */
	p = set(p, "GPP_SA", "s3cret");
	p = set(p, "GPP_SD", "");
	p = set(p, "GPP_Q", "no such macro");
	p = set(p, "GPP_SE", "no such macro");
	env.params = p;
	env_ok(&env, "$A/$P/$SA/$SD/$B/$(A:1:3)", "alpha/papa/s3cret//"
	    "/lph");
	env_ok(&env, "$Q $SE $AA $a", "$Q $SE $AA $a");

	st = set(NULL, "Current_IP", "192.0.2.7");
	st = set(st, "Product_Name", "CP-8861-3PCC");
	st = set(st, "Product_Series_Number", "8861");
	st = set(st, "Serial_Number", "FCH1234ABCD");
	st = set(st, "Software_Version", "sip88xx.12-0-1");
	st = set(st, "Hardware_Version", "V03");
	env.status = st;
	env_ok(&env, "$IP|$PN|$PSN|$SN|$SWVER|$HWVER", "192.0.2.7|"
	    "CP-8861-3PCC|8861|FCH1234ABCD|sip88xx.12-0-1|V03");
	/* The agent's own address wins over the status value */
	env.ip = "10.9.8.7";
	env_ok(&env, "$IP", "10.9.8.7");
	env.ip = "";
	env_ok(&env, "$IP", "192.0.2.7");
	/* An empty status value is as good as none */
	set(st, "Product_Name", "");
	env_ok(&env, "$PN", "$PN");

	/* No MAC of its own: the status value MAC_Address, any notation */
	env.mac = NULL;
	env_ok(&env, "$MA", "$MA");
	set(st, "MAC_Address", "00:0E:08:AA:BB:CC");
	env_ok(&env, "$MA $MAU", "000e08aabbcc 000E08AABBCC");
	set(st, "MAC_Address", "000e.08aa.bbcd");
	env_ok(&env, "$MAC", "00:0e:08:aa:bb:cd");
	set(st, "MAC_Address", "00-0e-08-aa-bb-ce");
	env_ok(&env, "$MA", "000e08aabbce");
	set(st, "MAC_Address", "00:0e:08:aa:bb");
	env_ok(&env, "$MA", "$MA");
	set(st, "MAC_Address", "00:0e:08:aa:bb:cc:dd");
	env_ok(&env, "$MA", "$MA");
	set(st, "MAC_Address", "zz:0e:08:aa:bb:cc");
	env_ok(&env, "$MA", "$MA");

	params_free(p);
	params_free(st);
}

/* Through rule_resolve, as the agent uses it (spec.md §3 example). */
static void
test_env_rule(void **state)
{
	static const uint8_t	 mac[6] = { 0x00, 0x0e, 0x08, 0xaa, 0xbb,
				    0xcc };
	struct macro_env	 env;
	struct rule		 r;
	struct params		*p;
	char			 err[CR_ERRLEN];

	(void)state;
	memset(&env, 0, sizeof env);
	env.mac = mac;
	env.params = p = set(NULL, "GPP_B", "k3y");
	assert_int_equal(rule_parse("[--delta]http://prov.example/"
	    "$MA-delta.xml\n[--status --key $B]/$(MAU:6)/$PN.xml", &r, err),
	    0);
	assert_int_equal(rule_resolve(&r, macro_env_lookup, &env,
	    "tftp.example:69", err), 0);
	assert_string_equal(r.e[0].url,
	    "http://prov.example/000e08aabbcc-delta.xml");
	assert_string_equal(r.e[1].url, "tftp://tftp.example:69/AABBCC/"
	    "$PN.xml");
	assert_string_equal(r.e[1].key, "k3y");
	rule_clear(&r);
	params_free(p);
}

/* Every allocation may fail: NULL, "out of memory", nothing leaked. */
static void
test_fail_malloc(void **state)
{
	char	 err[CR_ERRLEN];
	char	*out;
	long	 n;

	(void)state;
	if (!failmalloc_active())
		skip();
	for (n = 0;; n++) {
		failmalloc_after(n);
		out = macro_expand("$(MA:0:6)/$(BIG:0:1000)/$MA$$", lookup,
		    NULL, err);
		failmalloc_after(-1);
		if (out != NULL)
			break;
		assert_string_equal(err, "out of memory");
	}
	assert_true(n >= 2);		/* the first buffer, then growth */
	assert_int_equal(strlen(out), 6 + 1 + 1000 + 1 + 12 + 1);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_substrings),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_lookup_calls),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_env_rule),
		cmocka_unit_test(test_fail_malloc),
	};

	memset(big_value, 'b', BIG);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
