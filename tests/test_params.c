/* test_params.c — the ordered, case-insensitive parameter set. */
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
#include "failmalloc.h"

/*
 * "name=value/ua;..." of a whole set, value "-" for NULL; with SEQ,
 * "name/seq;...".  One static buffer: copy a result before the next call.
 */
static char *
dump_how(const struct params *p, int seq)
{
	static char		 buf[4096];
	const struct param	*pa;
	size_t			 i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < params_count(p); i++) {
		pa = params_at(p, i);
		if (seq)
			o += snprintf(buf + o, sizeof buf - o, "%s/%llu;",
			    pa->name, (unsigned long long)pa->seq);
		else
			o += snprintf(buf + o, sizeof buf - o, "%s=%s/%s;",
			    pa->name, pa->value != NULL ? pa->value : "-",
			    ua_name(pa->ua) != NULL ? ua_name(pa->ua) : "");
		assert_true(o < sizeof buf);
	}
	return buf;
}

static char *
dump(const struct params *p)
{
	return dump_how(p, 0);
}

static char *
dump_seq(const struct params *p)
{
	return dump_how(p, 1);
}

static void
test_set_find_order(void **state)
{
	struct params		*p = params_new();
	const struct param	*pa;
	char			 err[CR_ERRLEN];

	assert_non_null(p);
	assert_int_equal(params_set(p, "Station_Name", "desk", UA_RW, err), 1);
	assert_int_equal(params_set(p, "GPP_A", "a", UA_NONE, err), 1);
	assert_int_equal(params_set(p, "Time_Zone", "GMT", UA_NA, err), 1);
	/* Same value and ua: no change.  Other case: the same name. */
	assert_int_equal(params_set(p, "station_NAME", "desk", UA_KEEP, err),
	    0);
	assert_int_equal(params_set(p, "STATION_NAME", "hall", UA_KEEP, err),
	    1);
	assert_int_equal(params_count(p), 3);
	/* Reported as first written, in insertion order. */
	assert_string_equal(dump(p),
	    "Station_Name=hall/rw;GPP_A=a/;Time_Zone=GMT/na;");
	pa = params_find(p, "gpp_a");
	assert_non_null(pa);
	assert_string_equal(pa->name, "GPP_A");
	assert_null(params_find(p, "GPP_B"));
	assert_null(params_find(p, NULL));
	assert_null(params_at(p, 3));
	/* Only the ua changes. */
	assert_int_equal(params_set(p, "gpp_a", "a", UA_RO, err), 1);
	assert_int_equal(params_set(p, "gpp_a", "a", UA_RO, err), 0);
	assert_int_equal(params_find(p, "GPP_A")->ua, UA_RO);
	params_free(p);
	params_free(NULL);
}

/* <X ua="rw"/>: the value stays, only ua changes; a new name has none. */
static void
test_ua_only(void **state)
{
	struct params	*p = params_new();
	char		 err[CR_ERRLEN];

	assert_int_equal(params_set(p, "Speed_Dial_2_2_", "5551234", UA_NA,
	    err), 1);
	assert_int_equal(params_set(p, "speed_dial_2_2_", NULL, UA_RW, err), 1);
	assert_int_equal(params_set(p, "Speed_Dial_2_2_", NULL, UA_RW, err), 0);
	assert_int_equal(params_set(p, "New_", NULL, UA_RW, err), 1);
	assert_int_equal(params_set(p, "Keep_", "v", UA_RO, err), 1);
	assert_int_equal(params_set(p, "Keep_", "w", UA_KEEP, err), 1);
	assert_int_equal(params_set(p, "Fresh_", "v", UA_KEEP, err), 1);
	assert_string_equal(dump(p),
	    "Speed_Dial_2_2_=5551234/rw;New_=-/rw;Keep_=w/ro;Fresh_=v/;");
	/* A value replaces a ua-only entry's nothing. */
	assert_int_equal(params_set(p, "New_", "", UA_KEEP, err), 1);
	assert_string_equal(params_find(p, "New_")->value, "");
	params_free(p);
}

