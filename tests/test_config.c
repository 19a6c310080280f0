/* test_config.c — judging a profile file and planning its reports. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"

struct warnings {
	int	n;
	char	last[CR_ERRLEN + 64];
};

static void
collect(void *arg, const char *msg)
{
	struct warnings	*w = arg;

	w->n++;
	snprintf(w->last, sizeof w->last, "%s", msg);
}

static char *
write_profile(const char *body)
{
	char	 err[CR_ERRLEN], *path = strdup("/tmp/cfgreport-config.XXXXXX");
	char	*doc;
	int	 fd;

	assert_non_null(path);
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_true(asprintf(&doc, "<flat-profile>\n%s\n</flat-profile>\n",
	    body) != -1);
	assert_int_equal(fileio_write_atomic(path, doc, strlen(doc), 0600,
	    err), 0);
	free(doc);
	return path;
}

static void
test_bad_setting_strict_and_lenient(void **state)
{
	char		*path, err[CR_ERRLEN];
	struct params	*p;
	struct warnings	 w = { 0, "" };

	path = write_profile("<Periodic_Upload_To_Server>59</Periodic_Upload_"
	    "To_Server>\n<Station_Name>desk</Station_Name>");
	/* -n: the bad value is an error naming the file and the parameter. */
	assert_null(config_load(path, 1, collect, &w, err));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "Periodic_Upload_To_Server"));

	/* At start-up: warned, dropped, so the default applies. */
	p = config_load(path, 0, collect, &w, err);
	assert_non_null(p);
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.last, "using the default"));
	assert_null(params_find(p, "Periodic_Upload_To_Server"));
	assert_string_equal(settings_get(p, "Periodic_Upload_To_Server"),
	    "3600");
	assert_string_equal(params_find(p, "station_name")->value, "desk");
	params_free(p);
	unlink(path);
	free(path);
}

static void
test_encryption_choice(void **state)
{
	struct params		*p = params_new();
	struct rule_entry	 e;
	char			 err[CR_ERRLEN];

	memset(&e, 0, sizeof e);
	assert_string_equal(config_encryption(p, &e), "plain");
	assert_int_equal(params_set(p, "IKM_HTTP_Encrypt_Content",
	    "yqdlZ-tYemfogSmv7Ws5PQ", UA_NA, err), 1);
	assert_string_equal(config_encryption(p, &e), "aes128gcm");
	e.key = "k";
	/* --key wins over the IKM (vendor). */
	assert_string_equal(config_encryption(p, &e), "aes-256-cbc");
	params_free(p);
}

static void
test_plan_uses_option66(void **state)
{
	struct params		*p = params_new(), *status = params_new();
	struct macro_env	 env;
	struct rule		 r;
	char			 err[CR_ERRLEN];
	static const uint8_t	 mac[6] = { 0, 0x0e, 0x08, 0xaa, 0xbb, 0xcc };

	memset(&env, 0, sizeof env);
	env.mac = mac;
	env.params = p;
	env.status = status;
	assert_int_equal(params_set(p, "Report_Rule",
	    "[--status]/r/$MA.xml", UA_NONE, err), 1);
	assert_int_equal(config_plan(p, &env, &r, err), -1);
	assert_non_null(strstr(err, "Report_Rule"));

	assert_int_equal(params_set(status, "DHCP_Option_66", "10.0.0.9",
	    UA_NONE, err), 1);
	assert_int_equal(config_plan(p, &env, &r, err), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.e[0].kind, REPORT_STATUS);
	assert_int_equal(r.e[0].scheme, RULE_TFTP);
	assert_string_equal(r.e[0].url, "tftp://10.0.0.9/r/000e08aabbcc.xml");
	rule_clear(&r);
	params_free(p);
	params_free(status);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_setting_strict_and_lenient),
		cmocka_unit_test(test_encryption_choice),
		cmocka_unit_test(test_plan_uses_option66),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
