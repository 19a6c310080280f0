/* test_profile.c — reading and writing the flat-profile XML. */
#include "config.h"

#include <sys/resource.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <mxml.h>

#include "proto.h"
#include "failmalloc.h"

struct warnings {
	int	n;
	char	last[CR_ERRLEN];
};

static void
collect(void *arg, const char *msg)
{
	struct warnings	*w = arg;

	w->n++;
	snprintf(w->last, sizeof w->last, "%s", msg);
}

static int	params_equal(const struct params *, const struct params *);

/* DOC read in slices of SLICE bytes, one step at a time. */
static struct params *
parse_sliced(const char *doc, size_t len, size_t slice, char *err)
{
	struct profile_loader	*pl;
	struct params		*p = NULL;
	int			 rv;

	if ((pl = profile_loader_new(doc, len, slice, NULL, NULL, err)) ==
	    NULL)
		return NULL;
	while ((rv = profile_loader_step(pl, err)) == 1)
		continue;
	if (rv == 0)
		assert_non_null(p = profile_loader_take(pl));
	profile_loader_free(pl);
	return p;
}

/*
 * Every document of these tests is read whole and in slices as small as
 * can be (a cut before every item of the root's content): the outcome and
 * the message must be the same.
 */
static struct params *
parse(const char *doc, char *err)
{
	struct params	*p, *q;
	char		 err2[CR_ERRLEN] = "";
	size_t		 len = strlen(doc);

	p = profile_parse(doc, len, NULL, NULL, err);
	q = parse_sliced(doc, len, 1, err2);
	if (p == NULL && q == NULL && strcmp(err, err2) != 0)
		fail_msg("whole: \"%s\"; sliced: \"%s\"", err, err2);
	if ((p == NULL) != (q == NULL) || (p != NULL && !params_equal(p, q)))
		fail_msg("whole and sliced differ: \"%s\" / \"%s\"",
		    p == NULL ? err : "ok", q == NULL ? err2 : "ok");
	params_free(q);
	return p;
}

/* Parse DOC, which must fail with a reason containing every WANT. */
static void
parse_fails(const char *doc, const char *want, const char *want2)
{
	char	err[CR_ERRLEN] = "";

	assert_null(parse(doc, err));
	if (strstr(err, want) == NULL ||
	    (want2 != NULL && strstr(err, want2) == NULL))
		fail_msg("\"%s\" lacks \"%s\"/\"%s\"", err, want,
		    want2 != NULL ? want2 : "");
	assert_null(strchr(err, '\n'));
}

static const char *
value(const struct params *p, const char *name)
{
	const struct param	*pa = params_find(p, name);

	if (pa == NULL)
		fail_msg("no %s", name);
	return pa->value;
}

static int
params_equal(const struct params *a, const struct params *b)
{
	const struct param	*x, *y;
	size_t			 i;

	if (params_count(a) != params_count(b))
		return 0;
	for (i = 0; i < params_count(a); i++) {
		x = params_at(a, i);
		y = params_at(b, i);
		if (strcmp(x->name, y->name) != 0 || x->ua != y->ua ||
		    (x->value == NULL) != (y->value == NULL) ||
		    (x->value != NULL && strcmp(x->value, y->value) != 0))
			return 0;
	}
	return 1;
}

/* The profile of spec.md §2, with the seed document's spellings. */
static void
test_spec_example(void **state)
{
	static const char doc[] =
	    "<flat-profile>\n"
	    "  <Report_Rule ua=\"na\">[--delta]http://prov.example/$MA-delta"
	    ".xml</Report_Rule>\n"
	    "  <HTTP_Report_Method ua=\"na\">PUT</HTTP_Report_Method>\n"
	    "  <Report_to_Server ua=\"na\">Periodically</Report_to_Server>\n"
	    "  <periodic_upload_to_server ua=\"na\">3600"
	    "</periodic_upload_to_server>\n"
	    "</flat-profile>\n";
	struct params		*p;
	const struct param	*pa;
	char			 err[CR_ERRLEN];

	p = parse(doc, err);
	assert_non_null(p);
	assert_int_equal(params_count(p), 4);
	pa = params_at(p, 0);
	assert_string_equal(pa->name, "Report_Rule");
	assert_string_equal(pa->value,
	    "[--delta]http://prov.example/$MA-delta.xml");
	assert_int_equal(pa->ua, UA_NA);
	assert_string_equal(value(p, "http_report_method"), "PUT");
	/* The vendor's spellings match the agent's names. */
	assert_string_equal(value(p, "Report_To_Server"), "Periodically");
	assert_string_equal(params_find(p, "Report_To_Server")->name,
	    "Report_to_Server");
	assert_string_equal(value(p, "Periodic_Upload_To_Server"), "3600");
	assert_string_equal(settings_get(p, "Periodic_Upload_To_Server"),
	    "3600");
	params_free(p);
}

static void
test_content_forms(void **state)
{
	static const char doc[] =
	    "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!-- a comment before the root -->\n"
	    "<?some-tool hint?>\n"
	    "<flat-profile>\n"
	    "  <!-- comments are skipped -->\n"
	    "  <Speed_Dial_2_2_ ua=\"rw\"/>\n"
	    "  <Speed_Dial_3_3_\n      ua=\"rw\" />\n"
	    "  <GPP_A>\n</GPP_A>\n"
	    "  <GPP_B></GPP_B>\n"
	    "  <GPP_C>  <!-- only a comment -->  </GPP_C>\n"
	    "  <Station_Name>\n    Reception &amp; Lobby \t\n"
	    "  </Station_Name>\n"
	    "  <Refs>&lt;&gt;&amp;&quot;&apos; &#233;&#xe9;&#x1F600;"
	    "</Refs>\n"
	    "  <Cdata>a<![CDATA[<b>&amp;</b>]]>c<!-- x -->d</Cdata>\n"
	    "  <Lines>line 1\n  line 2\r\nline 3</Lines>\n"
	    "</flat-profile>\n"
	    "<!-- and after it -->\n";
	struct params	*p;
	char		 err[CR_ERRLEN];

	p = parse(doc, err);
	if (p == NULL)
		fail_msg("%s", err);
	/* No content at all: keep the value (NULL), change only ua. */
	assert_null(value(p, "Speed_Dial_2_2_"));
	assert_int_equal(params_find(p, "Speed_Dial_2_2_")->ua, UA_RW);
	assert_null(value(p, "Speed_Dial_3_3_"));
	/* Empty or white-space content: the empty value. */
	assert_string_equal(value(p, "GPP_A"), "");
	assert_string_equal(value(p, "GPP_B"), "");
	assert_string_equal(value(p, "GPP_C"), "");
	assert_string_equal(value(p, "Station_Name"), "Reception & Lobby");
	assert_string_equal(value(p, "Refs"),
	    "<>&\"' \xc3\xa9\xc3\xa9\xf0\x9f\x98\x80");
	assert_string_equal(value(p, "Cdata"), "a<b>&amp;</b>cd");
	assert_string_equal(value(p, "Lines"), "line 1\n  line 2\r\nline 3");
	assert_int_equal(params_count(p), 9);
	params_free(p);
}