static void
test_valid_names(void **state)
{
	static const char *good[] = {
		"a", "_", "Report_Rule", "GPP_SA", "x-y.z", "A1", "_1-.",
		"periodic_upload_to_server", "xmlFoo",
	};
	static const char *bad[] = {
		"", "1a", "-a", ".a", "a b", "a:b", "a/b", "a<", "a&",
		"\xc3\xa9",
		"na\xc3\xafve", "a\n", "\"a\"",
	};
	char	 name[300], err[CR_ERRLEN];
	size_t	 i;
	struct params *p = params_new();

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(params_valid_name(good[i]));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(params_valid_name(bad[i]));
		assert_int_equal(params_set(p, bad[i], "v", UA_NONE, err), -1);
		assert_non_null(strstr(err, "not a parameter name"));
	}
	assert_false(params_valid_name(NULL));
	memset(name, 'a', 256);
	name[256] = '\0';
	assert_true(params_valid_name(name));
	name[256] = 'a';
	name[257] = '\0';
	assert_false(params_valid_name(name));
	/* The reason shows the name on one line. */
	assert_int_equal(params_set(p, "bad\nname", "v", UA_NONE, err), -1);
	assert_null(strchr(err, '\n'));
	assert_non_null(strstr(err, "bad\\nname"));
	assert_int_equal(params_count(p), 0);
	params_free(p);
}

/* Every byte, first and after a letter, against the rule as written. */
static void
test_valid_name_bytes(void **state)
{
	char	name[3];
	int	c, letter, later;

	for (c = 1; c < 256; c++) {
		letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == '_';
		later = letter || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.';
		name[0] = (char)c;
		name[1] = '\0';
		assert_int_equal(params_valid_name(name), letter);
		name[0] = 'x';
		name[1] = (char)c;
		name[2] = '\0';
		assert_int_equal(params_valid_name(name), later);
	}
}

/*
 * Names of every length up to 40 in three casings find each other (the
 * hash folds words at a time: every tail length), and a name that
 * differs only where the fold meets other bytes is not found.
 */
static void
test_case_and_lengths(void **state)
{
	struct params	*p = params_new();
	char		 name[48], err[CR_ERRLEN];
	size_t		 len, i, k;

	for (len = 1; len <= 40; len++) {
		for (i = 0; i < len; i++)
			name[i] = (char)("abcdefghij_KLMNOPQRST"[(len + i) % 21]);
		name[len] = '\0';
		assert_int_equal(params_set(p, name, "v", UA_NONE, err), 1);
	}
	for (len = 1; len <= 40; len++) {
		for (k = 0; k < 2; k++) {
			for (i = 0; i < len; i++) {
				name[i] = "abcdefghij_KLMNOPQRST"[(len + i) %
				    21];
				name[i] = (char)(k ? toupper((unsigned char)
				    name[i]) : tolower((unsigned char)
				    name[i]));
			}
			name[len] = '\0';
			assert_int_equal(params_pos(p, name), len - 1);
		}
		/* One more byte is another name. */
		name[len] = 'z';
		name[len + 1] = '\0';
		assert_int_equal(params_pos(p, name), SIZE_MAX);
	}
	params_free(p);
	p = params_new();
	/* "_" folds onto DEL, and "@" onto "`": found only as they are. */
	assert_int_equal(params_set(p, "ab_cdefghijkl", "1", UA_NONE, err), 1);
	assert_null(params_find(p, "ab\x7f" "cdefghijkl"));
	assert_null(params_find(p, "ab@cdefghijkl"));
	assert_string_equal(params_find(p, "AB_CDEFGHIJKL")->value, "1");
	params_free(p);
}

