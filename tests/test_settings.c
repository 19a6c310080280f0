/* test_settings.c — the agent's own parameters: defaults, ranges, secrets. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto.h"

static void
ok(const char *name, const char *value)
{
	char	err[CR_ERRLEN] = "";

	if (settings_check(name, value, err) != 0)
		fail_msg("%s=\"%s\" refused: %s", name, value, err);
}

/* Refused, with exactly the reason WANT. */
static void
refused(const char *name, const char *value, const char *want)
{
	char	err[CR_ERRLEN] = "";

	if (settings_check(name, value, err) != -1)
		fail_msg("%s=\"%s\" accepted", name, value);
	if (want != NULL && strcmp(err, want) != 0)
		fail_msg("%s=\"%s\": got \"%s\", want \"%s\"", name, value,
		    err, want);
}

static void
test_defaults(void **state)
{
	static const char *table[][2] = {
		{ "Report_Rule", "" },
		{ "HTTP_Report_Method", "POST" },
		{ "Report_To_Server", "On Request" },
		{ "Periodic_Upload_To_Server", "3600" },
		{ "Upload_Delay_On_Local_Change", "60" },
		{ "Report_Random_Delay", "0" },
		{ "IKM_HTTP_Encrypt_Content", "" },
		{ "User_ID_1_", "" },
		{ "Auth_ID_1_", "" },
		{ "Use_Auth_ID_1_", "No" },
		{ "Password_1_", "" },
		{ "GPP_A", "" },
		{ "GPP_P", "" },
		{ "GPP_SA", "" },
		{ "GPP_SD", "" },
		/* The vendor's spellings. */
		{ "periodic_upload_to_server", "3600" },
		{ "Report_to_Server", "On Request" },
	};
	size_t	i;
	char	err[CR_ERRLEN];

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		assert_non_null(settings_default(table[i][0]));
		assert_string_equal(settings_default(table[i][0]), table[i][1]);
		/* Every default is itself acceptable. */
		ok(table[i][0], table[i][1]);
	}
	assert_null(settings_default("GPP_Q"));
	assert_null(settings_default("GPP_SE"));
	assert_null(settings_default("Station_Name"));
	assert_null(settings_default("Report_Rule_"));
	assert_null(settings_default(NULL));
	/* Not a setting, or no value: nothing to refuse. */
	assert_int_equal(settings_check("Station_Name", "anything", err), 0);
	assert_int_equal(settings_check("Periodic_Upload_To_Server", NULL, err),
	    0);
}

/*
 * settings_find searches the sorted table: every name is found, in any
 * case, and what sorts between or around them is not.
 */
static void
test_every_name(void **state)
{
	static const char	*names[] = { "Report_Rule",
				    "HTTP_Report_Method", "Report_To_Server",
				    "Periodic_Upload_To_Server",
				    "Upload_Delay_On_Local_Change",
				    "Report_Random_Delay",
				    "IKM_HTTP_Encrypt_Content", "User_ID_1_",
				    "Auth_ID_1_", "Use_Auth_ID_1_",
				    "Password_1_", "GPP_SA", "GPP_SB",
				    "GPP_SC", "GPP_SD" };
	static const char	*not[] = { "", "A", "Auth_ID_1", "Auth_ID_1__",
				    "GPP_", "GPP_AA", "GPP_Q", "GPP_S",
				    "GPP_SE", "GPP_Z", "GPP_SA_", "HTTP",
				    "Password_1_x", "Report_", "Report_R",
				    "Report_Rules", "Upload", "Use_", "User",
				    "User_ID_1_1", "zzz", "_", "~" };
	char			 name[64];
	size_t			 i, j;

	for (i = 0; i < sizeof names / sizeof names[0] + 16; i++) {
		if (i < sizeof names / sizeof names[0])
			snprintf(name, sizeof name, "%s", names[i]);
		else
			snprintf(name, sizeof name, "GPP_%c",
			    (int)('A' + i - sizeof names / sizeof names[0]));
		assert_non_null(settings_default(name));
		for (j = 0; name[j] != '\0'; j++)
			name[j] = (char)tolower((unsigned char)name[j]);
		assert_non_null(settings_default(name));
		for (j = 0; name[j] != '\0'; j++)
			name[j] = (char)toupper((unsigned char)name[j]);
		assert_non_null(settings_default(name));
	}
	for (i = 0; i < sizeof not / sizeof not[0]; i++)
		assert_null(settings_default(not[i]));
}

