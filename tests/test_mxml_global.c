/*
 * test_mxml_global — proto/profile.c leaves mxml 3's process-wide error
 * callback and wrap margin as the host had them (docs/library.md): after
 * a load that fails, a load that succeeds and a save, the host's own
 * callback still hears mxml's errors and its margin still wraps.  This
 * also checks profile.c's copy of mxml's private layout against the
 * installed mxml: a wrong offset restores the wrong values.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <mxml.h>

#include "proto.h"

static int	host_errors;

static void
host_error(const char *msg)
{
	host_errors++;
}

/* An element whose attribute goes past column 30: wrapped at margin 30. */
static int
host_wraps(void)
{
	mxml_node_t	*n;
	char		 buf[256];

	n = mxmlNewElement(MXML_NO_PARENT, "A_Rather_Long_Element_Name");
	assert_non_null(n);
	mxmlElementSetAttr(n, "attribute", "some value");
	assert_true(mxmlSaveString(n, buf, sizeof buf, MXML_NO_CALLBACK) > 0);
	mxmlDelete(n);
	return strchr(buf, '\n') != NULL &&
	    strchr(buf, '\n') < strstr(buf, "attribute");
}

static void
host_settings_kept(void **state)
{
	static const char	 good[] = "<flat-profile>"
	    "<A_Rather_Long_Parameter_Name_For_Wrapping ua=\"rw\">v"
	    "</A_Rather_Long_Parameter_Name_For_Wrapping></flat-profile>";
	static const char	 bad[] = "<flat-profile><a></b></flat-profile>";
	struct params		*p;
	char			 err[CR_ERRLEN], *doc;
	size_t			 len;

	mxmlSetErrorCallback(host_error);
	mxmlSetWrapMargin(30);
	assert_true(host_wraps());
	assert_null(mxmlLoadString(NULL, "<a></b>", MXML_OPAQUE_CALLBACK));
	assert_int_equal(host_errors, 1);

	/* Ours while the library works: the reason reaches ERR. */
	assert_null(profile_parse(bad, sizeof bad - 1, NULL, NULL, err));
	assert_non_null(strstr(err, "XML: "));
	assert_int_equal(host_errors, 1);
	p = profile_parse(good, sizeof good - 1, NULL, NULL, err);
	assert_non_null(p);
	/* Margin 0 while saving: the long element stays on one line. */
	doc = profile_save(p, 0, &len);
	assert_non_null(doc);
	assert_non_null(strstr(doc, "<A_Rather_Long_Parameter_Name_For_Wrapping"
	    " ua=\"rw\">v<"));
	free(doc);
	params_free(p);

	/* The host's again. */
	assert_true(host_wraps());
	assert_null(mxmlLoadString(NULL, "<a></b>", MXML_OPAQUE_CALLBACK));
	assert_int_equal(host_errors, 2);

	/* And a host that set nothing keeps mxml's defaults (NULL, 72). */
	mxmlSetErrorCallback(NULL);
	mxmlSetWrapMargin(0);
	assert_null(profile_parse(bad, sizeof bad - 1, NULL, NULL, err));
	assert_false(host_wraps());
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(host_settings_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