static void
test_value_limits(void **state)
{
	struct params	*p = params_new();
	char		*v, err[CR_ERRLEN];

	v = malloc(PARAMS_MAX_VALUE + 2);
	assert_non_null(v);
	memset(v, 'x', PARAMS_MAX_VALUE);
	v[PARAMS_MAX_VALUE] = '\0';
	assert_int_equal(params_set(p, "Big", v, UA_NONE, err), 1);
	v[PARAMS_MAX_VALUE] = 'x';
	v[PARAMS_MAX_VALUE + 1] = '\0';
	assert_int_equal(params_set(p, "Big", v, UA_NONE, err), -1);
	assert_non_null(strstr(err, "Big"));
	assert_non_null(strstr(err, "65537"));
	assert_int_equal(strlen(params_find(p, "Big")->value),
	    PARAMS_MAX_VALUE);
	assert_int_equal(params_set(p, "Other", v, UA_NONE, err), -1);
	assert_null(params_find(p, "Other"));
	free(v);

	/* Text only: UTF-8, no NUL-less controls but TAB, LF, CR. */
	assert_int_equal(params_set(p, "T",
	    "a\tb\r\nc \xc3\xa9 \xf0\x9f\x98\x80", UA_NONE, err), 1);
	assert_int_equal(params_set(p, "T", "a\x01", UA_NONE, err), -1);
	assert_non_null(strstr(err, "byte 2"));
	assert_int_equal(params_set(p, "T", "\xff", UA_NONE, err), -1);
	assert_int_equal(params_set(p, "T", "\xc3", UA_NONE, err), -1);
	assert_int_equal(params_set(p, "T", "\xed\xa0\x80", UA_NONE, err), -1);
	assert_int_equal(params_set(p, "T", "\xc0\xaf", UA_NONE, err), -1);
	assert_int_equal(params_set(p, "T", "\xf4\x90\x80\x80", UA_NONE, err),
	    -1);
	assert_int_equal(params_set(p, "T", "\xef\xbf\xbe", UA_NONE, err), -1);
	assert_int_equal(params_set(p, "T", "ok", 7, err), -1);
	assert_int_equal(params_count(p), 2);
	params_free(p);
}

static void
test_text_span_and_quote(void **state)
{
	char	buf[32];

	assert_int_equal(params_text_span("abc", 3), 3);
	assert_int_equal(params_text_span("ab\0c", 4), 2);
	assert_int_equal(params_text_span("\xe2\x82\xac", 3), 3);
	assert_int_equal(params_text_span("\xe2\x82\xac", 2), 0);
	assert_int_equal(params_text_span("a\xe0\x80\x80", 4), 1);
	assert_string_equal(params_quote("a\"b\\c\nd\x01", buf, sizeof buf),
	    "a\\\"b\\\\c\\nd\\x01");
	assert_string_equal(params_quote("0123456789012345678901234567890123",
	    buf, sizeof buf), "012345678901234567890123...");
	assert_true(strlen(params_quote("\x01\x01\x01\x01\x01\x01\x01\x01\x01",
	    buf, sizeof buf)) < sizeof buf);
	assert_string_equal(params_quote("x", buf, 4), "");
	assert_string_equal(params_quote(NULL, buf, sizeof buf), "");
}

static void
test_count_limit(void **state)
{
	struct params	*p = params_new(), *src = params_new(), *chg;
	char		 name[32], err[CR_ERRLEN];
	int		 i;

	for (i = 0; i < PARAMS_MAX_COUNT; i++) {
		snprintf(name, sizeof name, "P_%d_", i);
		assert_int_equal(params_set(p, name, "v", UA_NONE, err), 1);
	}
	assert_int_equal(params_set(p, "One_More", "v", UA_NONE, err), -1);
	assert_non_null(strstr(err, "20000"));
	/* Existing names still change. */
	assert_int_equal(params_set(p, "p_19999_", "w", UA_NONE, err), 1);
	/* Every name is still found (the index survived its growth). */
	for (i = 0; i < PARAMS_MAX_COUNT; i++) {
		snprintf(name, sizeof name, "p_%d_", i);
		assert_non_null(params_find(p, name));
	}

	/* A batch that would pass the limit changes nothing at all. */
	assert_int_equal(params_set(src, "P_0_", "changed", UA_RW, err), 1);
	assert_int_equal(params_set(src, "Extra_", "x", UA_NONE, err), 1);
	chg = params_new();
	assert_int_equal(params_apply(p, src, chg, err), -1);
	assert_non_null(strstr(err, "20000"));
	assert_string_equal(params_find(p, "P_0_")->value, "v");
	assert_int_equal(params_find(p, "P_0_")->ua, UA_NONE);
	assert_int_equal(params_count(p), PARAMS_MAX_COUNT);
	assert_int_equal(params_count(chg), 0);
	params_free(chg);
	params_free(src);
	params_free(p);
}

