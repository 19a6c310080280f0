/* test_rule.c — rule_parse, rule_resolve, rule_mask_secrets (spec.md §3). */
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

/* Parse TEXT, which must succeed with N entries. */
static void
parse_ok(const char *text, struct rule *r, size_t n)
{
	char	 err[CR_ERRLEN] = "";

	if (rule_parse(text, r, err) != 0)
		fail_msg("rule_parse(\"%s\"): %s", text, err);
	assert_int_equal(r->n, n);
}

/* Parse TEXT, which must fail with exactly WANT, leaving nothing. */
static void
parse_err(const char *text, const char *want)
{
	struct rule	 r;
	char		 err[CR_ERRLEN] = "";
	size_t		 i;

	memset(&r, 0xa5, sizeof r);
	if (rule_parse(text, &r, err) != -1)
		fail_msg("rule_parse(\"%s\") accepted it", text);
	assert_string_equal(err, want);
	assert_int_equal(r.n, 0);
	for (i = 0; i < RULE_MAX_ENTRIES; i++) {
		assert_null(r.e[i].url);
		assert_null(r.e[i].key);
		assert_null(r.e[i].uid);
		assert_null(r.e[i].pwd);
	}
}

static void
assert_entry(const struct rule_entry *e, enum report_kind kind,
    const char *url, const char *key)
{
	assert_int_equal(e->kind, kind);
	assert_string_equal(e->url, url);
	if (key == NULL)
		assert_null(e->key);
	else
		assert_string_equal(e->key, key);
}

static void
assert_mask(const char *text, const char *want)
{
	char	*m;

	m = rule_mask_secrets(text);
	assert_non_null(m);
	assert_string_equal(m, want);
	free(m);
}

/* The seed document's examples, each with what it says it means. */
static void
test_seed_examples(void **state)
{
	struct rule	 r;

	(void)state;
	/* HTTP PUT ALL-configuratie */
	parse_ok("http://my_http_server/config-mpp.xml", &r, 1);
	assert_entry(&r.e[0], REPORT_FULL,
	    "http://my_http_server/config-mpp.xml", NULL);
	assert_null(r.e[0].uid);
	assert_null(r.e[0].pwd);
	assert_int_equal(r.e[0].md, RULE_MD_SHA256);
	rule_clear(&r);

	/* Gewijzigde HTTP PUT-configuratie: the ";" is dropped */
	parse_ok("[--delta]http://my_http_server/config-mpp-delta.xml;", &r, 1);
	assert_entry(&r.e[0], REPORT_DELTA,
	    "http://my_http_server/config-mpp-delta.xml", NULL);
	rule_clear(&r);

	/* Gecodeerde HTTP PUT Delta-configuratie */
	parse_ok("[--delta --key test123]"
	    "http://my_http_server/config-mpp-delta.enc.xml;", &r, 1);
	assert_entry(&r.e[0], REPORT_DELTA,
	    "http://my_http_server/config-mpp-delta.enc.xml", "test123");
	assert_int_equal(r.e[0].md, RULE_MD_SHA256);
	rule_clear(&r);

	/* HTTP PUT-statusgegevens */
	parse_ok("[--status]http://my_http_server/config-mpp-status.xml;", &r,
	    1);
	assert_entry(&r.e[0], REPORT_STATUS,
	    "http://my_http_server/config-mpp-status.xml", NULL);
	rule_clear(&r);

	/* Gewijzigde HTTP PUT-configuratie en status: two lines */
	parse_ok("[--status]http://my_http_server/config-mpp-status.xml\n"
	    "[--delta]http://my_http_server/config-mpp-delta.xml", &r, 2);
	assert_entry(&r.e[0], REPORT_STATUS,
	    "http://my_http_server/config-mpp-status.xml", NULL);
	assert_entry(&r.e[1], REPORT_DELTA,
	    "http://my_http_server/config-mpp-delta.xml", NULL);
	rule_clear(&r);

	/* Gewijzigde HTTP POST-configuratie */
	parse_ok("[--delta]http://my_http_server/report_upload.php", &r, 1);
	assert_entry(&r.e[0], REPORT_DELTA,
	    "http://my_http_server/report_upload.php", NULL);
	rule_clear(&r);

	/* "Twee regels worden samen gebruikt als": delta, then status */
	parse_ok("[--delta]http://my_http_server/config-mpp-delta.xml\n"
	    "[--status]http://my_http_server/config-mpp-status.xml", &r, 2);
	assert_entry(&r.e[0], REPORT_DELTA,
	    "http://my_http_server/config-mpp-delta.xml", NULL);
	assert_entry(&r.e[1], REPORT_STATUS,
	    "http://my_http_server/config-mpp-status.xml", NULL);
	rule_clear(&r);

	/* "... scheidt u de regels van elkaar met een spatie" */
	parse_ok("[--delta]http://my_http_server/config-mpp-delta.xml "
	    "[--status]http://my_http_server/config-mpp-status.xml", &r, 2);
	assert_int_equal(r.e[0].kind, REPORT_DELTA);
	assert_int_equal(r.e[1].kind, REPORT_STATUS);
	rule_clear(&r);

	/* The profile form: the value as the element holds it, indented */
	parse_ok("\n  [--delta]http://my_http_server/config-mpp-delta.xml\n"
	    "  [--status]http://my_http_server/config-mpp-status.xml\n", &r, 2);
	assert_entry(&r.e[0], REPORT_DELTA,
	    "http://my_http_server/config-mpp-delta.xml", NULL);
	assert_entry(&r.e[1], REPORT_STATUS,
	    "http://my_http_server/config-mpp-status.xml", NULL);
	rule_clear(&r);

	/* The table's "[ --delta ]" and the Dutch "--toets <key>" */
	parse_ok("[ --delta ]http://my_http_server/config-mpp-delta.xml", &r, 1);
	assert_int_equal(r.e[0].kind, REPORT_DELTA);
	rule_clear(&r);
	parse_ok("[--delta --toets test123]"
	    "http://my_http_server/config-mpp-delta.enc.xml;", &r, 1);
	assert_entry(&r.e[0], REPORT_DELTA,
	    "http://my_http_server/config-mpp-delta.enc.xml", "test123");
	rule_clear(&r);
	/* "optioneel tussen dubbele aanhalingstekens" */
	parse_ok("[--toets \"test123\"]http://my_http_server/x.xml", &r, 1);
	assert_string_equal(r.e[0].key, "test123");
	rule_clear(&r);
	/* "--sleutel, --uid en --wachtwoord" */
	parse_ok("[--status --sleutel k1 --uid admin --wachtwoord geheim]"
	    "https://my_http_server/s.xml", &r, 1);
	assert_entry(&r.e[0], REPORT_STATUS, "https://my_http_server/s.xml",
	    "k1");
	assert_string_equal(r.e[0].uid, "admin");
	assert_string_equal(r.e[0].pwd, "geheim");
	rule_clear(&r);

	/* spec.md §2/§3: macros stay as written until rule_resolve */
	parse_ok("[--delta]http://prov.example/$MA-delta.xml", &r, 1);
	assert_entry(&r.e[0], REPORT_DELTA,
	    "http://prov.example/$MA-delta.xml", NULL);
	rule_clear(&r);
}

