/*
 * bench_store.c — the cost of the store on a realistic device: a
 * 2,000-parameter state, batches of 100 names (tests/bench/store.sh counts
 * instructions with callgrind and system calls with strace).
 *
 *	bench_store DIR [BATCHES [PARAMS [NAMES]]]
 *
 * Makes a fresh store in DIR (which must not hold one), gives it a
 * baseline of PARAMS parameters (default 2000), applies BATCHES (default
 * 20) batches of NAMES (default 100) changed values each, then reopens
 * it once.  Prints the state's size and the wall time per batch.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto.h"
#include "agent.h"

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, err);
	exit(1);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct store *
bench_open(const char *dir)
{
	struct store	*s;
	char		 err[CR_ERRLEN];

	if ((s = store_open(dir, err)) == NULL)
		die("open", err);
	return s;
}

/* Its own function, so callgrind can count a loading open alone. */
static struct store *__attribute__((noinline))
bench_reopen(const char *dir)
{
	return bench_open(dir);
}

int
main(int argc, char **argv)
{
	struct store	*s;
	struct params	*p, *b;
	struct stat	 sb;
	const char	*key = "delta http://prov.example/bench.xml";
	char		 name[48], value[96], err[CR_ERRLEN];
	long		 batches, nparams, nnames, i, j;
	double		 t0, t;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_store DIR [BATCHES [PARAMS "
		    "[NAMES]]]\n");
		return 2;
	}
	batches = argc > 2 ? strtol(argv[2], NULL, 10) : 20;
	nparams = argc > 3 ? strtol(argv[3], NULL, 10) : 2000;
	nnames = argc > 4 ? strtol(argv[4], NULL, 10) : 100;

	s = bench_open(argv[1]);
	if (!store_is_fresh(s))
		die(argv[1], "holds a store already");
	/* Names and values of a desk phone's size. */
	p = params_new();
	for (i = 0; i < nparams; i++) {
		snprintf(name, sizeof name, "Line_%ld_Setting_", i);
		snprintf(value, sizeof value, "sip%ld.prov.example.net;"
		    "transport=udp;port=%ld", i % 7, 5060 + i % 100);
		if (params_set(p, name, value, UA_RW, err) == -1)
			die("profile", err);
	}
	if (store_baseline(s, p, NULL, err) == -1 ||
	    store_dest_retain(s, &key, 1, err) == -1)
		die("baseline", err);
	params_free(p);

	t0 = now();
	for (i = 0; i < batches; i++) {
		b = params_new();
		for (j = 0; j < nnames; j++) {
			snprintf(name, sizeof name, "Line_%ld_Setting_",
			    (i * nnames + j) % nparams);
			snprintf(value, sizeof value, "changed in batch %ld",
			    i);
			if (params_set(b, name, value, UA_KEEP, err) == -1)
				die("batch", err);
		}
		if (store_apply(s, b, NULL, err) == -1)
			die("apply", err);
		params_free(b);
	}
	t = batches > 0 ? (now() - t0) / (double)batches : 0;
	if (store_dest_ack(s, key, store_seq(s), err) == -1)
		die("ack", err);

	if (stat(store_path(s), &sb) == -1)
		die(store_path(s), strerror(errno));
	store_free(s);
	s = bench_reopen(argv[1]);
	printf("%ld parameters, %ld batches of %ld names: state %zu bytes, "
	    "%.3f ms per batch, seq %" PRIu64 "\n", nparams, batches, nnames,
	    (size_t)sb.st_size, t * 1000, store_seq(s));
	store_free(s);
	return 0;
}