static void
test_remove(void **state)
{
	struct params	*p = params_new();
	char		 name[16], want[16], err[CR_ERRLEN];
	int		 i;

	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "N%d", i);
		assert_int_equal(params_set(p, name, name, UA_NONE, err), 1);
	}
	assert_int_equal(params_remove(p, "n50"), 1);
	assert_int_equal(params_remove(p, "N50"), 0);
	assert_int_equal(params_remove(p, NULL), 0);
	assert_int_equal(params_count(p), 99);
	assert_null(params_find(p, "N50"));
	/* Order kept, every other name still indexed. */
	assert_string_equal(params_at(p, 50)->name, "N51");
	for (i = 0; i < 100; i++) {
		if (i == 50)
			continue;
		snprintf(name, sizeof name, "n%d", i);
		snprintf(want, sizeof want, "N%d", i);
		assert_string_equal(params_find(p, name)->value, want);
	}
	/* Removed then added again: at the end, as first written now. */
	assert_int_equal(params_set(p, "n50", "back", UA_NONE, err), 1);
	assert_string_equal(params_at(p, 99)->name, "n50");
	params_free(p);
}

static void
test_dup(void **state)
{
	struct params	*p = params_new(), *q;
	char		 err[CR_ERRLEN];

	assert_int_equal(params_set(p, "A", "1", UA_NA, err), 1);
	assert_int_equal(params_set(p, "B", NULL, UA_RW, err), 1);
	assert_int_equal(params_set_seq(p, "b", 42), 0);
	assert_int_equal(params_set_seq(p, "C", 1), -1);
	q = params_dup(p);
	assert_non_null(q);
	assert_string_equal(dump(q), "A=1/na;B=-/rw;");
	assert_int_equal(params_find(q, "A")->seq, 0);
	assert_int_equal(params_find(q, "B")->seq, 42);
	/* Changes keep it: it is the store's to move. */
	assert_int_equal(params_set(q, "B", "v", UA_NA, err), 1);
	assert_int_equal(params_find(q, "B")->seq, 42);
	assert_int_equal(params_set(q, "a", "2", UA_KEEP, err), 1);
	assert_string_equal(params_find(p, "A")->value, "1");
	assert_string_equal(params_find(q, "A")->value, "2");
	params_free(q);
	params_free(p);
}

static void
test_apply(void **state)
{
	struct params	*dst = params_new(), *src = params_new();
	struct params	*chg = params_new();
	char		 err[CR_ERRLEN];

	assert_int_equal(params_set(dst, "Station_Name", "desk", UA_RW, err),
	    1);
	assert_int_equal(params_set(dst, "Speed_Dial_2_2_", "5551234", UA_NA,
	    err), 1);
	assert_int_equal(params_set(dst, "GPP_A", "a", UA_NA, err), 1);
	assert_int_equal(params_set(dst, "GPP_B", "b", UA_NONE, err), 1);
	assert_int_equal(params_set(chg, "GPP_B", NULL, UA_NONE, err), 1);

	/* Same value: no change.  No ua in the batch keeps dst's. */
	assert_int_equal(params_set(src, "station_name", "desk", UA_NONE, err),
	    1);
	/* ua-only: keeps the value. */
	assert_int_equal(params_set(src, "speed_dial_2_2_", NULL, UA_RW, err),
	    1);
	/* Emptied. */
	assert_int_equal(params_set(src, "GPP_A", "", UA_NONE, err), 1);
	/* Changed, already listed in CHANGED. */
	assert_int_equal(params_set(src, "GPP_B", "b2", UA_NONE, err), 1);
	/* New: value, and ua-only, which gets the empty value. */
	assert_int_equal(params_set(src, "Time_Zone", "GMT", UA_NONE, err), 1);
	assert_int_equal(params_set(src, "New_Flag_", NULL, UA_RO, err), 1);

	assert_int_equal(params_apply(dst, src, chg, err), 0);
	assert_string_equal(dump(dst), "Station_Name=desk/rw;"
	    "Speed_Dial_2_2_=5551234/rw;GPP_A=/na;GPP_B=b2/;Time_Zone=GMT/;"
	    "New_Flag_=/ro;");
	assert_string_equal(dump(chg), "GPP_B=-/;speed_dial_2_2_=-/;GPP_A=-/;"
	    "Time_Zone=-/;New_Flag_=-/;");

	/* Again: nothing changes, nothing is listed. */
	assert_int_equal(params_apply(dst, src, chg, err), 0);
	assert_int_equal(params_count(chg), 5);
	assert_int_equal(params_apply(dst, src, NULL, err), 0);
	assert_int_equal(params_apply(dst, dst, NULL, err), 0);
	params_free(src);
	params_free(chg);
	params_free(dst);
}