static void
test_empty(void **state)
{
	struct rule	 r;

	(void)state;
	parse_ok("", &r, 0);
	rule_clear(&r);
	parse_ok(" \t\r\n\v\f  \n", &r, 0);
	rule_clear(&r);
	parse_ok(NULL, &r, 0);
	rule_clear(&r);
}

static void
test_arguments(void **state)
{
	struct rule	 r;

	(void)state;
	parse_ok("[--delta --key test123 --uid admin --pwd s3cret --md md5]"
	    "https://prov.example/d.xml", &r, 1);
	assert_entry(&r.e[0], REPORT_DELTA, "https://prov.example/d.xml",
	    "test123");
	assert_string_equal(r.e[0].uid, "admin");
	assert_string_equal(r.e[0].pwd, "s3cret");
	assert_int_equal(r.e[0].md, RULE_MD_MD5);
	rule_clear(&r);

	/* Any order, any white space, argument names in any case */
	parse_ok("[\n\t--MD SHA256\n\t--Key K\n\t--DELTA\n]HTTP://h/x", &r, 1);
	assert_entry(&r.e[0], REPORT_DELTA, "HTTP://h/x", "K");
	assert_int_equal(r.e[0].md, RULE_MD_SHA256);
	rule_clear(&r);

	/* Empty brackets: a full report; white space before the URL */
	parse_ok("[]h/x [--status]  h/y;", &r, 2);
	assert_entry(&r.e[0], REPORT_FULL, "h/x", NULL);
	assert_entry(&r.e[1], REPORT_STATUS, "h/y", NULL);
	rule_clear(&r);

	/* --uid alone is a user with an empty password; --pwd "" too */
	parse_ok("[--uid u]http://h/x [--uid v --pwd \"\"]http://h/y", &r, 2);
	assert_string_equal(r.e[0].uid, "u");
	assert_null(r.e[0].pwd);
	assert_string_equal(r.e[1].pwd, "");
	rule_clear(&r);

	/* Only one ';' goes; ";[" separates entries */
	parse_ok("h/x;;", &r, 1);
	assert_string_equal(r.e[0].url, "h/x;");
	rule_clear(&r);
	parse_ok("[--delta]http://a/x;[--status]http://a/y;", &r, 2);
	assert_entry(&r.e[0], REPORT_DELTA, "http://a/x", NULL);
	assert_entry(&r.e[1], REPORT_STATUS, "http://a/y", NULL);
	rule_clear(&r);

	/* IPv6 literals: brackets inside a URL are the URL's */
	parse_ok("[--delta]http://[2001:db8::1]:8080/x http://[::1]/y", &r, 2);
	assert_string_equal(r.e[0].url, "http://[2001:db8::1]:8080/x");
	assert_string_equal(r.e[1].url, "http://[::1]/y");
	rule_clear(&r);

	/* Scheme-less forms are kept as written until rule_resolve */
	parse_ok("prov:69/c.xml /c.xml", &r, 2);
	assert_string_equal(r.e[0].url, "prov:69/c.xml");
	assert_string_equal(r.e[1].url, "/c.xml");
	rule_clear(&r);
}