static void
test_ranges(void **state)
{
	ok("Periodic_Upload_To_Server", "600");
	ok("Periodic_Upload_To_Server", "259200");
	ok("periodic_upload_to_server", "3600");
	ok("Periodic_Upload_To_Server", "0000600");
	ok("Periodic_Upload_To_Server", "00000000000000000000000000003600");
	refused("Periodic_Upload_To_Server", "599",
	    "Periodic_Upload_To_Server: \"599\": allowed 600-259200 (seconds)");
	refused("Periodic_Upload_To_Server", "259201",
	    "Periodic_Upload_To_Server: \"259201\": allowed 600-259200 "
	    "(seconds)");
	refused("Periodic_Upload_To_Server", "30",
	    "Periodic_Upload_To_Server: \"30\": allowed 600-259200 (seconds)");
	/* The name as the caller wrote it. */
	refused("periodic_upload_to_server", "30",
	    "periodic_upload_to_server: \"30\": allowed 600-259200 (seconds)");
	refused("Periodic_Upload_To_Server", "", NULL);
	refused("Periodic_Upload_To_Server", "+600", NULL);
	refused("Periodic_Upload_To_Server", "-600", NULL);
	refused("Periodic_Upload_To_Server", " 600", NULL);
	refused("Periodic_Upload_To_Server", "600 ", NULL);
	refused("Periodic_Upload_To_Server", "6e2", NULL);
	refused("Periodic_Upload_To_Server", "0x258", NULL);
	refused("Periodic_Upload_To_Server", "600.0", NULL);
	/* Far past any integer type: refused, not wrapped into range. */
	refused("Periodic_Upload_To_Server", "18446744073709551616", NULL);
	refused("Periodic_Upload_To_Server", "18446744073709552216", NULL);
	refused("Periodic_Upload_To_Server",
	    "99999999999999999999999999999999999999999999999999600", NULL);
	refused("Periodic_Upload_To_Server", "4294967896", NULL);

	ok("Upload_Delay_On_Local_Change", "10");
	ok("Upload_Delay_On_Local_Change", "900");
	ok("Upload_Delay_On_Local_Change", "060");
	refused("Upload_Delay_On_Local_Change", "9",
	    "Upload_Delay_On_Local_Change: \"9\": allowed 10-900 (seconds)");
	refused("Upload_Delay_On_Local_Change", "901", NULL);
	refused("Upload_Delay_On_Local_Change", "+5", NULL);
	refused("Upload_Delay_On_Local_Change", " 60", NULL);

	ok("Report_Random_Delay", "0");
	ok("Report_Random_Delay", "3600");
	refused("Report_Random_Delay", "3601",
	    "Report_Random_Delay: \"3601\": allowed 0-3600 (seconds)");
	refused("Report_Random_Delay", "-1", NULL);
}

static void
test_lists(void **state)
{
	ok("HTTP_Report_Method", "PUT");
	ok("HTTP_Report_Method", "POST");
	ok("http_report_method", "put");
	refused("HTTP_Report_Method", "GET",
	    "HTTP_Report_Method: \"GET\": allowed PUT, POST");
	refused("HTTP_Report_Method", "PUT ", NULL);
	refused("HTTP_Report_Method", "", NULL);

	ok("Report_To_Server", "On Request");
	ok("Report_To_Server", "On Local Change");
	ok("Report_To_Server", "Periodically");
	ok("Report_to_Server", "periodically");
	ok("Report_To_Server", "ON LOCAL CHANGE");
	refused("Report_To_Server", "Sometimes",
	    "Report_To_Server: \"Sometimes\": allowed \"On Request\", "
	    "\"On Local Change\", \"Periodically\"");
	refused("Report_To_Server", "On  Request", NULL);
	refused("Report_To_Server", "Periodiek", NULL);

	ok("Use_Auth_ID_1_", "Yes");
	ok("Use_Auth_ID_1_", "no");
	refused("Use_Auth_ID_1_", "true",
	    "Use_Auth_ID_1_: \"true\": allowed Yes, No");
}

static void
test_ikm(void **state)
{
	char	err[CR_ERRLEN];

	ok("IKM_HTTP_Encrypt_Content", "");
	ok("IKM_HTTP_Encrypt_Content", "yqdlZ-tYemfogSmv7Ws5PQ");
	ok("IKM_HTTP_Encrypt_Content", "yqdlZ-tYemfogSmv7Ws5PQ==");
	ok("IKM_HTTP_Encrypt_Content", "AB");
	ok("IKM_HTTP_Encrypt_Content", "ABC");
	ok("IKM_HTTP_Encrypt_Content", "ABC=");
	ok("IKM_HTTP_Encrypt_Content", "AB==");
	ok("IKM_HTTP_Encrypt_Content", "ABCD");
	ok("ikm_http_encrypt_content", "_-_-");
	refused("IKM_HTTP_Encrypt_Content", "A", NULL);
	refused("IKM_HTTP_Encrypt_Content", "ABCDE", NULL);
	refused("IKM_HTTP_Encrypt_Content", "AB=", NULL);
	refused("IKM_HTTP_Encrypt_Content", "ABC==", NULL);
	refused("IKM_HTTP_Encrypt_Content", "A===", NULL);
	refused("IKM_HTTP_Encrypt_Content", "AB=C", NULL);
	refused("IKM_HTTP_Encrypt_Content", "ab+/", NULL);
	refused("IKM_HTTP_Encrypt_Content", "ab cd", NULL);
	refused("IKM_HTTP_Encrypt_Content", "====", NULL);
	/* The value is a secret: it never shows in the reason. */
	assert_int_equal(settings_check("IKM_HTTP_Encrypt_Content",
	    "not base64 at all!", err), -1);
	assert_null(strstr(err, "base64 at"));
	assert_non_null(strstr(err, "IKM_HTTP_Encrypt_Content: <secret>"));
	assert_non_null(strstr(err, "base64url"));
}