/*
 * The sets the allocation-failure tests apply: 20 names in *DST, 40 in
 * *SRC (10 of them known to DST in another case, a third ua-only), enough
 * new names that DST has to grow its array and index.
 */
static void
fail_sets(struct params **dst, struct params **src)
{
	char	name[16], err[CR_ERRLEN];
	int	i;

	*dst = params_new();
	*src = params_new();
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "Old_%d", i);
		assert_int_equal(params_set(*dst, name, "o", UA_NA, err), 1);
	}
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "%s_%d", i < 10 ? "old" : "New",
		    i);
		assert_int_equal(params_set(*src, name, i % 3 ? "n" : NULL,
		    UA_RW, err), 1);
	}
}

/* Every allocation of params_apply may fail: never a half-applied batch. */
static void
test_apply_fail_malloc(void **state)
{
	struct params	*dst, *src, *chg;
	char		 err[CR_ERRLEN], before[4096];
	long		 n;
	int		 rc;

	if (!failmalloc_active())
		skip();
	fail_sets(&dst, &src);
	snprintf(before, sizeof before, "%s", dump(dst));
	for (n = 0;; n++) {
		chg = params_new();
		assert_non_null(chg);
		failmalloc_after(n);
		rc = params_apply(dst, src, chg, err);
		failmalloc_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -1);
		assert_string_equal(err, "out of memory");
		assert_string_equal(dump(dst), before);
		assert_int_equal(params_count(chg), 0);
		params_free(chg);
	}
	assert_true(n > 5);
	assert_int_equal(params_count(dst), 50);
	assert_int_equal(params_count(chg), 40);
	params_free(chg);

	/* params_set and params_dup: fail cleanly, set unchanged. */
	for (n = 0;; n++) {
		failmalloc_after(n);
		rc = params_set(dst, "Another_", "v", UA_NONE, err);
		failmalloc_after(-1);
		if (rc == 1)
			break;
		assert_int_equal(rc, -1);
		assert_null(params_find(dst, "Another_"));
	}
	for (n = 0;; n++) {
		failmalloc_after(n);
		chg = params_dup(dst);
		failmalloc_after(-1);
		if (chg != NULL)
			break;
	}
	snprintf(before, sizeof before, "%s", dump(dst));
	assert_string_equal(dump(chg), before);
	params_free(chg);
	params_free(src);
	params_free(dst);
}

/* The sets test_apply starts from. */
static void
apply_sets(struct params *dst, struct params *src)
{
	char	err[CR_ERRLEN];

	assert_int_equal(params_set(dst, "Station_Name", "desk", UA_RW, err),
	    1);
	assert_int_equal(params_set(dst, "Speed_Dial_2_2_", "5551234", UA_NA,
	    err), 1);
	assert_int_equal(params_set(dst, "GPP_A", "a", UA_NA, err), 1);
	assert_int_equal(params_set(dst, "GPP_B", "b", UA_NONE, err), 1);
	assert_int_equal(params_set(dst, "GPP_C", NULL, UA_RO, err), 1);
	assert_int_equal(params_set(src, "New_1", "n", UA_NONE, err), 1);
	assert_int_equal(params_set(src, "station_name", "desk", UA_NONE, err),
	    1);
	assert_int_equal(params_set(src, "speed_dial_2_2_", NULL, UA_RW, err),
	    1);
	assert_int_equal(params_set(src, "New_Flag_", NULL, UA_RO, err), 1);
	assert_int_equal(params_set(src, "GPP_A", "", UA_NONE, err), 1);
	assert_int_equal(params_set(src, "GPP_B", "b", UA_NA, err), 1);
	assert_int_equal(params_set(src, "gpp_c", "c", UA_NONE, err), 1);
}

/*
 * params_changes: what params_apply would change, DST untouched; known
 * names first as DST spells them, then the new ones, in SRC's order.
 */