static void
test_quoting(void **state)
{
	struct rule	 r;

	(void)state;
	parse_ok("[--key \"my key\"]h/x", &r, 1);
	assert_string_equal(r.e[0].key, "my key");
	rule_clear(&r);
	parse_ok("[--key \"a\\\"b\"]h/x", &r, 1);		/* "a\"b" */
	assert_string_equal(r.e[0].key, "a\"b");
	rule_clear(&r);
	parse_ok("[--key \"a\\\\b\"]h/x", &r, 1);		/* "a\\b" */
	assert_string_equal(r.e[0].key, "a\\b");
	rule_clear(&r);
	parse_ok("[--key \"a\\nb\\\\\"]h/x", &r, 1);		/* "a\nb\\" */
	assert_string_equal(r.e[0].key, "a\\nb\\");
	rule_clear(&r);
	parse_ok("[--key \"]\" --delta]h/x", &r, 1);
	assert_entry(&r.e[0], REPORT_DELTA, "h/x", "]");
	rule_clear(&r);
	parse_ok("[--key \"--delta\"]h/x", &r, 1);
	assert_entry(&r.e[0], REPORT_FULL, "h/x", "--delta");
	rule_clear(&r);
	parse_ok("[--key \"line1\nline2\"]h/x", &r, 1);
	assert_string_equal(r.e[0].key, "line1\nline2");
	rule_clear(&r);
	/* A quote inside an unquoted value is an ordinary character */
	parse_ok("[--key a\"b --pwd -x --uid \"u s\"]http://h/x", &r, 1);
	assert_string_equal(r.e[0].key, "a\"b");
	assert_string_equal(r.e[0].pwd, "-x");
	assert_string_equal(r.e[0].uid, "u s");
	rule_clear(&r);
	parse_ok("[--key a[b]h/x", &r, 1);
	assert_string_equal(r.e[0].key, "a[b");
	rule_clear(&r);
	parse_ok("[--key \xc3\xa9t\xc3\xa9]h/x", &r, 1);
	assert_string_equal(r.e[0].key, "\xc3\xa9t\xc3\xa9");
	rule_clear(&r);
}