/* <X ua="rw"/> applied over a value keeps it; <X>\n</X> empties it. */
static void
test_apply_profile(void **state)
{
	struct params	*cur, *in, *chg = params_new();
	char		 err[CR_ERRLEN];

	cur = parse("<flat-profile><Speed_Dial_2_2_ ua=\"na\">5551234"
	    "</Speed_Dial_2_2_><GPP_A>x</GPP_A></flat-profile>", err);
	in = parse("<flat-profile><Speed_Dial_2_2_ ua=\"rw\"/>"
	    "<GPP_A>\n</GPP_A></flat-profile>", err);
	assert_non_null(cur);
	assert_non_null(in);
	assert_int_equal(params_apply(cur, in, chg, err), 0);
	assert_string_equal(value(cur, "Speed_Dial_2_2_"), "5551234");
	assert_int_equal(params_find(cur, "Speed_Dial_2_2_")->ua, UA_RW);
	assert_string_equal(value(cur, "GPP_A"), "");
	assert_int_equal(params_count(chg), 2);
	params_free(cur);
	params_free(in);
	params_free(chg);
}

static void
test_duplicates(void **state)
{
	static const char doc[] =
	    "<flat-profile>\n"
	    "<Station_Name ua=\"na\">one</Station_Name>\n"
	    "<GPP_A>a</GPP_A>\n"
	    "<station_name>two</station_name>\n"
	    "<GPP_A ua=\"ro\"/>\n"
	    "</flat-profile>";
	struct warnings	 w = { 0, "" };
	struct params	*p;
	char		 err[CR_ERRLEN];

	p = profile_parse(doc, strlen(doc), collect, &w, err);
	assert_non_null(p);
	assert_int_equal(w.n, 2);
	assert_non_null(strstr(w.last, "line 5"));
	assert_non_null(strstr(w.last, "GPP_A"));
	assert_non_null(strstr(w.last, "duplicate"));
	/* The last one wins whole; the name stays as first written. */
	assert_int_equal(params_count(p), 2);
	assert_string_equal(params_at(p, 0)->name, "Station_Name");
	assert_string_equal(value(p, "Station_Name"), "two");
	assert_int_equal(params_find(p, "Station_Name")->ua, UA_NONE);
	/* A ua-only duplicate changes only ua. */
	assert_string_equal(value(p, "GPP_A"), "a");
	assert_int_equal(params_find(p, "GPP_A")->ua, UA_RO);
	params_free(p);
	/* Without a callback duplicates are fine too. */
	p = parse(doc, err);
	assert_non_null(p);
	params_free(p);
}

static void
test_errors(void **state)
{
	/* mxml's own message, with its line, lands in ERR. */
	parse_fails("<flat-profile>\n<A>1</A>\n<B>2</C>\n</flat-profile>\n",
	    "line 3", "</C>");
	parse_fails("<flat-profile>\n<A>1</A>\n", "XML", "line");
	parse_fails("<flat-profile>\n<A>&bogus;</A></flat-profile>",
	    "bogus", "line 2");
	parse_fails("<flat-profile>\n<A x=\"1\" x=\"2\"/></flat-profile>",
	    "line 2", NULL);
	parse_fails("<profile><A>1</A></profile>", "flat-profile", "line 1");
	parse_fails("<?xml version=\"1.0\"?>\n\n<Flat-Profile/>",
	    "line 3", "flat-profile");
	parse_fails("<flat-profile/>\n<flat-profile/>", "line 2", "after");
	parse_fails("", "empty", NULL);
	parse_fails(" \n\t", "empty", NULL);
	parse_fails("<?xml version=\"1.0\"?><!-- nothing -->", "no <flat",
	    NULL);
	parse_fails("<flat-profile>\n\n<A.b/><1abc>x</1abc></flat-profile>",
	    "line 3", "<1abc>");
	parse_fails("<flat-profile>\n<A>x<B>y</B></A></flat-profile>",
	    "line 2", "A: element <B> inside a parameter");
	parse_fails("<flat-profile>\n<A ua=\"wr\">x</A></flat-profile>",
	    "line 2", "A: ua=\"wr\"");
	parse_fails("<flat-profile>\n<A ua=\"\">x</A></flat-profile>",
	    "line 2", "A: ua=\"\"");
	parse_fails("<flat-profile>\n<A\n ua=\"rw\" type=\"int\">x</A>"
	    "</flat-profile>", "line 2", "A: attribute \"type\"");
	parse_fails("<flat-profile>\n  stray <A/></flat-profile>",
	    "line 2", "text outside a parameter");
	parse_fails("<flat-profile>\n<A/><![CDATA[x]]></flat-profile>",
	    "line 2", "text outside");
	parse_fails("<flat-profile><A/></flat-profile>\njunk", "line 2",
	    "text after");
	parse_fails("<flat-profile><A/></flat-profile><!-- c -->junk>",
	    "line 1", "text after");
	parse_fails("junk<flat-profile/>", "line 1", "text outside");
	parse_fails("<!DOCTYPE flat-profile [<!ENTITY e \"x\">]>\n"
	    "<flat-profile/>", "DTD", NULL);
	/* Found by fuzzing: what the reason quotes stays on one line. */
	parse_fails("<flat-profile>\n<!m- c --\n  <A ua=\"rw\">/\n",
	    "line 2", "DTD");
	/* A character reference to something that is not a character. */
	parse_fails("<flat-profile>\n<A>&#xD800;</A></flat-profile>",
	    "line 2", "A: value is not UTF-8");
	parse_fails("<flat-profile>\n<A>&#x110000;</A></flat-profile>",
	    "line 2", "A:");
	parse_fails("<flat-profile>\n<A>&#1;</A></flat-profile>", "XML",
	    "line 2");
}

/* CPU seconds this process has used: a bound no busy machine can break. */
static double
cpu_seconds(void)
{
	struct rusage	ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* A /proc/self/status field in kB, -1 when unknown. */
static long
status_kb(const char *field)
{
	FILE	*f = fopen("/proc/self/status", "r");
	char	 line[256];
	size_t	 n = strlen(field);
	long	 kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	}
	fclose(f);
	return kb;
}

/* Reset the peak RSS to the current one (Linux 4.0); 0 when it worked. */
static int
reset_peak(void)
{
	FILE	*f = fopen("/proc/self/clear_refs", "w");
	int	 rv;

	if (f == NULL)
		return -1;
	rv = fputs("5", f) == EOF;
	return fclose(f) == EOF || rv ? -1 : 0;
}

