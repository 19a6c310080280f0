/* test_netif.c — MAC spellings and interface discovery. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agent.h"

static const uint8_t want[6] = { 0x00, 0x0e, 0x08, 0xaa, 0xbb, 0xcc };

static void
test_parse_spellings(void **state)
{
	const char	*good[] = { "000e08aabbcc", "000E08AABBCC",
	    "00:0e:08:aa:bb:cc", "00-0E-08-AA-BB-CC", "00:0E:08:aa:BB:cc" };
	uint8_t		 mac[6];
	size_t		 i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		memset(mac, 0xff, sizeof mac);
		assert_int_equal(netif_parse_mac(good[i], mac), 0);
		assert_memory_equal(mac, want, 6);
	}
}

static void
test_parse_refused(void **state)
{
	const char	*bad[] = { "", "000e08aabbc", "000e08aabbccd",
	    "00:0e:08:aa:bb-cc", "00:0e:08:aa:bb:cg", "0:0e:08:aa:bb:cc:",
	    "00.0e.08.aa.bb.cc", "g00e08aabbcc", "00:0e:08:aa:bb:c",
	    "00 0e 08 aa bb cc" };
	uint8_t		 mac[6];
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(netif_parse_mac(bad[i], mac), -1);
}

static void
test_find_named(void **state)
{
	struct netif_info	ni;
	char			err[CR_ERRLEN] = "";

	/* Loopback has no hardware address. */
	assert_int_equal(netif_find("lo", &ni, err), -1);
	assert_non_null(strstr(err, "lo"));
	assert_int_equal(netif_find("no-such-if0", &ni, err), -1);
	assert_non_null(strstr(err, "no-such-if0"));
}

static void
test_find_first(void **state)
{
	struct netif_info	ni, again;
	char			err[CR_ERRLEN];
	static const uint8_t	zero[6];

	if (netif_find(NULL, &ni, err) == -1) {
		/* A namespace with only lo: the message must say what to do. */
		assert_non_null(strstr(err, "-m"));
		return;
	}
	assert_string_not_equal(ni.name, "lo");
	assert_memory_not_equal(ni.mac, zero, 6);
	/* The same interface found by name gives the same answer. */
	assert_int_equal(netif_find(ni.name, &again, err), 0);
	assert_memory_equal(ni.mac, again.mac, 6);
	assert_string_equal(ni.ip, again.ip);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_spellings),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_find_named),
		cmocka_unit_test(test_find_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