static void
test_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*err;
	} t[] = {
		{ "[--delta --status]x/y",
		  "position 10: --delta and --status exclude each other" },
		{ "[--status --key k --delta]x/y",
		  "position 19: --delta and --status exclude each other" },
		{ "[--delta --delta]x/y",
		  "position 10: duplicate argument --delta" },
		{ "[--key a --toets b]x/y",
		  "position 10: duplicate argument --toets (same as --key)" },
		{ "[--sleutel a --key b]x/y",
		  "position 14: duplicate argument --key (same as --sleutel)" },
		{ "[--uid u --pwd a --wachtwoord b]http://h/x",
		  "position 18: duplicate argument --wachtwoord "
		  "(same as --pwd)" },
		{ "[--md md5 --md md5]x/y",
		  "position 11: duplicate argument --md" },
		{ "[--bogus]x/y",
		  "position 2: unknown argument '--bogus'" },
		{ "[--delta --aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]x/y",
		  "position 10: unknown argument "
		  "'--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'" },
		{ "[--key=abc]x/y",
		  "position 2: write --key and its value apart, not with '='" },
		{ "[--key\"a b\"]x/y",
		  "position 2: write --key and its value apart, with white "
		  "space" },
		{ "[--Wachtwoordgeheim]x/y",
		  "position 2: write --wachtwoord and its value apart, with "
		  "white space" },
		{ "[--other=abc]x/y",
		  "position 2: unknown argument '--other'" },
		{ "[delta]x/y",
		  "position 2: unexpected word inside [ ]: arguments begin with"
		  " --, a value with white space must be quoted" },
		{ "[--key my key]x/y",
		  "position 11: unexpected word inside [ ]: arguments begin "
		  "with --, a value with white space must be quoted" },
		{ "[\xe2\x80\x93" "delta]x/y",		/* en dash */
		  "position 2: write --delta with two ASCII hyphens" },
		{ "[-key k]x/y",
		  "position 2: write --key with two ASCII hyphens" },
		{ "[--key]x/y",
		  "position 2: --key needs a value" },
		{ "[--uid   ]http://h/x",
		  "position 2: --uid needs a value" },
		{ "[--key --delta]x/y",
		  "position 2: --key needs a value (quote a value that begins "
		  "with --)" },
		{ "[--md]x/y",
		  "position 2: --md needs a value" },
		{ "[--md sha1]x/y",
		  "position 7: --md must be sha256 or md5, not 'sha1'" },
		{ "[--pwd p]http://h/x",
		  "position 2: --pwd without --uid" },
		{ "[--delta --wachtwoord p]http://h/x",
		  "position 10: --wachtwoord without --uid" },
		{ "[--toets]x/y",
		  "position 2: --toets needs a value" },
		{ "[--sleutel \"\"]x/y",
		  "position 12: empty --sleutel" },
		{ "[--key \"\"]x/y",
		  "position 8: empty --key" },
		{ "[--uid \"\" --pwd p]http://h/x",
		  "position 8: empty --uid" },
		{ "[--key \"abc]x/y",
		  "position 8: unterminated quote" },
		{ "[--key \"a\\\"]x/y",
		  "position 8: unterminated quote" },
		{ "[--key \"a\"b]x/y",
		  "position 11: white space or ']' expected after a quoted "
		  "value" },
		{ "[--delta",
		  "position 1: '[' without ']'" },
		{ "[--delta http://h/x",
		  "position 1: '[' without ']'" },
		{ "h/x [--key k",
		  "position 5: '[' without ']'" },
		{ "[--delta]",
		  "position 10: URL expected after ']'" },
		{ "[--delta]\n  ",
		  "position 10: URL expected after ']'" },
		{ "[--delta] [--status]x/y",
		  "position 10: URL expected after ']'" },
		{ ";",
		  "position 1: empty URL" },
		{ "h/x [--status];",
		  "position 15: empty URL" },
		{ "a/b c/d e/f",
		  "position 9: more than 2 entries" },
		{ "[--delta]h/1\n[--status]h/2\n[--delta]h/3",
		  "position 28: more than 2 entries" },
		{ "ftp://h/x",
		  "position 1: unsupported scheme 'ftp': use http://, https:// "
		  "or tftp://" },
		{ "[--delta]FTP://h/x",
		  "position 10: unsupported scheme 'FTP': use http://, https:// "
		  "or tftp://" },
		{ "file:/etc/passwd",
		  "position 1: unsupported scheme 'file': use http://, https:// "
		  "or tftp://" },
		{ "http:/x",
		  "position 1: 'http:' must be followed by //" },
		{ "[--delta]http:///x",
		  "position 17: no host in URL" },
		{ "https://",
		  "position 9: no host in URL" },
		{ "http://user:pw@/x",
		  "position 8: no host in URL" },
		{ "tftp://:69/x",
		  "position 8: no host in URL" },
		{ "http://[]/x",
		  "position 8: no host in URL" },
		{ "--delta http://h/x",
		  "position 1: --delta outside [ ]: write [--delta ...]URL" },
		{ "--key=k http://h/x",
		  "position 1: --key outside [ ]: write [--key ...]URL" },
		{ "-x/y",
		  "position 1: a URL cannot begin with '-'" },
		{ "h/\x01x",
		  "position 3: control character in URL" },
		/* Positions count characters, not bytes, and newlines */
		{ "\xc3\xa9/x [--bogus]y",
		  "position 6: unknown argument '--bogus'" },
		{ "\n\n  [--delta --status]h/x",
		  "position 14: --delta and --status exclude each other" },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		parse_err(t[i].text, t[i].err);
}

/* An error message never carries a key, even a mistyped one. */
static void
test_errors_do_not_echo(void **state)
{
	static const char *t[] = {
		"[--key=Sup3rSecret]x/y",
		"[--key Sup3r Secret]x/y",
		"[--toets \"Sup3rSecret]x/y",
		"[--pwd Sup3rSecret]http://h/x",
		"[--uid u --pwd Sup3rSecret --pwd Sup3rSecret]http://h/x",
		"[--key Sup3rSecret --delta --status]x/y",
		"[--keySup3rSecret]x/y",
		"[--key\"Sup3rSecret\"]x/y",
		"[--md5 --key Sup3rSecret]x/y",
	};
	struct rule	 r;
	char		 err[CR_ERRLEN];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		err[0] = '\0';
		assert_int_equal(rule_parse(t[i], &r, err), -1);
		assert_true(strncmp(err, "position ", 9) == 0);
		assert_null(strstr(err, "Sup3r"));
		assert_null(strstr(err, "Secret"));
	}
}

