/* test_report.c — full, delta and status documents (spec.md §5). */
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

#define PROLOG	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static struct params *
device(void)
{
	static const char *set[][2] = {
		{ "Report_Rule", "[--delta --key test123]http://my_http_server/"
		    "config-mpp-delta.enc.xml; [--status --uid u --pwd x]"
		    "https://h/s.xml" },
		{ "HTTP_Report_Method", "PUT" },
		{ "Station_Name", "Reception & Lobby" },
		{ "Password_1_", "s3cret-sip" },
		{ "IKM_HTTP_Encrypt_Content", "yqdlZ-tYemfogSmv7Ws5PQ" },
		{ "GPP_A", "tenant-42" },
		{ "GPP_SA", "gpp-secret" },
		{ "Profile_Rule", "[--toets \"my key\"]https://p/$MA.xml" },
		{ "Time_Zone", "GMT+01:00" },
	};
	struct params	*p = params_new();
	char		 err[CR_ERRLEN];
	size_t		 i;

	assert_non_null(p);
	for (i = 0; i < sizeof set / sizeof set[0]; i++)
		assert_int_equal(params_set(p, set[i][0], set[i][1],
		    i % 2 ? UA_NA : UA_NONE, err), 1);
	assert_int_equal(params_set(p, "Speed_Dial_2_2_", NULL, UA_RW, err), 1);
	return p;
}

static void
no_secret(const char *doc)
{
	static const char *secret[] = {
		"test123", "s3cret-sip", "yqdlZ", "IKM_HTTP", "gpp-secret",
		"my key", "--pwd x",
	};
	size_t	i;

	for (i = 0; i < sizeof secret / sizeof secret[0]; i++) {
		if (strstr(doc, secret[i]) != NULL)
			fail_msg("\"%s\" in\n%s", secret[i], doc);
	}
}

static void
test_full(void **state)
{
	struct params	*p = device(), *back;
	char		*doc, err[CR_ERRLEN];
	size_t		 len;

	doc = report_full(p, &len);
	assert_non_null(doc);
	assert_int_equal(len, strlen(doc));
	assert_string_equal(doc, PROLOG
	    "<flat-profile>\n"
	    "  <Report_Rule>[--delta --key *****]http://my_http_server/"
	    "config-mpp-delta.enc.xml; [--status --uid u --pwd *****]"
	    "https://h/s.xml</Report_Rule>\n"
	    "  <HTTP_Report_Method ua=\"na\">PUT</HTTP_Report_Method>\n"
	    "  <Station_Name>Reception &amp; Lobby</Station_Name>\n"
	    "  <Password_1_ ua=\"na\">*****</Password_1_>\n"
	    "  <GPP_A ua=\"na\">tenant-42</GPP_A>\n"
	    "  <GPP_SA>*****</GPP_SA>\n"
	    "  <Profile_Rule ua=\"na\">[--toets *****]https://p/$MA.xml"
	    "</Profile_Rule>\n"
	    "  <Time_Zone>GMT+01:00</Time_Zone>\n"
	    "  <Speed_Dial_2_2_ ua=\"rw\" />\n"
	    "</flat-profile>\n");
	no_secret(doc);
	/* A report is a profile the server can read back. */
	back = profile_parse(doc, len, NULL, NULL, err);
	assert_non_null(back);
	assert_int_equal(params_count(back), params_count(p) - 1);
	assert_string_equal(params_find(back, "Station_Name")->value,
	    "Reception & Lobby");
	params_free(back);
	free(doc);
	params_free(p);
}

/* The seed's encrypted delta rule: its key never leaves the device. */
static void
test_rule_masked(void **state)
{
	struct params	*p = params_new();
	char		 err[CR_ERRLEN], *doc;

	assert_int_equal(params_set(p, "Report_Rule", "[--delta --key test123 "
	    "--pwd x]http://my_http_server/config-mpp-delta.enc.xml;", UA_NA,
	    err), 1);
	assert_int_equal(params_set(p, "Other_Rule_", "--key k2", UA_NONE,
	    err), 1);
	doc = report_full(p, NULL);
	assert_non_null(doc);
	assert_null(strstr(doc, "test123"));
	assert_null(strstr(doc, "--pwd x"));
	assert_non_null(strstr(doc, "[--delta --key ***** --pwd *****]http://"
	    "my_http_server/config-mpp-delta.enc.xml;"));
	/* Only *_Rule names are rules: "Other_Rule_" is plain text. */
	assert_non_null(strstr(doc, "--key k2"));
	free(doc);
	params_free(p);
}