static void
test_rule(void **state)
{
	char	err[CR_ERRLEN];

	ok("Report_Rule", "");
	ok("Report_Rule", "http://my_http_server/config-mpp.xml");
	ok("Report_Rule", "[--delta --key test123]http://my_http_server/"
	    "config-mpp-delta.enc.xml;");
	ok("report_rule",
	    "[--status]http://s/st.xml\n  [--delta]http://s/d.xml");
	refused("Report_Rule", "[--delta --status]http://h/x.xml", NULL);
	assert_int_equal(settings_check("Report_Rule",
	    "[--key s3cr3t --bogus]http://h/x.xml", err), -1);
	assert_non_null(strstr(err, "Report_Rule: "));
	assert_non_null(strstr(err, "--bogus"));
	assert_non_null(strstr(err, "position"));
	/* The rule's key is masked in the reason. */
	assert_null(strstr(err, "s3cr3t"));
	assert_int_equal(settings_check("Report_Rule",
	    "[--pwd hunter2]a b c", err), -1);
	assert_null(strstr(err, "hunter2"));
}

static void
test_text(void **state)
{
	ok("User_ID_1_", "2001");
	ok("Auth_ID_1_", "any thing at all");
	ok("Password_1_", "p\"w<>&\n");
	ok("GPP_A", "");
	ok("GPP_SD", "whatever");
}

/* A value that cannot be shown whole is cut and kept on one line. */
static void
test_value_in_reason(void **state)
{
	char	err[CR_ERRLEN], big[300];

	memset(big, '7', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(settings_check("Report_Random_Delay", big, err), -1);
	assert_non_null(strstr(err, "...\": allowed 0-3600 (seconds)"));
	assert_int_equal(settings_check("HTTP_Report_Method", "PU\nT", err),
	    -1);
	assert_string_equal(err,
	    "HTTP_Report_Method: \"PU\\nT\": allowed PUT, POST");
}

static void
test_secrets(void **state)
{
	static const char *secret[] = {
		"IKM_HTTP_Encrypt_Content", "ikm_http_encrypt_content",
		"Password_1_", "password_2_", "PASSWORD", "Password",
		"Admin_Password", "Proxy_Password_1_", "HTTP_Password_x",
		"user_password", "GPP_SA", "GPP_SB", "gpp_sc", "GPP_SD",
	};
	static const char *plain[] = {
		"GPP_A", "GPP_S", "GPP_SE", "GPP_SAX", "User_ID_1_",
		"Auth_ID_1_", "Use_Auth_ID_1_", "Report_Rule", "Passwd",
		"MyPassword", "Pass_word", "", "Station_Name",
	};
	size_t	i;

	for (i = 0; i < sizeof secret / sizeof secret[0]; i++) {
		if (!settings_is_secret(secret[i]))
			fail_msg("%s should be secret", secret[i]);
	}
	for (i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		if (settings_is_secret(plain[i]))
			fail_msg("%s should not be secret", plain[i]);
	}
	assert_false(settings_is_secret(NULL));
	assert_true(settings_is_omitted("IKM_HTTP_Encrypt_Content"));
	assert_true(settings_is_omitted("Ikm_Http_Encrypt_Content"));
	assert_false(settings_is_omitted("Password_1_"));
	assert_false(settings_is_omitted("GPP_SA"));
	assert_false(settings_is_omitted(NULL));
}

static void
test_get(void **state)
{
	struct params	*p = params_new();
	char		 err[CR_ERRLEN];

	assert_string_equal(settings_get(p, "HTTP_Report_Method"), "POST");
	assert_string_equal(settings_get(NULL, "HTTP_Report_Method"), "POST");
	assert_null(settings_get(p, "Station_Name"));
	assert_int_equal(params_set(p, "http_report_method", "PUT", UA_NA,
	    err), 1);
	assert_int_equal(params_set(p, "Station_Name", "desk", UA_NONE, err),
	    1);
	/* A ua-only entry has no value: the default applies. */
	assert_int_equal(params_set(p, "Report_To_Server", NULL, UA_RW, err),
	    1);
	assert_string_equal(settings_get(p, "HTTP_Report_Method"), "PUT");
	assert_string_equal(settings_get(p, "station_name"), "desk");
	assert_string_equal(settings_get(p, "Report_To_Server"), "On Request");
	params_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_name),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_ikm),
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_value_in_reason),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
