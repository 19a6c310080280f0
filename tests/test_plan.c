/*
 * test_plan.c — the typed settings and the plan: identity of a
 * destination, unresolved entries, masking of shown URLs, one choice of
 * encryption, and every allocation failing in turn.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto.h"
#include "failmalloc.h"

static const uint8_t	mac[6] = { 0, 0x0e, 0x08, 0xaa, 0xbb, 0xcc };

struct fx {
	struct params		*p;
	struct params		*status;
	struct plan_settings	 set;
	struct plan		 pl;
	struct macro_env	 env;
};

static void
fx_set(struct params *p, const char *name, const char *value)
{
	char	err[CR_ERRLEN];

	assert_true(params_set(p, name, value, UA_NONE, err) >= 0);
}

/* Settings and plan of F's parameters and status values now. */
static void
fx_plan(struct fx *f)
{
	char	err[CR_ERRLEN];

	plan_clear(&f->pl);
	plan_settings_clear(&f->set);
	memset(&f->env, 0, sizeof f->env);
	f->env.mac = mac;
	f->env.params = f->p;
	f->env.status = f->status;
	assert_int_equal(plan_settings_parse(f->p, &f->set, err), 0);
	assert_int_equal(plan_build(&f->set, &f->env, &f->pl, err), 0);
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->p = params_new();
	f->status = params_new();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	plan_clear(&f->pl);
	plan_settings_clear(&f->set);
	params_free(f->p);
	params_free(f->status);
	free(f);
	return 0;
}

static void
test_settings_typed(void **state)
{
	struct fx	*f = *state;

	fx_plan(f);
	assert_int_equal(f->set.mode, PLAN_ON_REQUEST);
	assert_int_equal(f->set.periodic, 3600);
	assert_int_equal(f->set.put, 0);
	assert_null(f->set.ikm);
	assert_null(f->set.sip_user);
	fx_set(f->p, "Report_To_Server", "periodically");
	fx_set(f->p, "Periodic_Upload_To_Server", "600");
	fx_set(f->p, "Upload_Delay_On_Local_Change", "30");
	fx_set(f->p, "Report_Random_Delay", "7");
	fx_set(f->p, "HTTP_Report_Method", "PUT");
	fx_set(f->p, "IKM_HTTP_Encrypt_Content", "yqdlZ-tYemfogSmv7Ws5PQ");
	fx_set(f->p, "User_ID_1_", "alice");
	fx_set(f->p, "Auth_ID_1_", "alice-auth");
	fx_set(f->p, "Password_1_", "pw");
	fx_plan(f);
	assert_int_equal(f->set.mode, PLAN_PERIODICALLY);
	assert_int_equal(f->set.periodic, 600);
	assert_int_equal(f->set.local_delay, 30);
	assert_int_equal(f->set.random_delay, 7);
	assert_int_equal(f->set.put, 1);
	/* The IKM is decoded once, here: 16 bytes. */
	assert_non_null(f->set.ikm);
	assert_int_equal(f->set.ikmlen, 16);
	assert_string_equal(f->set.sip_user, "alice");
	fx_set(f->p, "Use_Auth_ID_1_", "Yes");
	fx_plan(f);
	assert_string_equal(f->set.sip_user, "alice-auth");
	fx_set(f->p, "Password_1_", "");
	fx_plan(f);
	assert_null(f->set.sip_user);
}

/* The names a batch must touch for the settings and plan to change. */
static int
touched(const char *name)
{
	struct params	*c = params_new();
	char		 err[CR_ERRLEN];
	int		 rv;

	assert_non_null(c);
	assert_true(params_set(c, "Station_Name", "x", UA_NONE, err) >= 0);
	assert_true(params_set(c, name, "x", UA_NONE, err) >= 0);
	rv = plan_touched(c);
	params_free(c);
	return rv;
}

static void
test_inputs(void **state)
{
	assert_true(touched("Report_Rule"));
	assert_true(touched("report_rule"));
	assert_true(touched("GPP_A"));
	assert_true(touched("GPP_P"));
	assert_true(touched("gpp_sd"));
	assert_true(touched("IKM_HTTP_Encrypt_Content"));
	assert_true(touched("Password_1_"));
	assert_true(touched("Use_Auth_ID_1_"));
	assert_true(touched("Periodic_Upload_To_Server"));
	assert_false(touched("Station_Name"));
	assert_false(touched("Password_2_"));
	assert_false(touched("GPP_Q"));
	assert_false(touched("GPP_SE"));
}