static void
test_adversarial(void **state)
{
	struct rule	 r;
	char		 err[CR_ERRLEN];
	char		*big;
	size_t		 n, i;

	(void)state;
	/* 10,000 entries: refused at the third */
	n = 10000;
	big = malloc(n * 4 + 1);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		memcpy(big + i * 4, "a/b ", 4);
	big[n * 4] = '\0';
	parse_err(big, "position 9: more than 2 entries");

	/* A megabyte of '[' */
	free(big);
	n = 1024 * 1024;
	assert_non_null(big = malloc(n + 1));
	memset(big, '[', n);
	big[n] = '\0';
	parse_err(big, "position 1: '[' without ']'");
	big[n - 1] = ']';
	parse_err(big, "position 2: unexpected word inside [ ]: arguments "
	    "begin with --, a value with white space must be quoted");

	/* A megabyte of quotes, inside and outside [ ] */
	memset(big, '"', n);
	parse_ok(big, &r, 1);		/* an odd URL, but only a URL */
	assert_int_equal(strlen(r.e[0].url), n);
	rule_clear(&r);
	big[0] = '[';			/* pairs, then one left open */
	parse_err(big, "position 1048576: unterminated quote");
	big[n - 1] = ']';		/* all pairs: a quoted word */
	parse_err(big, "position 2: unexpected word inside [ ]: arguments "
	    "begin with --, a value with white space must be quoted");
	memcpy(big, "[--key ", 7);	/* "" then a quote right after */
	parse_err(big, "position 10: white space or ']' expected after a "
	    "quoted value");

	/* Every byte value but NUL, repeatedly: no crash, a clear answer */
	for (i = 0; i < n; i++)
		big[i] = (char)(1 + i % 255);
	memset(&r, 0, sizeof r);
	if (rule_parse(big, &r, err) == 0)
		rule_clear(&r);

	/* A megabyte URL of '$' parses; it is macro expansion that bounds */
	memset(big, '$', n);
	parse_ok(big, &r, 1);
	assert_int_equal(rule_resolve(&r, NULL, NULL, NULL, err), -1);
	assert_string_equal(err, "entry 1: URL: position 131073: expansion "
	    "longer than 65536 bytes");
	rule_clear(&r);

	/* A megabyte of arguments: the duplicate is found at once */
	big[0] = '[';
	for (i = 1; i + 8 + 4 < n; i += 8)
		memcpy(big + i, "--delta ", 8);
	memcpy(big + i, "]x/y", 5);
	parse_err(big, "position 10: duplicate argument --delta");
	free(big);
}

/* Lookup for the resolve tests: a fixed table. */
static const char *
lookup(void *arg, const char *name, size_t len)
{
	static const char *tab[][2] = {
		{ "MA",		"000e08aabbcc" },
		{ "IP",		"10.1.2.3" },
		{ "EMPTY",	"" },
		{ "SP",		"a b" },
		{ "NL",		"a\nb" },
		{ "URLV",	"http://h.example/x.xml" },
		{ "KEYV",	"k$y" },
	};
	size_t	 i;

	(void)arg;
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strlen(tab[i][0]) == len &&
		    memcmp(tab[i][0], name, len) == 0)
			return (tab[i][1]);
	return (NULL);
}

/* Parse and resolve TEXT with option 66 SERVER; one entry, URL WANT. */
static void
resolve_ok(const char *text, const char *server, const char *want,
    enum rule_scheme scheme)
{
	struct rule	 r;
	char		 err[CR_ERRLEN] = "";

	parse_ok(text, &r, 1);
	if (rule_resolve(&r, lookup, NULL, server, err) != 0)
		fail_msg("rule_resolve(\"%s\"): %s", text, err);
	assert_string_equal(r.e[0].url, want);
	assert_int_equal(r.e[0].scheme, scheme);
	rule_clear(&r);
}

static void
resolve_err(const char *text, const char *server, const char *want)
{
	struct rule	 r;
	char		 err[CR_ERRLEN] = "";
	char		*before[RULE_MAX_ENTRIES];
	size_t		 i, n;

	memset(before, 0, sizeof before);
	if (rule_parse(text, &r, err) != 0)
		fail_msg("rule_parse(\"%s\"): %s", text, err);
	n = r.n;
	for (i = 0; i < n; i++)
		before[i] = strdup(r.e[i].url);
	if (rule_resolve(&r, lookup, NULL, server, err) != -1)
		fail_msg("rule_resolve(\"%s\") accepted it", text);
	assert_string_equal(err, want);
	/* All or nothing: the rule is as parsed, and can be cleared */
	assert_int_equal(r.n, n);
	for (i = 0; i < n; i++) {
		assert_string_equal(r.e[i].url, before[i]);
		free(before[i]);
	}
	rule_clear(&r);
}