/*
 * DOC (LEN bytes) must be refused with a reason containing WANT, within a
 * CPU second and, where the peak RSS can be measured without a sanitizer
 * in the way, at most 1 MiB above where it started: the loader keeps no
 * copy of the document, which is the caller's.
 */
static void
refused_cheaply(const char *doc, size_t len, const char *want)
{
	char	err[CR_ERRLEN] = "";
	double	t0;
	long	base, peak;
	int	measure = 1;

#if defined(__SANITIZE_ADDRESS__)
	measure = 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
	measure = 0;
#endif
#endif
	if (getenv("VALGRIND_OPTS") != NULL || reset_peak() == -1)
		measure = 0;
	base = status_kb("VmRSS");
	t0 = cpu_seconds();
	assert_null(profile_parse(doc, len, NULL, NULL, err));
	if (cpu_seconds() - t0 > 1.0)
		fail_msg("%.2f CPU seconds to refuse it", cpu_seconds() - t0);
	peak = status_kb("VmHWM");
	if (measure && base > 0 && peak > 0 &&
	    (peak - base) * 1024 > 1024 * 1024)
		fail_msg("peak RSS %ld kB above the start for %zu bytes",
		    peak - base, len);
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", err, want);
}

/*
 * Issue 9, finding 2: shapes that mxml paid for before any callback could
 * refuse them (665 MB and 6 s for 15 MB of nesting, 5.7 s for 30,000
 * attributes, 75.8 s for 100,000 on the root).
 */
static void
test_hostile_shapes(void **state)
{
	static const char	 head[] = "<flat-profile><GPP_A>";
	size_t			 size = 15 * 1024 * 1024, n, i;
	char			*doc, *o;

	assert_non_null(doc = malloc(size + 64));
	memcpy(doc, head, sizeof head - 1);
	for (n = sizeof head - 1; n + 3 <= size; n += 3)
		memcpy(doc + n, "<a>", 3);
	refused_cheaply(doc, n, "line 1: GPP_A: element <a> inside a "
	    "parameter");

	/* 30,000 attributes on a parameter (319 KB). */
	o = doc + sprintf(doc, "<flat-profile>\n<GPP_B ua=\"rw\"");
	for (i = 0; i < 30000; i++)
		o += sprintf(o, " a%zu=\"\"", i);
	o += sprintf(o, ">x</GPP_B></flat-profile>");
	refused_cheaply(doc, o - doc, "line 2: GPP_B: attribute \"a0\" "
	    "(only ua is allowed)");

	/* 100,000 on the root (1.09 MB), as given to cfgreportd -n. */
	o = doc + sprintf(doc, "<flat-profile");
	for (i = 0; i < 100000; i++)
		o += sprintf(o, " b%zu='x'", i);
	o += sprintf(o, "><A>1</A></flat-profile>");
	refused_cheaply(doc, o - doc, "line 1: <flat-profile>: more than 4 "
	    "attributes");
	free(doc);

	/* Unquoted and value-less attributes count too (mxml takes them). */
	parse_fails("<flat-profile><A ua=rw x>1</A></flat-profile>",
	    "line 1", "A: attribute \"x\" (only ua is allowed)");
	parse_fails("<flat-profile>\n\n<A ua=\"rw\" ua='ro'/></flat-profile>",
	    "line 3", "A: attribute \"ua\" more than once");
	/* Deeper inside a comment, CDATA or an attribute is no element. */
	parse_fails("<flat-profile><A><!-- <b><c> --><![CDATA[<d><e>]]>"
	    "</A><B ua=\"> <x><y>\">\n</B></flat-profile>", "line 1",
	    "B: ua=\"> <x><y>\"");
}

/* What the shape check lets through still loads, lines intact. */
/*
 * The loader parses under a top node of its own, named "document".  A
 * close tag naming it made mxml release (free) that node in the middle of
 * the parse; the next mismatched close tag then read its freed name, and
 * the loader freed it again (found by fuzz_profile).  Such a tag closes
 * nothing of ours: an error, and no memory error or leak under ASan (a
 * second fuzzer input leaked the nodes mxml made after such a tag).
 */
static void
test_close_tag_outside(void **state)
{
	/* The fuzzer's input: a DTD-like declaration keeps the shape check
	 * out of the way, then </document ...> and a mismatched close. */
	static const char fuzz[] = "\xef\xbb\xbf<?xml version=1<flat-profile>\n"
	    "  <Report_Rule ua=\"na\">[--pwddeltaYh 1.0\"\r\r \r\n\n\n"
	    "</Report_Rule>\n  <HTT?>\n<!P_Report_Method ua=\"na\">UPTd%.</"
	    "document c --> <![CDATA[<xTP_>]]> Report_Meth->od>\n</fl\n"
	    "at-profile/R";

	parse_fails("<flat-profile/></document></x>",
	    "Mismatched close tag </document>", "line 1");
	parse_fails("<flat-profile></flat-profile></document>",
	    "Mismatched close tag </document>", "line 1");
	parse_fails("<!X><flat-profile><A>1</A></flat-profile></document></b>",
	    "", NULL);
	parse_fails(fuzz, "", NULL);
	parse_fails("<?x?><flat-profile>\n<A>[</A>\n<!X a=\"\n b\">t</document c -->"
	    " <![CDATA[<x>]]> y>\n <B?>\n/f\nat", "", NULL);
}

static void
test_shape_allows(void **state)
{
	struct params	*p;
	char		 err[CR_ERRLEN];

	p = parse("<?xml version=\"1.0\"?>\n<!-- <x><y><z> -->\n"
	    "<flat-profile a=\"1\" b=\"2\" c=\"3\" d=\"4\">\n"
	    "<A ua=\"ro\">a &gt; b</A>\n<B><![CDATA[<i><j>]]></B>\n"
	    "<C ua = 'rw' />\n</flat-profile>\n", err);
	if (p == NULL)
		fail_msg("%s", err);
	assert_string_equal(value(p, "A"), "a > b");
	assert_string_equal(value(p, "B"), "<i><j>");
	params_free(p);
	parse_fails("<flat-profile>\n<A>1</A>\n<B><c/></B></flat-profile>",
	    "line 3", "B: element <c> inside a parameter");
}