static void
test_encryption_choice(void **state)
{
	struct fx		*f = *state;
	struct rule_entry	 e;

	memset(&e, 0, sizeof e);
	fx_plan(f);
	assert_int_equal(plan_encryption(&f->set, &e), PLAN_PLAIN);
	assert_string_equal(plan_enc_name(PLAN_PLAIN), "plain");
	fx_set(f->p, "IKM_HTTP_Encrypt_Content", "yqdlZ-tYemfogSmv7Ws5PQ");
	fx_plan(f);
	assert_int_equal(plan_encryption(&f->set, &e), PLAN_ECE);
	assert_string_equal(plan_enc_name(PLAN_ECE), "aes128gcm");
	e.key = "k";
	/* --key wins over the IKM (vendor). */
	assert_int_equal(plan_encryption(&f->set, &e), PLAN_OSSLENC);
	assert_string_equal(plan_enc_name(PLAN_OSSLENC), "aes-256-cbc");
}

/*
 * A bare /path waits for option 66: the entry stays in the plan with its
 * id, unresolved; when option 66 comes (or changes) the id is the same.
 */
static void
test_option66_keeps_identity(void **state)
{
	struct fx	*f = *state;
	char		*id;

	fx_set(f->p, "Report_Rule", "[--delta]/$MA-delta.xml");
	fx_plan(f);
	assert_int_equal(f->pl.parsed, 1);
	assert_int_equal(f->pl.n, 1);
	assert_int_equal(f->pl.d[0].resolved, 0);
	assert_non_null(strstr(f->pl.d[0].why, "Report_Rule: entry 1"));
	assert_non_null(strstr(f->pl.error, "entry 1"));
	assert_string_equal(f->pl.d[0].id, "delta /$MA-delta.xml");
	id = strdup(f->pl.d[0].id);

	fx_set(f->status, "DHCP_Option_66", "http://127.0.0.1:8080/");
	fx_plan(f);
	assert_int_equal(f->pl.d[0].resolved, 1);
	assert_string_equal(f->pl.error, "");
	assert_string_equal(f->pl.d[0].id, id);
	assert_string_equal(f->pl.d[0].e.url,
	    "http://127.0.0.1:8080/000e08aabbcc-delta.xml");
	assert_string_equal(f->pl.d[0].shown,
	    "delta http://127.0.0.1:8080/000e08aabbcc-delta.xml");

	fx_set(f->status, "DHCP_Option_66", "10.0.0.9");
	fx_plan(f);
	assert_string_equal(f->pl.d[0].id, id);
	assert_int_equal(f->pl.d[0].e.scheme, RULE_TFTP);
	assert_string_equal(f->pl.d[0].e.url,
	    "tftp://10.0.0.9/000e08aabbcc-delta.xml");
	free(id);
}

/* A changed macro value moves the URL, not the id. */
static void
test_macro_keeps_identity(void **state)
{
	struct fx	*f = *state;

	fx_set(f->p, "Report_Rule", "[--delta]http://prov/$A/d.xml "
	    "http://prov/f.xml");
	fx_set(f->p, "GPP_A", "one");
	fx_plan(f);
	assert_int_equal(f->pl.n, 2);
	assert_string_equal(f->pl.d[0].id, "delta http://prov/$A/d.xml");
	assert_string_equal(f->pl.d[0].e.url, "http://prov/one/d.xml");
	assert_string_equal(f->pl.d[1].id, "full http://prov/f.xml");
	fx_set(f->p, "GPP_A", "two");
	fx_plan(f);
	assert_string_equal(f->pl.d[0].id, "delta http://prov/$A/d.xml");
	assert_string_equal(f->pl.d[0].e.url, "http://prov/two/d.xml");
	/* The same entry twice: two ids. */
	fx_set(f->p, "Report_Rule", "[--delta]http://prov/d.xml "
	    "[--delta --key k]http://prov/d.xml");
	fx_plan(f);
	assert_string_equal(f->pl.d[0].id, "delta http://prov/d.xml");
	assert_string_equal(f->pl.d[1].id, "delta http://prov/d.xml #2");
	assert_int_equal(f->pl.d[1].enc, PLAN_OSSLENC);
}