static void
test_resolve(void **state)
{
	struct rule	 r;
	char		 err[CR_ERRLEN];

	(void)state;
	resolve_ok("http://my_http_server/config-mpp.xml", NULL,
	    "http://my_http_server/config-mpp.xml", RULE_HTTP);
	resolve_ok("[--delta]http://prov.example/$MA-delta.xml", NULL,
	    "http://prov.example/000e08aabbcc-delta.xml", RULE_HTTP);
	resolve_ok("HTTPS://prov.example/$(MA:0:6)/x", NULL,
	    "https://prov.example/000e08/x", RULE_HTTPS);
	resolve_ok("tftp://$IP/$MA.xml", NULL,
	    "tftp://10.1.2.3/000e08aabbcc.xml", RULE_TFTP);
	resolve_ok("http://h/$NOPE.xml", NULL, "http://h/$NOPE.xml",
	    RULE_HTTP);
	resolve_ok("http://h/a$$b", NULL, "http://h/a$b", RULE_HTTP);
	resolve_ok("http://[::1]:8080/x", NULL, "http://[::1]:8080/x",
	    RULE_HTTP);
	/* The scheme may come from a macro */
	resolve_ok("$URLV", NULL, "http://h.example/x.xml", RULE_HTTP);

	/* No scheme: TFTP (vendor) */
	resolve_ok("my_tftp_server/config-mpp.xml", NULL,
	    "tftp://my_tftp_server/config-mpp.xml", RULE_TFTP);
	resolve_ok("prov:6969/$MA.xml", NULL,
	    "tftp://prov:6969/000e08aabbcc.xml", RULE_TFTP);
	/* A bare /path: the server of DHCP option 66 */
	resolve_ok("/$MA.xml", "tftp.example", "tftp://tftp.example/"
	    "000e08aabbcc.xml", RULE_TFTP);
	resolve_ok("/c.xml", " 10.0.0.1:6969\n", "tftp://10.0.0.1:6969/c.xml",
	    RULE_TFTP);
	resolve_ok("/c.xml", "2001:db8::1", "tftp://[2001:db8::1]/c.xml",
	    RULE_TFTP);
	resolve_ok("/c.xml", "[2001:db8::1]:69", "tftp://[2001:db8::1]:69/"
	    "c.xml", RULE_TFTP);
	resolve_ok("/c.xml", "http://prov.example/base/",
	    "http://prov.example/base/c.xml", RULE_HTTP);
	resolve_ok("/c.xml", "TFTP://t.example", "tftp://t.example/c.xml",
	    RULE_TFTP);

	/* Arguments are expanded too; $$ is a '$' */
	parse_ok("[--key $MA --uid $IP --pwd pa$$word$NOPE]http://h/x", &r, 1);
	assert_int_equal(rule_resolve(&r, lookup, NULL, NULL, err), 0);
	assert_string_equal(r.e[0].key, "000e08aabbcc");
	assert_string_equal(r.e[0].uid, "10.1.2.3");
	assert_string_equal(r.e[0].pwd, "pa$word$NOPE");
	rule_clear(&r);
	/* A value is not expanded again */
	parse_ok("[--key $KEYV]h/x", &r, 1);
	assert_int_equal(rule_resolve(&r, lookup, NULL, NULL, err), 0);
	assert_string_equal(r.e[0].key, "k$y");
	rule_clear(&r);
	/* Without a lookup every name is unknown */
	parse_ok("http://h/$MA", &r, 1);
	assert_int_equal(rule_resolve(&r, NULL, NULL, NULL, err), 0);
	assert_string_equal(r.e[0].url, "http://h/$MA");
	rule_clear(&r);
	/* An empty rule resolves to nothing */
	parse_ok("", &r, 0);
	assert_int_equal(rule_resolve(&r, lookup, NULL, NULL, err), 0);
	rule_clear(&r);
}