static void
test_bytes(void **state)
{
	static const char	nul[] = "<flat-profile>\n<A>x\0y</A>"
				    "</flat-profile>";
	static const char	bad[] = "<flat-profile>\n\n<A>\xc3\x28</A>"
				    "</flat-profile>";
	static const char	ctl[] = "<flat-profile><A>\x1b[0m</A>"
				    "</flat-profile>";
	char			err[CR_ERRLEN];
	struct params		*p;

	assert_null(profile_parse(nul, sizeof nul - 1, NULL, NULL, err));
	assert_non_null(strstr(err, "line 2: NUL byte"));
	assert_null(profile_parse(bad, sizeof bad - 1, NULL, NULL, err));
	assert_non_null(strstr(err, "line 3"));
	assert_non_null(strstr(err, "UTF-8"));
	assert_null(profile_parse(ctl, sizeof ctl - 1, NULL, NULL, err));
	assert_non_null(strstr(err, "line 1"));
	/* U+FEFF: mxml would drop it; only the first character may be one. */
	p = parse("\xef\xbb\xbf<flat-profile><A>1</A></flat-profile>", err);
	assert_non_null(p);
	params_free(p);
	parse_fails("<flat-profile>\n<A>x\xef\xbb\xbfy</A></flat-profile>",
	    "line 2: U+FEFF (a byte order mark) inside the document", NULL);
	parse_fails("<flat-profile>\n<A ua=\xef\xbb\xbf\"rw\">1</A>"
	    "</flat-profile>", "line 2: U+FEFF", NULL);
	parse_fails("\xef\xbb\xbf\xef\xbb\xbf<flat-profile/>", "line 1: U+FEFF",
	    NULL);
	/* Only LEN bytes count: no terminating NUL needed or read. */
	p = profile_parse("<flat-profile><A>1</A></flat-profile><B>", 37,
	    NULL, NULL, err);
	assert_non_null(p);
	assert_string_equal(value(p, "A"), "1");
	params_free(p);
}

static void
test_limits(void **state)
{
	struct params	*p;
	char		*doc, err[CR_ERRLEN], *o;
	size_t		 size, i;
	int		 n;

	/* A value of exactly 64 KiB, then one byte more. */
	size = PARAMS_MAX_VALUE + 128;
	doc = malloc(size);
	assert_non_null(doc);
	n = snprintf(doc, size, "<flat-profile>\n<Big>");
	memset(doc + n, 'v', PARAMS_MAX_VALUE);
	snprintf(doc + n + PARAMS_MAX_VALUE, size - n - PARAMS_MAX_VALUE,
	    "  </Big>\n</flat-profile>");
	p = parse(doc, err);
	assert_non_null(p);
	assert_int_equal(strlen(value(p, "Big")), PARAMS_MAX_VALUE);
	params_free(p);
	doc[n + PARAMS_MAX_VALUE] = 'v';
	parse_fails(doc, "line 2: Big: value of 65537 bytes", NULL);
	free(doc);

	/* 20,000 parameters, then 20,001. */
	size = (PARAMS_MAX_COUNT + 1) * 24 + 64;
	doc = malloc(size);
	assert_non_null(doc);
	o = doc + snprintf(doc, size, "<flat-profile>\n");
	for (i = 0; i < PARAMS_MAX_COUNT; i++)
		o += sprintf(o, "<P%zu>%zu</P%zu>\n", i, i, i);
	strcpy(o, "</flat-profile>\n");
	p = parse(doc, err);
	assert_non_null(p);
	assert_int_equal(params_count(p), PARAMS_MAX_COUNT);
	assert_string_equal(value(p, "p19999"), "19999");
	params_free(p);
	o += sprintf(o, "<Extra/>\n");
	strcpy(o, "</flat-profile>\n");
	parse_fails(doc, "line 20002: Extra: more than 20000", NULL);
	free(doc);
}

/*
 * A check that points back before the last line counted (a byte order
 * mark past the start; the fuzzer's find): an error with its line, not a
 * read past the document.
 */
static void
test_line_backwards(void **state)
{
	parse_fails("\r\xef\xbb\xbf\r<flat-profile", "line 1: ", NULL);
	parse_fails("\n\xef\xbb\xbf\n<flat-profile", "line 2: ", NULL);
}

/* mxml prints to stderr unless told otherwise: nothing may get there. */
static void
test_no_stderr(void **state)
{
	char	 err[CR_ERRLEN], path[] = "/tmp/test_profile.XXXXXX";
	int	 fd, saved;
	off_t	 size;

	assert_true((fd = mkstemp(path)) != -1);
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved != -1);
	assert_true(dup2(fd, 2) != -1);
	assert_null(parse("<flat-profile><A></B></flat-profile>", err));
	assert_null(parse("<flat-profile><A>&nope;</A></flat-profile>", err));
	fflush(stderr);
	assert_true(dup2(saved, 2) != -1);
	close(saved);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	assert_int_equal(size, 0);
	assert_non_null(strstr(err, "nope"));
}

