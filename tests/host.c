/*
 * host — a program embedding libcfgreport as a host would, linked with the
 * public library only (never the internal one): built as C and as C++ by
 * make check (run by tests/integ/library_host.sh), and against an
 * installed tree with pkg-config alone (tests/installcheck.sh).
 *
 * It defines functions of its own named like libcfgreport's internals;
 * they must link beside the library and the library must not call them
 * (docs/library.md).  Then it creates an agent in STATEDIR, sets one
 * parameter, reads it back, asks for info and frees the agent.
 *
 *   host STATEDIR
 *
 * Valid C and C++ (tests/host_cxx.cc includes it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include <cfgreport.h>

#ifdef __cplusplus
extern "C" {
#endif
/* Not prototyped in any header of ours: the host's own, C linkage. */
int	b64_encode(int);
int	rule_parse(int);
int	store_open(int);
int	transfer_start(int);
void	*params_new(void);
void	 log_info(const char *, ...);
#ifdef __cplusplus
}
#endif

static int	host_calls;

int b64_encode(int x) { host_calls++; return x + 1; }
int rule_parse(int x) { host_calls++; return x + 2; }
int store_open(int x) { host_calls++; return x + 3; }
int transfer_start(int x) { host_calls++; return x + 4; }
/* The library's params_new returning NULL would fail every batch. */
void *params_new(void) { host_calls++; return NULL; }
void log_info(const char *fmt, ...) { host_calls++; (void)fmt; }

static int
fail(const char *what, const char *err)
{
	fprintf(stderr, "host: %s: %s\n", what, err);
	return 1;
}

int
main(int argc, char *argv[])
{
	static const uint8_t	 mac[6] = { 0x00, 0x0e, 0x08, 0x12, 0x34, 0x56 };
	const char		*names[1] = { "Station_Name" };
	const char		*values[1] = { "Host test" };
	struct cfgreport_config	 cfg;
	struct event_base	*base;
	struct cfgreport	*a;
	char			 err[CFGREPORT_ERRLEN];
	char			*got, *info;
	int			 rv = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: host STATEDIR\n");
		return 2;
	}
	if (b64_encode(0) != 1 || rule_parse(0) != 2 || store_open(0) != 3 ||
	    transfer_start(0) != 4 || params_new() != NULL)
		return fail("own functions", "wrong results");
	log_info("%d", 0);
	if (host_calls != 6)
		return fail("own functions", "not called");

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((base = event_base_new()) == NULL)
		return fail("event_base_new", "failed");
	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = argv[1];
	cfg.mac = mac;
	if ((a = cfgreport_new(base, &cfg, err)) == NULL)
		return fail("cfgreport_new", err);
	if (cfgreport_set(a, CFGREPORT_LOCAL, 1, names, values, err) == -1)
		rv = fail("cfgreport_set", err);
	else if ((got = cfgreport_get(a, 1, names, err)) == NULL)
		rv = fail("cfgreport_get", err);
	else {
		if (strcmp(got, "Station_Name=Host test\n") != 0)
			rv = fail("cfgreport_get", got);
		free(got);
	}
	if ((info = cfgreport_info(a)) == NULL)
		rv = fail("cfgreport_info", "NULL");
	else {
		if (strstr(info, "00:0e:08:12:34:56") == NULL &&
		    strstr(info, "000e08123456") == NULL)
			rv = fail("cfgreport_info: no MAC", info);
		free(info);
	}
	cfgreport_free(a);
	event_base_free(base);
	curl_global_cleanup();
	if (host_calls != 6)
		return fail("library", "called the host's functions");
	if (rv == 0)
		printf("host: ok\n");
	return rv;
}