static void
test_resolve_errors(void **state)
{
	(void)state;
	resolve_err("$MA.xml", NULL,
	    "entry 1: a TFTP URL needs a file name (host/file or /file)");
	resolve_err("h/x tftp://h/", NULL,
	    "entry 2: a TFTP URL needs a file name (host/file or /file)");
	resolve_err("/c.xml", NULL, "entry 1: no TFTP server known for a "
	    "bare /path (DHCP option 66 is not set)");
	resolve_err("h/x /c.xml", "", "entry 2: no TFTP server known for a "
	    "bare /path (DHCP option 66 is not set)");
	resolve_err("/c.xml", " \t", "entry 1: no TFTP server known for a "
	    "bare /path (DHCP option 66 is not set)");
	resolve_err("/c.xml", "bad host", "entry 1: DHCP option 66 is not a "
	    "host name");
	resolve_err("/c.xml", "ftp://f.example", "entry 1: DHCP option 66 "
	    "has an unsupported scheme 'ftp'");
	resolve_err("/c.xml", "http://", "entry 1: no host in URL");
	resolve_err("$EMPTY", NULL,
	    "entry 1: URL is empty after macro expansion");
	resolve_err("http://h/x $EMPTY$EMPTY", NULL,
	    "entry 2: URL is empty after macro expansion");
	resolve_err("http://h/$SP", NULL, "entry 1: URL has white space or "
	    "a control character at position 11 after macro expansion");
	resolve_err("http://h/$NL", NULL, "entry 1: URL has white space or "
	    "a control character at position 11 after macro expansion");
	resolve_err("http://h/$(MA", NULL,
	    "entry 1: URL: position 10: '$(' without ')'");
	resolve_err("$(URLV:0:5)/$IP/x", NULL,
	    "entry 1: 'http:' must be followed by //");
	resolve_err("gopher$(EMPTY)://h/x", NULL,
	    "entry 1: unsupported scheme 'gopher': use http://, https:// or "
	    "tftp://");
	resolve_err("http://$EMPTY/x", NULL, "entry 1: no host in URL");
	resolve_err("[--key $EMPTY]h/x", NULL,
	    "entry 1: --key is empty after macro expansion");
	resolve_err("[--key $(MA]h/x", NULL,
	    "entry 1: --key: position 1: '$(' without ')'");
	resolve_err("[--uid $EMPTY]http://h/x", NULL,
	    "entry 1: --uid is empty after macro expansion");
	resolve_err("[--uid a:b]http://h/x", NULL,
	    "entry 1: --uid is not a user name (it has a ':') after macro "
	    "expansion");
	resolve_err("[--uid u --pwd $(X:y)]http://h/x", NULL,
	    "entry 1: --pwd: position 5: offset in '$(X:' is not a number");
	resolve_err("[--uid u]tftp://h/x", NULL, "entry 1: --uid/--pwd need "
	    "http:// or https://: TFTP has no authentication");
	resolve_err("http://h/x [--uid u --pwd p]h/y", NULL, "entry 2: "
	    "--uid/--pwd need http:// or https://: TFTP has no "
	    "authentication");
}

static void
test_mask(void **state)
{
	char	*m;

	(void)state;
	assert_mask("[--delta --key test123]"
	    "http://my_http_server/config-mpp-delta.enc.xml;",
	    "[--delta --key *****]"
	    "http://my_http_server/config-mpp-delta.enc.xml;");
	assert_mask("[--toets a --sleutel b --uid u --pwd c --wachtwoord d "
	    "--md md5]http://h/x", "[--toets ***** --sleutel ***** --uid u "
	    "--pwd ***** --wachtwoord ***** --md md5]http://h/x");
	/* Quoted values go whole, quotes and escapes with them */
	assert_mask("[--key \"a b\\\" ]c\" --delta]h/x",
	    "[--key ***** --delta]h/x");
	assert_mask("\n  [--delta --KEY\n\t\"x\"]h/x\n  [--status]h/y\n",
	    "\n  [--delta --KEY\n\t*****]h/x\n  [--status]h/y\n");
	/* Nothing to hide: unchanged, key-looking URLs included */
	assert_mask("", "");
	assert_mask("[--delta]http://h/--key/x", "[--delta]http://h/--key/x");
	assert_mask("[--uid --key]h/x", "[--uid --key]h/x");
	assert_mask("[--key --delta]h/x", "[--key --delta]h/x");
	/* The key is hidden where it is a key, not where it is a URL */
	assert_mask("[--key h]h/x", "[--key *****]h/x");
	/* ";[" separates in the mask too */
	assert_mask("http://a/x;[--status --key k]http://a/y",
	    "http://a/x;[--status --key *****]http://a/y");
	/* The password in a URL's user information */
	assert_mask("[--delta]https://u:p4ss@h.example:8443/x?a=b@c",
	    "[--delta]https://u:*****@h.example:8443/x?a=b@c");
	assert_mask("http://u@h/x http://h/x@y:z", "http://u@h/x http://h/x@y:z");
	assert_null(NULL);
	m = rule_mask_secrets(NULL);
	assert_non_null(m);
	assert_string_equal(m, "");
	free(m);
}

/* Text that does not parse is hidden all the same, towards hiding more. */
static void
test_mask_broken(void **state)
{
	(void)state;
	assert_mask("[--key \"unterminated secret]h/x [--status]h/y",
	    "[--key *****");
	assert_mask("[--key secret", "[--key *****");
	assert_mask("[--key", "[--key");
	assert_mask("[--key=secret]h/x", "[--key=*****]h/x");
	assert_mask("[--pwd=\"se cret\" --delta]h/x",
	    "[--pwd=***** --delta]h/x");
	assert_mask("[--toets=\"se cret", "[--toets=*****");
	assert_mask("[--key\"se cret\" --delta]h/x", "[--key***** --delta]h/x");
	assert_mask("[--KEYsecret]h/x", "[--KEY*****]h/x");
	assert_mask("--pwd:secret h/x", "--pwd***** h/x");
	/* A key written with a space: both words go */
	assert_mask("[--key my secret]h/x", "[--key ***** *****]h/x");
	assert_mask("[--kye secret]h/x", "[--kye *****]h/x");
	assert_mask("[\"stray quoted\" --delta]h/x", "[***** --delta]h/x");
	/* Look-alike dashes and case */
	assert_mask("[\xe2\x80\x93key secret]h/x", "[\xe2\x80\x93key *****]h/x");
	assert_mask("[\xe2\x80\x94Wachtwoord secret]h/x",
	    "[\xe2\x80\x94Wachtwoord *****]h/x");
	assert_mask("[-KEY secret]h/x", "[-KEY *****]h/x");
	/* No brackets at all */
	assert_mask("--key secret http://h/x", "--key ***** http://h/x");
	assert_mask("--key \"se cret\" http://h/x", "--key ***** http://h/x");
	assert_mask("--key [--delta]h/x", "--key [--delta]h/x");
	/* A key that begins with dashes still goes */
	assert_mask("[--key --secret]h/x", "[--key *****]h/x");
	assert_mask("[--key -pwd]h/x", "[--key *****]h/x");
	assert_mask("[--key \xe2\x80\x93pwd]h/x", "[--key *****]h/x");
	/* Brackets in odd places */
	assert_mask("]]] [--key a]]", "]]] [--key *****]]");
	assert_mask("[[[--key a", "[***** *****");
	assert_mask("[--delta [--key a]h/x", "[--delta ***** *****]h/x");
}