static void
test_save_format(void **state)
{
	struct params	*p = params_new();
	char		 err[CR_ERRLEN], *s;
	size_t		 len;

	s = profile_save(p, 0, &len);
	assert_non_null(s);
	assert_string_equal(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<flat-profile>\n</flat-profile>\n");
	assert_int_equal(len, strlen(s));
	free(s);

	assert_int_equal(params_set(p, "Report_Rule",
	    "[--delta]http://prov.example/$MA-delta.xml", UA_NA, err), 1);
	assert_int_equal(params_set(p, "Speed_Dial_2_2_", NULL, UA_RW, err), 1);
	assert_int_equal(params_set(p, "GPP_A", "", UA_NONE, err), 1);
	assert_int_equal(params_set(p, "Station_Name",
	    "R & D <\"1\"> 'x' \xc3\xa9", UA_RW, err), 1);
	assert_int_equal(params_set(p, "Multi", "a\nb", UA_NONE, err), 1);
	s = profile_save(p, 0, &len);
	assert_non_null(s);
	assert_string_equal(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<flat-profile>\n"
	    "  <Report_Rule ua=\"na\">[--delta]http://prov.example/$MA-delta"
	    ".xml</Report_Rule>\n"
	    "  <Speed_Dial_2_2_ ua=\"rw\" />\n"
	    "  <GPP_A></GPP_A>\n"
	    "  <Station_Name ua=\"rw\">R &amp; D &lt;&quot;1&quot;&gt; 'x' "
	    "\xc3\xa9</Station_Name>\n"
	    "  <Multi>a\nb</Multi>\n"
	    "</flat-profile>\n");
	assert_int_equal(len, strlen(s));
	free(s);
	/* LEN may be NULL. */
	s = profile_save(p, 0, NULL);
	assert_non_null(s);
	free(s);
	params_free(p);
}

static void
test_save_masked(void **state)
{
	struct params	*p = params_new();
	char		 err[CR_ERRLEN], *s;

	assert_int_equal(params_set(p, "Password_1_", "s3cret", UA_NA, err),
	    1);
	assert_int_equal(params_set(p, "Admin_Password", "adm1n", UA_NA, err),
	    1);
	assert_int_equal(params_set(p, "GPP_SB", "gpp-secret", UA_NONE, err),
	    1);
	assert_int_equal(params_set(p, "GPP_B", "not secret", UA_NONE, err), 1);
	assert_int_equal(params_set(p, "Password_2_", "", UA_NONE, err), 1);
	assert_int_equal(params_set(p, "IKM_HTTP_Encrypt_Content",
	    "yqdlZ-tYemfogSmv7Ws5PQ", UA_NA, err), 1);
	assert_int_equal(params_set(p, "Profile_Rule",
	    "[--key \"k e y\" --uid u --pwd pw]https://h/p.xml", UA_NA, err),
	    1);
	s = profile_save(p, PROFILE_MASK_SECRETS, NULL);
	assert_non_null(s);
	assert_null(strstr(s, "s3cret"));
	assert_null(strstr(s, "adm1n"));
	assert_null(strstr(s, "gpp-secret"));
	assert_null(strstr(s, "IKM"));
	assert_null(strstr(s, "yqdlZ"));
	assert_null(strstr(s, "k e y"));
	assert_null(strstr(s, ">pw<"));
	assert_null(strstr(s, "--pwd pw"));
	assert_non_null(strstr(s,
	    "<Password_1_ ua=\"na\">*****</Password_1_>"));
	assert_non_null(strstr(s, "<Admin_Password ua=\"na\">*****<"));
	assert_non_null(strstr(s, "<GPP_SB>*****</GPP_SB>"));
	assert_non_null(strstr(s, "<GPP_B>not secret</GPP_B>"));
	/* An empty secret has nothing to hide. */
	assert_non_null(strstr(s, "<Password_2_></Password_2_>"));
	assert_non_null(strstr(s, "--uid u"));
	assert_non_null(strstr(s, "https://h/p.xml"));
	free(s);
	/* Unmasked, everything is there. */
	s = profile_save(p, 0, NULL);
	assert_non_null(strstr(s, "s3cret"));
	assert_non_null(strstr(s, "yqdlZ-tYemfogSmv7Ws5PQ"));
	assert_non_null(strstr(s, "k e y"));
	free(s);
	params_free(p);
}

/* parse -> save -> parse gives the same set, however odd the values. */
static void
test_round_trip(void **state)
{
	static const char *values[] = {
		"plain", "", "a&b", "<tag>", "]]>", "\"double\" 'single'",
		"line 1\nline 2\n\nline 4", "tab\there", "cr\r\nlf",
		"&amp; literally", "&#233;",
		"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "a  b",
		"<!-- not a comment -->", "<![CDATA[x]]>", "$MA $$ $(A:1:2)",
		"x > y < z", "\x7f",
	};
	struct params	*p = params_new(), *q, *r;
	char		 err[CR_ERRLEN], name[16], *s, *t;
	size_t		 i, len;

	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		snprintf(name, sizeof name, "V%zu", i);
		assert_int_equal(params_set(p, name, values[i],
		    (enum ua)(i % 4), err), 1);
	}
	assert_int_equal(params_set(p, "UaOnly", NULL, UA_RW, err), 1);
	assert_int_equal(params_set(p, "UaOnlyNone", NULL, UA_NONE, err), 1);
	s = profile_save(p, 0, &len);
	assert_non_null(s);
	q = profile_parse(s, len, NULL, NULL, err);
	if (q == NULL)
		fail_msg("%s in\n%s", err, s);
	assert_true(params_equal(p, q));
	/* And the second save is byte for byte the first. */
	t = profile_save(q, 0, NULL);
	assert_string_equal(s, t);
	r = profile_parse(t, strlen(t), NULL, NULL, err);
	assert_true(params_equal(q, r));
	free(s);
	free(t);
	params_free(p);
	params_free(q);
	params_free(r);
}

/*
 * What profile_write hands over, piece by piece, checked against the
 * document it must add up to (WANT, LEN bytes) without copying it.
 */
struct pieces {
	const char	*want;
	size_t		 len;
	size_t		 off;		/* bytes received and matched */
	size_t		 n;		/* pieces received */
	size_t		 refuse;	/* refuse the Nth piece (1-based); 0: none */
	int		 bad;		/* a piece did not match */
};

static void
pieces_init(struct pieces *pc, const char *want, size_t len)
{
	memset(pc, 0, sizeof *pc);
	pc->want = want;
	pc->len = len;
}

static int
pieces_sink(void *arg, const char *s, size_t len)
{
	struct pieces	*pc = arg;

	if (pc->refuse != 0 && pc->n + 1 == pc->refuse)
		return -1;
	if (len > pc->len - pc->off || memcmp(pc->want + pc->off, s,
	    len) != 0) {
		pc->bad = 1;
		return -1;
	}
	pc->off += len;
	pc->n++;
	return 0;
}

/* Names with a given character in them. */
static int
with_char(void *arg, const struct param *pa)
{
	return strchr(pa->name, *(const char *)arg) != NULL;
}

/*
 * A set of N parameters of every kind, with values that mxml escapes (one
 * of 64 KiB of quotes, written six times as long, when BIG) and secrets
 * and rules for the masked form.
 */
static struct params *
mixed_set(size_t n, int big)
{
	struct params	*p = params_new();
	char		 err[CR_ERRLEN], name[32], *quotes;
	size_t		 i;

	assert_non_null(p);
	quotes = malloc(PARAMS_MAX_VALUE + 1);
	assert_non_null(quotes);
	memset(quotes, '"', PARAMS_MAX_VALUE);
	quotes[PARAMS_MAX_VALUE] = '\0';
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, i % 7 == 0 ? "Password_%zu_" :
		    i % 11 == 0 ? "P%zu_Rule" : "Param_%zu_", i);
		assert_int_not_equal(params_set(p, name, i % 13 == 0 ? NULL :
		    i % 17 == 0 ? "" : i % 5 == 0 ?
		    "[--key k --pwd w]http://h/$MA.xml & <x> \"q\" 'a'" :
		    "value", (enum ua)(i % 4), err), -1);
		if (big && i == n / 2)
			assert_int_equal(params_set(p, "Quotes", quotes,
			    UA_RW, err), 1);
	}
	free(quotes);
	return p;
}