static void
test_changes(void **state)
{
	struct params	*dst = params_new(), *src = params_new(), *rec;
	struct params	*copy, *chg;
	size_t		 at[8];
	unsigned char	 mark[8];
	char		 err[CR_ERRLEN], before[4096];
	size_t		 i;

	apply_sets(dst, src);
	snprintf(before, sizeof before, "%s", dump(dst));
	rec = params_changes(dst, src, 7, at, mark, err);
	assert_non_null(rec);
	assert_string_equal(dump(dst), before);
	assert_string_equal(dump(rec), "Speed_Dial_2_2_=5551234/rw;GPP_A=/na;"
	    "GPP_B=b/na;GPP_C=c/ro;New_1=n/;New_Flag_=/ro;");
	assert_string_equal(dump_seq(rec), "Speed_Dial_2_2_/7;GPP_A/7;GPP_B/7;"
	    "GPP_C/7;New_1/7;New_Flag_/7;");
	assert_int_equal(at[0], 1);
	assert_int_equal(at[1], 2);
	assert_int_equal(at[2], 3);
	assert_int_equal(at[3], 4);
	assert_int_equal(at[4], SIZE_MAX);
	assert_int_equal(at[5], SIZE_MAX);
	/* Only "station_name" (same value, no ua) changes nothing. */
	for (i = 0; i < params_count(src); i++)
		assert_int_equal(mark[i] != 0, i != 1);
	/* The same names as params_apply lists. */
	copy = params_dup(dst);
	chg = params_new();
	assert_int_equal(params_apply(copy, src, chg, err), 0);
	assert_int_equal(params_count(chg), params_count(rec));
	for (i = 0; i < params_count(rec); i++)
		assert_non_null(params_find(chg, params_at(rec, i)->name));
	params_free(chg);
	params_free(copy);
	params_free(rec);

	/* Nothing to change: an empty set. */
	rec = params_changes(dst, dst, 1, at, mark, err);
	assert_non_null(rec);
	assert_int_equal(params_count(rec), 0);
	params_free(rec);
	params_free(src);
	src = params_new();
	rec = params_changes(dst, src, 1, at, mark, err);
	assert_int_equal(params_count(rec), 0);
	params_free(rec);
	params_free(src);
	params_free(dst);
}

/*
 * params_merge is params_apply plus the change numbers, moving SRC's
 * blocks: with or without params_changes's positions, and with a SRC
 * that spells a known name otherwise.
 */
static void
test_merge(void **state)
{
	struct params	*dst = params_new(), *src = params_new(), *rec;
	struct params	*want, *copy;
	size_t		 at[8], i;
	unsigned char	 mark[8];
	char		 err[CR_ERRLEN], wanted[4096];
	int		 pass;

	apply_sets(dst, src);
	want = params_dup(dst);
	assert_int_equal(params_apply(want, src, NULL, err), 0);
	snprintf(wanted, sizeof wanted, "%s", dump(want));
	assert_string_equal(wanted, "Station_Name=desk/rw;"
	    "Speed_Dial_2_2_=5551234/rw;GPP_A=/na;GPP_B=b/na;GPP_C=c/ro;"
	    "New_1=n/;New_Flag_=/ro;");
	for (pass = 0; pass < 2; pass++) {
		copy = params_dup(dst);
		rec = params_changes(copy, src, 9, at, mark, err);
		assert_int_equal(params_merge(copy, rec, pass ? at : NULL,
		    err), 0);
		assert_string_equal(dump(copy), wanted);
		assert_string_equal(dump_seq(copy), "Station_Name/0;"
		    "Speed_Dial_2_2_/9;GPP_A/9;GPP_B/9;GPP_C/9;New_1/9;"
		    "New_Flag_/9;");
		/* SRC is an empty set, and still a working one. */
		assert_int_equal(params_count(rec), 0);
		assert_null(params_find(rec, "GPP_A"));
		assert_int_equal(params_set(rec, "gpp_a", "x", UA_NONE, err),
		    1);
		assert_string_equal(params_find(rec, "GPP_A")->value, "x");
		params_free(rec);
		params_free(copy);
	}

	/* A raw SRC: other spellings (DST's stays), ua-only entries. */
	copy = params_dup(dst);
	for (i = 0; i < params_count(src); i++)
		params_set_seq_at(src, i, 3);
	assert_int_equal(params_merge(copy, src, NULL, err), 0);
	assert_string_equal(dump(copy), wanted);
	assert_string_equal(dump_seq(copy), "Station_Name/3;"
	    "Speed_Dial_2_2_/3;GPP_A/3;GPP_B/3;GPP_C/3;New_1/3;New_Flag_/3;");
	assert_int_equal(params_count(src), 0);
	assert_int_equal(params_merge(copy, src, NULL, err), 0);
	assert_int_equal(params_merge(copy, copy, NULL, err), 0);
	assert_string_equal(dump(copy), wanted);
	params_free(copy);
	params_free(want);
	params_free(src);
	params_free(dst);
}