static void
test_mask_huge(void **state)
{
	char	*big, *m;
	size_t	 n = 1024 * 1024, i;

	(void)state;
	assert_non_null(big = malloc(n + 1));
	/* Unterminated quotes everywhere: linear, hides to the end */
	memcpy(big, "[--key \"", 8);
	memset(big + 8, 'x', n - 8);
	big[n] = '\0';
	assert_non_null(m = rule_mask_secrets(big));
	assert_string_equal(m, "[--key *****");
	free(m);
	/* Ten thousand keyed entries: every one hidden */
	for (i = 0; i + 16 <= n; i += 16)
		memcpy(big + i, "[--key SECR]h/x ", 16);
	big[i] = '\0';
	assert_non_null(m = rule_mask_secrets(big));
	assert_null(strstr(m, "SECR"));
	assert_int_equal(strlen(m), i / 16 * 17);
	free(m);
	free(big);
}

static void
test_kind_name(void **state)
{
	(void)state;
	assert_string_equal(report_kind_name(REPORT_FULL), "full");
	assert_string_equal(report_kind_name(REPORT_DELTA), "delta");
	assert_string_equal(report_kind_name(REPORT_STATUS), "status");
}

/* rule_clear on a cleared or empty rule is harmless. */
static void
test_clear(void **state)
{
	struct rule	 r;

	(void)state;
	memset(&r, 0, sizeof r);
	rule_clear(&r);
	parse_ok("[--key k --uid u --pwd p]http://h/x h/y", &r, 2);
	rule_clear(&r);
	assert_int_equal(r.n, 0);
	assert_null(r.e[0].url);
	rule_clear(&r);
}

/* Every allocation may fail: an error, nothing leaked, nothing half-done. */
static void
test_fail_malloc(void **state)
{
	static const char	*text = "[--delta --key \"k y\" --uid u "
				    "--pwd p]http://h/$MA/x\n"
				    "[--status --toets $MA]/$(MA:0:6).xml";
	struct rule		 r;
	char			 err[CR_ERRLEN];
	char			*m;
	long			 n;
	int			 rc;

	(void)state;
	if (!failmalloc_active())
		skip();
	for (n = 0;; n++) {
		failmalloc_after(n);
		rc = rule_parse(text, &r, err);
		failmalloc_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -1);
		assert_string_equal(err, "out of memory");
		assert_int_equal(r.n, 0);
		assert_null(r.e[0].url);
	}
	assert_true(n >= 6);
	rule_clear(&r);

	for (n = 0;; n++) {
		parse_ok(text, &r, 2);
		failmalloc_after(n);
		rc = rule_resolve(&r, lookup, NULL, "t.example", err);
		failmalloc_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -1);
		assert_non_null(strstr(err, "out of memory"));
		assert_string_equal(r.e[0].url, "http://h/$MA/x");
		assert_string_equal(r.e[1].url, "/$(MA:0:6).xml");
		assert_string_equal(r.e[1].key, "$MA");
		rule_clear(&r);
	}
	assert_true(n >= 6);
	assert_string_equal(r.e[0].url, "http://h/000e08aabbcc/x");
	assert_string_equal(r.e[1].url, "tftp://t.example/000e08.xml");
	rule_clear(&r);

	for (n = 0;; n++) {
		failmalloc_after(n);
		m = rule_mask_secrets(text);
		failmalloc_after(-1);
		if (m != NULL)
			break;
	}
	assert_true(n >= 1);
	assert_null(strstr(m, "k y"));
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_examples),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_do_not_echo),
		cmocka_unit_test(test_adversarial),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_errors),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_mask_broken),
		cmocka_unit_test(test_mask_huge),
		cmocka_unit_test(test_kind_name),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_fail_malloc),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