/* profile_write is profile_save byte for byte, one element a piece. */
static void
test_write_streamed(void **state)
{
	static const int	 flags[] = { 0, PROFILE_MASK_SECRETS };
	struct params		*p = mixed_set(5000, 1), *empty = params_new();
	struct pieces		 pc;
	char			*s;
	size_t			 f, i, len, wlen;

	for (f = 0; f < sizeof flags / sizeof flags[0]; f++) {
		s = profile_save(p, flags[f], &len);
		assert_non_null(s);
		assert_true(len > PARAMS_MAX_VALUE * 6);
		/* Measuring only. */
		wlen = 0;
		assert_int_equal(profile_write(p, flags[f], NULL, NULL, NULL,
		    NULL, &wlen), 0);
		assert_int_equal(wlen, len);
		pieces_init(&pc, s, len);
		wlen = 0;
		assert_int_equal(profile_write(p, flags[f], NULL, NULL,
		    pieces_sink, &pc, &wlen), 0);
		assert_false(pc.bad);
		assert_int_equal(wlen, len);
		assert_int_equal(pc.off, len);
		/* Head, an element each (the IKM is not there), the end tag. */
		assert_int_equal(pc.n, params_count(p) + 2);
		free(s);

		/* With a selection, and LEN NULL. */
		s = profile_save_select(p, flags[f], with_char, "3", &len);
		assert_non_null(s);
		pieces_init(&pc, s, len);
		assert_int_equal(profile_write(p, flags[f], with_char, "3",
		    pieces_sink, &pc, NULL), 0);
		assert_false(pc.bad);
		assert_int_equal(pc.off, len);
		free(s);
	}

	/* The empty document. */
	s = profile_save(empty, 0, &len);
	pieces_init(&pc, s, len);
	assert_int_equal(profile_write(empty, 0, NULL, NULL, pieces_sink, &pc,
	    NULL), 0);
	assert_false(pc.bad);
	assert_int_equal(pc.off, len);
	assert_int_equal(pc.n, 2);
	free(s);

	/* A sink that refuses stops the writer: first, an element, last. */
	s = profile_save(p, 0, &len);
	for (i = 1; i <= params_count(p) + 2; i += params_count(p) / 2) {
		pieces_init(&pc, s, len);
		pc.refuse = i;
		assert_int_equal(profile_write(p, 0, NULL, NULL, pieces_sink,
		    &pc, NULL), -1);
		assert_false(pc.bad);
		assert_int_equal(pc.n, i - 1);
	}
	free(s);
	params_free(empty);
	params_free(p);
}

/* Out of memory in the streaming writer: -1, no leak, then all of it. */
static void
test_write_fail_malloc(void **state)
{
	struct params	*p = mixed_set(40, 1);
	struct pieces	 pc;
	char		*s;
	size_t		 len;
	long		 n;
	int		 rc = -1;

	if (!failmalloc_active())
		skip();
	s = profile_save(p, PROFILE_MASK_SECRETS, &len);
	assert_non_null(s);
	for (n = 0; rc != 0; n++) {
		pieces_init(&pc, s, len);
		failmalloc_after(n);
		rc = profile_write(p, PROFILE_MASK_SECRETS, NULL, NULL,
		    pieces_sink, &pc, NULL);
		failmalloc_after(-1);
		assert_false(pc.bad);
	}
	/* Each masked rule, and the buffer for the big element. */
	assert_true(n > 4);
	assert_int_equal(pc.off, len);
	free(s);
	params_free(p);
}

/* Out of memory anywhere in parse or save: NULL, and no leak (ASan). */
static void
test_fail_malloc(void **state)
{
	static const char doc[] =
	    "<flat-profile>\n<Report_Rule ua=\"na\">[--key k]http://h/x"
	    "</Report_Rule>\n<Password_1_>pw</Password_1_>\n<A>1</A>\n"
	    "<B ua=\"rw\"/>\n<C>x &amp; y</C>\n<A>dup</A>\n</flat-profile>";
	struct params	*p = NULL;
	char		 err[CR_ERRLEN], *s = NULL, *want;
	long		 n, total, refused = 0;
	int		 mxml_wrapped;

	if (!failmalloc_active())
		skip();
	failmalloc_seen = 0;
	mxmlDelete(mxmlNewElement(MXML_NO_PARENT, "x"));
	mxml_wrapped = failmalloc_seen > 0;
	failmalloc_seen = 0;
	p = profile_parse(doc, sizeof doc - 1, NULL, NULL, err);
	total = failmalloc_seen;
	assert_non_null(p);
	want = profile_save(p, 0, NULL);
	assert_non_null(want);
	params_free(p);
	/*
	 * Each allocation failing in turn: "out of memory", or, where a
	 * static C library or mxml tolerates the failure (stdio then reads
	 * unbuffered; tests/device.sh links them statically), the same
	 * parameters exactly.
	 */
	for (n = 0; n < total; n++) {
		failmalloc_after(n);
		p = profile_parse(doc, sizeof doc - 1, NULL, NULL, err);
		failmalloc_after(-1);
		if (p == NULL) {
			/* A static mxml's failures are in its own words. */
			if (mxml_wrapped ? err[0] == '\0' :
			    strstr(err, "out of memory") == NULL)
				fail_msg("allocation %ld: %s", n, err);
			refused++;
			continue;
		}
		s = profile_save(p, 0, NULL);
		assert_non_null(s);
		assert_string_equal(s, want);
		free(s);
		params_free(p);
	}
	assert_true(refused > 3);
	free(want);
	s = NULL;
	p = profile_parse(doc, sizeof doc - 1, NULL, NULL, err);
	assert_non_null(p);
	for (n = 0; s == NULL; n++) {
		failmalloc_after(n);
		s = profile_save(p, PROFILE_MASK_SECRETS, NULL);
		failmalloc_after(-1);
	}
	assert_true(n > 1);
	assert_non_null(strstr(s, "[--key *****]"));
	free(s);
	params_free(p);
}

/* A profile of N parameters with comments, CDATA, PIs and duplicates. */
static char *
sliced_doc(size_t n, const char *tail)
{
	size_t	 size = n * 96 + strlen(tail) + 256, i;
	char	*doc = malloc(size), *o;

	assert_non_null(doc);
	o = doc + sprintf(doc, "<?xml version=\"1.0\"?>\n<!-- head -->\n"
	    "<flat-profile a=\"1\">\n");
	for (i = 0; i < n; i++) {
		switch (i % 5) {
		case 0:
			o += sprintf(o, "  <P%zu ua=\"rw\">v&amp;%zu</P%zu>\n",
			    i, i, i);
			break;
		case 1:
			o += sprintf(o, "<!-- c%zu -->\n<P%zu/>", i, i);
			break;
		case 2:
			o += sprintf(o, "<P%zu><![CDATA[<%zu>]]></P%zu>\n",
			    i, i, i);
			break;
		case 3:
			o += sprintf(o, "<?pi %zu?><P%zu>\r\n  x </P%zu>", i,
			    i, i);
			break;
		default:
			/* A duplicate of the one before: a warning. */
			o += sprintf(o, "\n<P%zu>d%zu</P%zu>\n", i - 1, i,
			    i - 1);
			break;
		}
	}
	strcpy(o, tail);
	return doc;
}