/* params_list appends the marked names LIST lacks; truncate undoes it. */
static void
test_list(void **state)
{
	struct params	*list = params_new(), *src = params_new();
	unsigned char	 mark[4] = { 1, 0, 2, 1 };
	char		 err[CR_ERRLEN];

	assert_int_equal(params_set(list, "B", NULL, UA_KEEP, err), 1);
	assert_int_equal(params_set(src, "a", "1", UA_RW, err), 1);
	assert_int_equal(params_set(src, "Skipped", "1", UA_RW, err), 1);
	assert_int_equal(params_set(src, "b", "2", UA_NA, err), 1);
	assert_int_equal(params_set(src, "C", NULL, UA_NA, err), 1);
	assert_int_equal(params_list(list, src, mark, err), 0);
	assert_string_equal(dump(list), "B=-/;a=-/;C=-/;");
	assert_int_equal(params_find(list, "c")->seq, 0);
	assert_int_equal(params_list(list, src, NULL, err), 0);
	assert_string_equal(dump(list), "B=-/;a=-/;C=-/;Skipped=-/;");
	params_truncate(list, 1);
	assert_string_equal(dump(list), "B=-/;");
	assert_null(params_find(list, "a"));
	params_truncate(list, 5);
	assert_string_equal(dump(list), "B=-/;");
	/* Still a working set. */
	assert_int_equal(params_set(list, "c", NULL, UA_KEEP, err), 1);
	assert_int_equal(params_pos(list, "C"), 1);
	params_free(src);
	params_free(list);
}

/* The limit: params_list and params_merge refuse whole. */
static void
test_list_merge_limit(void **state)
{
	struct params	*p = params_new(), *src = params_new();
	char		 name[32], err[CR_ERRLEN];
	int		 i;

	for (i = 0; i < PARAMS_MAX_COUNT - 1; i++) {
		snprintf(name, sizeof name, "P_%d_", i);
		assert_int_equal(params_set(p, name, "v", UA_NONE, err), 1);
	}
	assert_int_equal(params_set(src, "P_0_", "w", UA_RW, err), 1);
	assert_int_equal(params_set(src, "Extra_1", "x", UA_NONE, err), 1);
	assert_int_equal(params_set(src, "Extra_2", "x", UA_NONE, err), 1);
	assert_int_equal(params_list(p, src, NULL, err), -1);
	assert_string_equal(err, "Extra_2: more than 20000 parameters");
	assert_int_equal(params_count(p), PARAMS_MAX_COUNT - 1);
	assert_null(params_find(p, "Extra_1"));
	assert_int_equal(params_merge(p, src, NULL, err), -1);
	assert_non_null(strstr(err, "20000"));
	assert_int_equal(params_count(p), PARAMS_MAX_COUNT - 1);
	assert_string_equal(params_find(p, "p_0_")->value, "v");
	assert_int_equal(params_count(src), 3);
	assert_string_equal(params_find(src, "extra_2")->value, "x");
	params_free(src);
	params_free(p);
}