/* A rule that does not parse: no ids at all, so nothing may be dropped. */
static void
test_rule_does_not_parse(void **state)
{
	struct fx	*f = *state;

	fx_set(f->p, "Report_Rule", "[--delta http://prov/d.xml");
	fx_plan(f);
	assert_int_equal(f->pl.parsed, 0);
	assert_int_equal(f->pl.n, 0);
	assert_non_null(strstr(f->pl.error, "Report_Rule"));
}

/* Finding 2: what is shown never holds $SA..$SD or a userinfo password. */
static void
test_shown_masked(void **state)
{
	struct fx	*f = *state;
	char		*s;

	fx_set(f->p, "Report_Rule", "[--status]http://prov/$SA-status.xml "
	    "[--delta]http://u:PW0rd@prov/$B/$SB.xml");
	fx_set(f->p, "GPP_SA", "TOPSECRET");
	fx_set(f->p, "GPP_SB", "HIDDEN");
	fx_set(f->p, "GPP_B", "dir");
	fx_plan(f);
	assert_int_equal(f->pl.d[0].resolved, 1);
	/* The transfer uses the real URL... */
	assert_string_equal(f->pl.d[0].e.url,
	    "http://prov/TOPSECRET-status.xml");
	assert_string_equal(f->pl.d[1].e.url,
	    "http://u:PW0rd@prov/dir/HIDDEN.xml");
	/* ...and only that. */
	assert_string_equal(f->pl.d[0].shown,
	    "status http://prov/*****-status.xml");
	assert_string_equal(f->pl.d[1].shown,
	    "delta http://u:*****@prov/dir/*****.xml");
	assert_string_equal(f->pl.d[1].id, "delta http://u:*****@prov/$B/$SB.xml");
	/* An error text naming the real URL is scrubbed. */
	s = plan_scrub(&f->pl.d[1], "Could not resolve host u:PW0rd@prov "
	    "for /dir/HIDDEN.xml");
	assert_non_null(s);
	assert_null(strstr(s, "PW0rd"));
	assert_null(strstr(s, "HIDDEN"));
	assert_non_null(strstr(s, "u:*****@prov"));
	free(s);
	/* An error echoing a piece of the expanded URL masks it too. */
	fx_set(f->p, "Report_Rule", "[--status]$SA://prov/s.xml");
	fx_plan(f);
	assert_int_equal(f->pl.d[0].resolved, 0);
	assert_non_null(strstr(f->pl.d[0].why, "unsupported scheme '*****'"));
	assert_null(strstr(f->pl.d[0].why, "TOPSECRET"));
	assert_null(strstr(f->pl.error, "TOPSECRET"));
	fx_set(f->p, "Report_Rule", "[--status]http://prov/$SA-status.xml "
	    "[--delta]http://u:PW0rd@prov/$B/$SB.xml");
	/* An empty secret masks nothing. */
	fx_set(f->p, "GPP_SA", "");
	fx_plan(f);
	assert_string_equal(f->pl.d[0].shown, "status http://prov/-status.xml");

	/* A secret that is part of the mask itself cannot loop. */
	fx_set(f->p, "GPP_SB", "*");
	fx_plan(f);
	assert_string_equal(f->pl.d[1].shown,
	    "delta http://u:*****@prov/dir/*****.xml");
	s = plan_scrub(&f->pl.d[1], "a * b");
	assert_string_equal(s, "a ***** b");
	free(s);

	s = plan_mask_url("https://user:p@ss@host:8443/x?q=a:b@c");
	assert_string_equal(s, "https://user:*****@host:8443/x?q=a:b@c");
	free(s);
	s = plan_mask_url("tftp://host/x:y@z");
	assert_string_equal(s, "tftp://host/x:y@z");
	free(s);
}

/* TFTP has no authentication: credentials on a tftp entry are refused. */
static void
test_tftp_credentials(void **state)
{
	struct fx	*f = *state;

	fx_set(f->p, "Report_Rule", "[--uid a --pwd x]tftp://h/f.xml");
	fx_plan(f);
	assert_int_equal(f->pl.d[0].resolved, 0);
	assert_non_null(strstr(f->pl.d[0].why, "TFTP has no authentication"));
}

