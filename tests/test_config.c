/* test_config.c — judging a profile file (the plan: test_plan.c). */
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

/* -n and the agent judge the same bytes: config_parse of a buffer. */
static void
test_parse_buffer(void **state)
{
	static const char	 doc[] = "<flat-profile><Report_Random_Delay>"
				    "x</Report_Random_Delay><GPP_A>1</GPP_A>"
				    "</flat-profile>";
	struct params		*p, *cur;
	struct warnings		 w = { 0, "" };
	char			 err[CR_ERRLEN];

	assert_null(config_parse("mem.xml", doc, sizeof doc - 1, 1, NULL,
	    collect, &w, err));
	assert_non_null(strstr(err, "mem.xml"));
	assert_non_null(strstr(err, "Report_Random_Delay"));
	p = config_parse("mem.xml", doc, sizeof doc - 1, 0, NULL, collect,
	    &w, err);
	assert_non_null(p);
	assert_int_equal(w.n, 1);
	assert_null(params_find(p, "Report_Random_Delay"));
	assert_string_equal(params_find(p, "GPP_A")->value, "1");
	params_free(p);
	assert_null(config_parse("mem.xml", "<flat", 5, 0, NULL, collect, &w,
	    err));
	/*
	 * Over a configuration that has the setting (SIGHUP, a restart), the
	 * dropped value leaves that one in effect, and the warning says so
	 * (issue 9, finding 11: it said "using the default").
	 */
	assert_non_null(cur = params_new());
	assert_int_equal(params_set(cur, "report_random_delay", "5", UA_NONE,
	    err), 1);
	p = config_parse("mem.xml", doc, sizeof doc - 1, 0, cur, collect, &w,
	    err);
	assert_non_null(p);
	assert_int_equal(w.n, 2);
	assert_non_null(strstr(w.last, "ignored: the value in effect is kept"));
	assert_null(strstr(w.last, "default"));
	params_free(p);
	params_free(cur);
	assert_non_null(strstr(err, "mem.xml"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_setting_strict_and_lenient),
		cmocka_unit_test(test_parse_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