static void
test_delta(void **state)
{
	struct params	*p = device(), *chg = params_new();
	char		*doc, err[CR_ERRLEN];
	size_t		 len;

	/* Listed out of order, one twice in another case, one removed. */
	assert_int_equal(params_set(chg, "Time_Zone", NULL, UA_NONE, err), 1);
	assert_int_equal(params_set(chg, "station_name", NULL, UA_NONE, err),
	    1);
	assert_int_equal(params_set(chg, "Password_1_", NULL, UA_NONE, err), 1);
	assert_int_equal(params_set(chg, "IKM_HTTP_Encrypt_Content", NULL,
	    UA_NONE, err), 1);
	assert_int_equal(params_set(chg, "Gone_Since", NULL, UA_NONE, err), 1);
	assert_int_equal(params_set(chg, "Speed_Dial_2_2_", NULL, UA_NONE, err),
	    1);
	doc = report_delta(p, chg, &len);
	assert_non_null(doc);
	assert_int_equal(len, strlen(doc));
	/* The full set's order; IKM left out, secrets masked. */
	assert_string_equal(doc, PROLOG
	    "<flat-profile>\n"
	    "  <Station_Name>Reception &amp; Lobby</Station_Name>\n"
	    "  <Password_1_ ua=\"na\">*****</Password_1_>\n"
	    "  <Time_Zone>GMT+01:00</Time_Zone>\n"
	    "  <Speed_Dial_2_2_ ua=\"rw\" />\n"
	    "</flat-profile>\n");
	free(doc);

	/* Report 1 holds A, B, C; report 2 X, Y, Z only (the seed). */
	params_free(chg);
	chg = params_new();
	assert_int_equal(params_set(chg, "GPP_A", NULL, UA_NONE, err), 1);
	doc = report_delta(p, chg, NULL);
	assert_string_equal(doc, PROLOG "<flat-profile>\n"
	    "  <GPP_A ua=\"na\">tenant-42</GPP_A>\n</flat-profile>\n");
	free(doc);

	/* Nothing changed: an empty document (sent when asked for). */
	params_free(chg);
	chg = params_new();
	doc = report_delta(p, chg, NULL);
	assert_string_equal(doc, PROLOG "<flat-profile>\n</flat-profile>\n");
	free(doc);
	doc = report_delta(p, NULL, NULL);
	assert_string_equal(doc, PROLOG "<flat-profile>\n</flat-profile>\n");
	free(doc);
	params_free(chg);
	params_free(p);
}

static void
test_status(void **state)
{
	struct params	*st = params_new();
	char		*doc, err[CR_ERRLEN];

	assert_int_equal(params_set(st, "MAC_Address", "000e08aabbcc",
	    UA_NONE, err), 1);
	assert_int_equal(params_set(st, "Current_IP", "192.0.2.7", UA_NONE,
	    err), 1);
	assert_int_equal(params_set(st, "Uptime", "3600", UA_NONE, err), 1);
	assert_int_equal(params_set(st, "SIP_Password", "leaked?", UA_NONE,
	    err), 1);
	doc = report_status(st, NULL);
	assert_non_null(doc);
	assert_string_equal(doc, PROLOG "<flat-profile>\n"
	    "  <MAC_Address>000e08aabbcc</MAC_Address>\n"
	    "  <Current_IP>192.0.2.7</Current_IP>\n"
	    "  <Uptime>3600</Uptime>\n"
	    "  <SIP_Password>*****</SIP_Password>\n"
	    "</flat-profile>\n");
	free(doc);
	params_free(st);
}

/* The streamed forms the agent encrypts from. */
struct text {
	char	*s;
	size_t	 len;
};

static int
text_sink(void *arg, const char *s, size_t len)
{
	struct text	*t = arg;

	t->s = realloc(t->s, t->len + len + 1);
	assert_non_null(t->s);
	memcpy(t->s + t->len, s, len);
	t->len += len;
	t->s[t->len] = '\0';
	return 0;
}

/* Each *_write streams its report's bytes exactly, and measures them. */
static void
test_streamed(void **state)
{
	struct params	*p = device(), *chg = params_new();
	struct text	 t;
	char		*doc, err[CR_ERRLEN];
	size_t		 len, wlen, mlen;

	assert_int_equal(params_set(chg, "Time_Zone", NULL, UA_NONE, err), 1);
	assert_int_equal(params_set(chg, "Password_1_", NULL, UA_NONE, err), 1);

	doc = report_full(p, &len);
	memset(&t, 0, sizeof t);
	assert_int_equal(report_full_write(p, text_sink, &t, &wlen), 0);
	assert_int_equal(report_full_write(p, NULL, NULL, &mlen), 0);
	assert_int_equal(wlen, len);
	assert_int_equal(mlen, len);
	assert_string_equal(t.s, doc);
	free(t.s);
	free(doc);

	doc = report_delta(p, chg, &len);
	memset(&t, 0, sizeof t);
	assert_int_equal(report_delta_write(p, chg, text_sink, &t, &wlen), 0);
	assert_int_equal(report_delta_write(p, chg, NULL, NULL, &mlen), 0);
	assert_int_equal(wlen, len);
	assert_int_equal(mlen, len);
	assert_string_equal(t.s, doc);
	no_secret(t.s);
	free(t.s);
	free(doc);

	doc = report_status(p, &len);
	memset(&t, 0, sizeof t);
	assert_int_equal(report_status_write(p, text_sink, &t, &wlen), 0);
	assert_int_equal(report_status_write(p, NULL, NULL, &mlen), 0);
	assert_int_equal(wlen, len);
	assert_int_equal(mlen, len);
	assert_string_equal(t.s, doc);
	free(t.s);
	free(doc);
	params_free(chg);
	params_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_rule_masked),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_streamed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