/* Read DOC whole and in slices of every size in SLICES: all alike. */
static struct params *
parse_all_ways(const char *doc, struct warnings *w, char *err)
{
	static const size_t	 slices[] = { 1, 7, 100, 4096, 65536 };
	struct profile_loader	*pl;
	struct params		*p, *q;
	struct warnings		 w2;
	char			 err2[CR_ERRLEN];
	size_t			 i, len = strlen(doc), steps;
	int			 rv;

	p = profile_parse(doc, len, collect, w, err);
	for (i = 0; i < sizeof slices / sizeof slices[0]; i++) {
		memset(&w2, 0, sizeof w2);
		err2[0] = '\0';
		q = NULL;
		if ((pl = profile_loader_new(doc, len, slices[i], collect, &w2,
		    err2)) != NULL) {
			for (steps = 1; (rv = profile_loader_step(pl,
			    err2)) == 1; steps++)
				continue;
			/* The checks' chunks, then the slices read. */
			if (rv == 0)
				assert_true(steps > profile_loader_slices(pl));
			q = rv == 0 ? profile_loader_take(pl) : NULL;
			/* Done: steps and takes say so. */
			assert_int_equal(profile_loader_step(pl, err2), rv);
			assert_null(profile_loader_take(pl));
			profile_loader_free(pl);
		}
		if (p == NULL) {
			assert_null(q);
			assert_string_equal(err, err2);
		} else {
			assert_non_null(q);
			assert_true(params_equal(p, q));
		}
		assert_int_equal(w->n, w2.n);
		assert_string_equal(w->last, w2.last);
		params_free(q);
	}
	return p;
}

/* PL's steps, until done (WANT 0) or failed (-1); how many it took. */
static int
loader_run(struct profile_loader *pl, int want)
{
	char	err[CR_ERRLEN];
	int	rv, steps;

	for (steps = 1; (rv = profile_loader_step(pl, err)) == 1; steps++)
		continue;
	assert_int_equal(rv, want);
	return steps;
}

static void
test_sliced(void **state)
{
	struct profile_loader	*pl;
	struct warnings		 w = { 0, "" };
	struct params		*p;
	char			*doc, err[CR_ERRLEN];

	doc = sliced_doc(3000, "<U>\xc3\xa9\xf0\x9f\x98\x80\xe2\x82\xac"
	    "\xc3\xa9\xf0\x9f\x98\x80\xe2\x82\xac\xf0\x9f\x98\x80</U>"
	    "</flat-profile>\n<!-- tail -->\n");
	p = parse_all_ways(doc, &w, err);
	assert_non_null(p);
	assert_int_equal(params_count(p), 2401);
	assert_int_equal(w.n, 600);
	assert_non_null(strstr(w.last, "line 3603: P2998: duplicate"));
	assert_string_equal(value(p, "P3"), "d4");
	assert_int_equal(params_find(p, "P3")->ua, UA_NONE);
	assert_string_equal(value(p, "P2"), "<2>");
	assert_string_equal(value(p, "P2998"), "d2999");
	params_free(p);
	/* A slice is 4 KiB and at most an item (here < 64 bytes) more. */
	assert_non_null(pl = profile_loader_new(doc, strlen(doc), 4096, NULL,
	    NULL, err));
	loader_run(pl, 0);
	assert_true(profile_loader_slices(pl) >= strlen(doc) / (4096 + 64));
	assert_true(profile_loader_slices(pl) <= strlen(doc) / 4096 + 1);
	assert_true(profile_loader_slices(pl) >= 20);
	profile_loader_free(pl);
	/* Never: one slice, and a step for each check. */
	assert_non_null(pl = profile_loader_new(doc, strlen(doc), SIZE_MAX,
	    NULL, NULL, err));
	assert_int_equal(loader_run(pl, 0), 3);
	assert_int_equal(profile_loader_slices(pl), 1);
	profile_loader_free(pl);
	free(doc);
}

/* mxml counts lines from a slice's start: its messages say the document's. */
static void
test_sliced_errors(void **state)
{
	static const char *const tails[][2] = {
		{ "<B>x</C>\n</flat-profile>", "XML: Mismatched close tag </C> "
		    "under parent <B> on line 3604" },
		{ "<B>&bogus;</B></flat-profile>", "on line 3604" },
		{ "oops<B/></flat-profile>", "line 3604: text outside" },
		{ "<B/>\n</flat-profile>\n<C/>", "line 3606: <C> after the " },
		{ "<B/>\n</flat-profile>\nx", "line 3606: text after the " },
		{ "<B/>\n<!DOCTYPE x>", "line 3605: <!DOCTYPE x>: DTDs" },
		{ "<B/>\n", "XML: Missing close tag </flat-profile> under "
		    "parent <the document> on line 3604" },
		{ "<B ua=\"x\"/></flat-profile>", "line 3604: B: ua=\"x\"" },
		{ "<B>\xc3\xa9\xf0\x9f\x98\x80\xc3</B></flat-profile>",
		    "line 3604: not UTF-8 XML text" },
		{ "<B>\xe2\x82\xac\n\x01</B></flat-profile>",
		    "line 3605: not UTF-8 XML text" },
	};
	struct warnings	 w;
	char		*doc, err[CR_ERRLEN];
	size_t		 i;

	for (i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		memset(&w, 0, sizeof w);
		doc = sliced_doc(3000, tails[i][0]);
		assert_null(parse_all_ways(doc, &w, err));
		if (strstr(err, tails[i][1]) == NULL)
			fail_msg("\"%s\" lacks \"%s\"", err, tails[i][1]);
		free(doc);
	}
}

/*
 * No item is longer than 512 KiB as written, so no slice is much longer
 * than asked: a value of 64 KiB written as &quot; still fits.
 */