/*
 * Every allocation failing in turn: -1 "out of memory", or a plan whose
 * error says so (an entry left unresolved keeps its id: nothing is lost),
 * never a leak, a crash or an unmasked URL.
 */
static void
test_fail_malloc(void **state)
{
	struct fx		*f = *state;
	struct plan_settings	 set;
	struct plan		 pl;
	char			 err[CR_ERRLEN];
	long			 n;
	int			 rv, done = 0;
	size_t			 i;

	if (!failmalloc_active())
		skip();
	fx_set(f->p, "Report_Rule", "[--status]http://u:pw@prov/$SA.xml "
	    "[--delta]/$MA.xml");
	fx_set(f->p, "GPP_SA", "s3");
	fx_set(f->p, "IKM_HTTP_Encrypt_Content", "yqdlZ-tYemfogSmv7Ws5PQ");
	fx_set(f->p, "User_ID_1_", "alice");
	fx_set(f->p, "Password_1_", "pw");
	fx_set(f->status, "DHCP_Option_66", "10.0.0.1");
	memset(&f->env, 0, sizeof f->env);
	f->env.mac = mac;
	f->env.params = f->p;
	f->env.status = f->status;
	for (n = 0; !done; n++) {
		failmalloc_after(n);
		rv = plan_settings_parse(f->p, &set, err);
		if (rv == 0) {
			rv = plan_build(&set, &f->env, &pl, err);
			plan_settings_clear(&set);
		}
		failmalloc_after(-1);
		if (rv == -1) {
			assert_string_equal(err, "out of memory");
			continue;
		}
		if (pl.error[0] == '\0')
			done = 1;
		else
			assert_non_null(strstr(pl.error, "out of memory"));
		for (i = 0; i < pl.n; i++) {
			assert_non_null(pl.d[i].id);
			assert_non_null(pl.d[i].shown);
			assert_null(strstr(pl.d[i].shown, "pw@"));
			assert_null(strstr(pl.d[i].shown, "s3"));
		}
		plan_clear(&pl);
	}
	assert_true(n > 10);
}

/*
 * A URL too long for the state's key (issue 9, finding 4: it disabled
 * baseline updates for every destination) is named by its digest; the
 * others keep their ids, the transfer its real URL.
 */
static void
test_long_url_id(void **state)
{
	struct fx	*f = *state;
	char		*rule, *other, *path;
	size_t		 len = 5000;

	assert_non_null(path = malloc(len + 1));
	memset(path, 'p', len);
	path[len] = '\0';
	assert_true(asprintf(&rule, "[--delta]http://prov/%s "
	    "[--delta]http://prov/d.xml", path) != -1);
	fx_set(f->p, "Report_Rule", rule);
	fx_plan(f);
	assert_int_equal(f->pl.n, 2);
	assert_true(f->pl.d[0].resolved);
	assert_true(strlen(f->pl.d[0].id) <= STATE_MAX_KEY);
	assert_int_equal(strlen(f->pl.d[0].id), 6 + 7 + 64);
	assert_memory_equal(f->pl.d[0].id, "delta sha256:", 13);
	assert_int_equal(strlen(f->pl.d[0].e.url), 12 + len);
	assert_string_equal(f->pl.d[1].id, "delta http://prov/d.xml");
	other = strdup(f->pl.d[0].id);
	/* Stable, and another long URL gets another id. */
	fx_plan(f);
	assert_string_equal(f->pl.d[0].id, other);
	path[0] = 'q';
	free(rule);
	assert_true(asprintf(&rule, "[--delta]http://prov/%s "
	    "[--delta]http://prov/%s", path, path) != -1);
	fx_set(f->p, "Report_Rule", rule);
	fx_plan(f);
	assert_memory_equal(f->pl.d[0].id, "delta sha256:", 13);
	assert_string_not_equal(f->pl.d[0].id, other);
	assert_int_equal(strlen(f->pl.d[1].id), strlen(f->pl.d[0].id) + 3);
	assert_memory_equal(f->pl.d[1].id + strlen(f->pl.d[0].id), " #2", 3);
	free(other);
	free(rule);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_settings_typed, setup,
		    teardown),
		cmocka_unit_test(test_inputs),
		cmocka_unit_test_setup_teardown(test_encryption_choice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_option66_keeps_identity,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_macro_keeps_identity,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_does_not_parse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_shown_masked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tftp_credentials, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fail_malloc, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_url_id, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