/* Every allocation of the new ones may fail: nothing half done. */
static void
test_changes_merge_fail_malloc(void **state)
{
	struct params	*dst, *src, *rec, *list;
	size_t		 at[40];
	unsigned char	 mark[40];
	char		 err[CR_ERRLEN], before[4096];
	long		 n;
	int		 rc;

	if (!failmalloc_active())
		skip();
	fail_sets(&dst, &src);
	snprintf(before, sizeof before, "%s", dump(dst));
	for (n = 0;; n++) {
		failmalloc_after(n);
		rec = params_changes(dst, src, 1, at, mark, err);
		failmalloc_after(-1);
		if (rec != NULL)
			break;
		assert_string_equal(err, "out of memory");
		assert_string_equal(dump(dst), before);
	}
	assert_true(n > 2);
	assert_int_equal(params_count(rec), 40);
	params_free(rec);
	for (n = 0;; n++) {
		list = params_new();
		assert_int_equal(params_set(list, "Kept", NULL, UA_KEEP, err),
		    1);
		failmalloc_after(n);
		rc = params_list(list, src, NULL, err);
		failmalloc_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -1);
		assert_string_equal(dump(list), "Kept=-/;");
		params_free(list);
	}
	assert_true(n > 2);
	assert_int_equal(params_count(list), 41);
	params_free(list);
	/* A raw SRC (other spellings, ua-only new names) allocates most. */
	for (n = 0;; n++) {
		failmalloc_after(n);
		rc = params_merge(dst, src, NULL, err);
		failmalloc_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -1);
		assert_string_equal(err, "out of memory");
		assert_string_equal(dump(dst), before);
		assert_int_equal(params_count(src), 40);
	}
	assert_true(n > 5);
	assert_int_equal(params_count(dst), 50);
	assert_int_equal(params_count(src), 0);
	params_free(src);
	params_free(dst);
}

/* params_reserve: room made once, then adding allocates the names only. */
static void
test_reserve(void **state)
{
	struct params	*p = params_new();
	char		 name[16], err[CR_ERRLEN];
	long		 seen;
	int		 i, hooked = failmalloc_active();

	assert_int_equal(params_set(p, "First", "1", UA_NONE, err), 1);
	assert_int_equal(params_reserve(p, 100), 0);
	seen = failmalloc_seen;
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "N%d", i);
		assert_int_equal(params_set(p, name, "v", UA_NONE, err), 1);
	}
	if (hooked)
		assert_int_equal(failmalloc_seen - seen, 100);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "n%d", i);
		assert_int_equal(params_pos(p, name), (size_t)i + 1);
	}
	assert_int_equal(params_reserve(p, 0), 0);
	/* Never more than the limit allows. */
	assert_int_equal(params_reserve(p, SIZE_MAX), 0);
	if (hooked) {
		params_free(p);
		p = params_new();
		assert_int_equal(params_set(p, "First", "1", UA_NONE, err), 1);
		failmalloc_after(0);
		assert_int_equal(params_reserve(p, 1000), -1);
		failmalloc_after(-1);
		assert_int_equal(params_count(p), 1);
		assert_string_equal(params_find(p, "FIRST")->value, "1");
	}
	params_free(p);
}

static void
test_ua(void **state)
{
	enum ua	ua = UA_NONE;

	assert_int_equal(ua_parse("na", &ua), 0);
	assert_int_equal(ua, UA_NA);
	assert_int_equal(ua_parse("RO", &ua), 0);
	assert_int_equal(ua, UA_RO);
	assert_int_equal(ua_parse("Rw", &ua), 0);
	assert_int_equal(ua, UA_RW);
	assert_int_equal(ua_parse("", &ua), -1);
	assert_int_equal(ua_parse("rwx", &ua), -1);
	assert_int_equal(ua_parse(NULL, &ua), -1);
	assert_int_equal(ua, UA_RW);
	assert_string_equal(ua_name(UA_NA), "na");
	assert_string_equal(ua_name(UA_RO), "ro");
	assert_string_equal(ua_name(UA_RW), "rw");
	assert_null(ua_name(UA_NONE));
	assert_null(ua_name(UA_KEEP));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_find_order),
		cmocka_unit_test(test_ua_only),
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_valid_name_bytes),
		cmocka_unit_test(test_case_and_lengths),
		cmocka_unit_test(test_value_limits),
		cmocka_unit_test(test_text_span_and_quote),
		cmocka_unit_test(test_count_limit),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_apply_fail_malloc),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_merge_limit),
		cmocka_unit_test(test_changes_merge_fail_malloc),
		cmocka_unit_test(test_ua),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