static void
test_item_limits(void **state)
{
	static const char *const items[][3] = {
		{ "<A>", "&quot;", "</A>" },
		{ "<!--", "-", "-->" },
		{ "<?pi ", "x", "?>" },
		{ "<A><![CDATA[", "x", "]]></A>" },
		{ "<A ua=\"", "x", "\"/>" },
		{ "", " ", "" },
	};
	static const char *const want[] = {
		"line 2: a parameter's element is longer than 524288 bytes",
		"line 2: a comment is longer than 524288 bytes",
		"line 2: a processing instruction is longer than 524288",
		"line 2: a CDATA section is longer than 524288 bytes",
		"line 2: a start tag is longer than 524288 bytes",
		"line 1: the text between two tags is longer than 524288",
	};
	struct params	*p;
	char		*doc, err[CR_ERRLEN], *o;
	size_t		 i, k, n, unit, size;

	for (i = 0; i < sizeof items / sizeof items[0]; i++) {
		unit = strlen(items[i][1]);
		n = PARAMS_MAX_VALUE * 8 / unit + 1;
		size = 64 + n * unit + 64;
		assert_non_null(doc = malloc(size));
		o = doc + sprintf(doc, "<flat-profile>\n%s", items[i][0]);
		for (k = 0; k < n; k++)
			o += sprintf(o, "%s", items[i][1]);
		sprintf(o, "%s</flat-profile>", items[i][2]);
		parse_fails(doc, want[i], NULL);
		/* Unended: refused alike, not left for mxml to read. */
		*o = '\0';
		parse_fails(doc, want[i], NULL);
		free(doc);
	}
	/* 65,536 '"' as &quot;: 393,216 bytes, within the bound. */
	size = 64 + PARAMS_MAX_VALUE * 6;
	assert_non_null(doc = malloc(size));
	o = doc + sprintf(doc, "<flat-profile><Q>");
	for (k = 0; k < PARAMS_MAX_VALUE; k++)
		o += sprintf(o, "&quot;");
	sprintf(o, "</Q></flat-profile>");
	p = parse(doc, err);
	assert_non_null(p);
	assert_int_equal(strlen(value(p, "Q")), PARAMS_MAX_VALUE);
	params_free(p);
	free(doc);
}

/*
 * Where mxml ends a comment, the cuts follow it: "--->" and "<!---->" end
 * none (the fuzzer's find: cut where they seemed to end, the slices read
 * differently).  parse() reads each whole and cut before every item.
 */
static void
test_sliced_mxml_rules(void **state)
{
	static const char *const docs[] = {
		"<flat-profile><A><!-- x ---> </A> <!-- y --> </A>"
		    "</flat-profile>",
		"<flat-profile><A><!----> </A> <!-- y --> </A></flat-profile>",
		"<flat-profile><A>1</A\n><B>2</B><!--->--></flat-profile>",
		"<flat-profile><A>1</A><!-- -- --><B>2</B></flat-profile>",
	};
	struct params	*p;
	char		 err[CR_ERRLEN];
	size_t		 i;

	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		p = parse(docs[i], err);
		assert_non_null(p);
		params_free(p);
	}
	parse_fails("<flat-profile>\n<A>'</A\n><afla=\n\n0\n>",
	    "attribute '0' in element afla= on line 6", NULL);
	/*
	 * An unquoted value ends at '=', and mxml would take the quote after
	 * it as the start of an attribute name in quotes: refused.
	 */
	parse_fails("<flat-profile>\n<A v=v=\"1>\n</A>\n<B>2</B>\n",
	    "line 2: <A>: an attribute name in quotes", NULL);
	parse_fails("<flat-profile \"x&quot;=\"1\">\n<B>2</B></flat-profile>",
	    "line 1: <flat-profile>: an attribute name in quotes", NULL);
	p = parse("<flat-profile><A ua=rw>1</A><B ua='ro'/><C ua=\"na\"?>3</C>"
	    "<D ua=rw/><E\nua\n=\nrw\n></E></flat-profile>", err);
	assert_non_null(p);
	assert_int_equal(params_count(p), 5);
	assert_string_equal(value(p, "C"), "3");
	assert_null(value(p, "D"));
	params_free(p);
}

/*
 * Out of memory in any step: a clean failure, nothing leaked (ASan), or,
 * where a static C library or mxml tolerates the failure (the device
 * build), the same parameters exactly.
 */
static void
test_sliced_fail_malloc(void **state)
{
	struct params	*p, *want;
	char		*doc, err[CR_ERRLEN];
	long		 n, total, refused = 0;

	if (!failmalloc_active())
		skip();
	doc = sliced_doc(60, "</flat-profile>");
	failmalloc_seen = 0;
	assert_non_null(want = parse_sliced(doc, strlen(doc), 200, err));
	total = failmalloc_seen;
	assert_int_equal(params_count(want), 48);
	for (n = 0; n < total; n++) {
		err[0] = '\0';
		failmalloc_after(n);
		p = parse_sliced(doc, strlen(doc), 200, err);
		failmalloc_after(-1);
		if (p == NULL) {
			if (err[0] == '\0' || strchr(err, '\n') != NULL)
				fail_msg("allocation %ld: \"%s\"", n, err);
			refused++;
			continue;
		}
		assert_true(params_equal(p, want));
		params_free(p);
	}
	/* Ours at least: the loader, its set, the cuts, each entry. */
	assert_true(refused > 10);
	params_free(want);
	free(doc);
}

/*
 * mxml quotes what it could not read: inside a secret's value or a
 * rule's, that would be part of the secret.  Only the name and line.
 */
static void
test_secret_not_quoted(void **state)
{
	static const char *const docs[][2] = {
		{ "<flat-profile>\n<Password_1_>pass&s3cr3t;</Password_1_>"
		    "</flat-profile>", "line 2: Password_1_: " },
		{ "<flat-profile>\n<GPP_SB>a&#zz9;</GPP_SB></flat-profile>",
		    "line 2: GPP_SB: " },
		{ "<flat-profile>\n<Report_Rule>[--key k&s3cr3t;]http://h/x"
		    "</Report_Rule></flat-profile>", "line 2: Report_Rule: " },
		{ "<flat-profile>\n<Password_1_>\nx</s3cr3t></Password_1_>"
		    "</flat-profile>", "line 3: Password_1_: " },
	};
	char	err[CR_ERRLEN];
	size_t	i;

	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		parse_fails(docs[i][0], docs[i][1], "not quoted: it is secret");
		assert_null(parse(docs[i][0], err));
		assert_null(strstr(err, "s3cr3t"));
		assert_null(strstr(err, "zz9"));
	}
	/* Elsewhere mxml's own words, which help find the mistake. */
	parse_fails("<flat-profile>\n<Station_Name>a&word;</Station_Name>"
	    "</flat-profile>", "Entity name 'word;' not supported", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_content_forms),
		cmocka_unit_test(test_apply_profile),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_hostile_shapes),
		cmocka_unit_test(test_shape_allows),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_line_backwards),
		cmocka_unit_test(test_no_stderr),
		cmocka_unit_test(test_save_format),
		cmocka_unit_test(test_save_masked),
		cmocka_unit_test(test_close_tag_outside),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_fail_malloc),
		cmocka_unit_test(test_write_streamed),
		cmocka_unit_test(test_write_fail_malloc),
		cmocka_unit_test(test_sliced),
		cmocka_unit_test(test_sliced_errors),
		cmocka_unit_test(test_sliced_mxml_rules),
		cmocka_unit_test(test_item_limits),
		cmocka_unit_test(test_sliced_fail_malloc),
		cmocka_unit_test(test_secret_not_quoted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
