/*
 * bench_store.c — what one small change costs the durable store, at any
 * profile size (tests/bench/store.sh counts instructions with callgrind
 * and bytes written with /proc/self/io; docs/store.md has the figures).
 *
 *	bench_store DIR [PARAMS [SETS [ACKS]]]
 *
 * Makes a fresh store in DIR (which must not hold one), gives it a
 * baseline of PARAMS parameters (default 2000) and one delta destination,
 * then:
 *   - SETS (default 100) one-name sets, each its own store_apply
 *     (bench_set);
 *   - ACKS (default 20) one-change delta rounds: a one-name set, the
 *     delta's names, and the acknowledgment (bench_ack);
 *   - closes and reopens the store (bench_reopen), which replays whatever
 *     the journal holds.
 * Prints the bytes written (wchar) per set and per round, the worst
 * average over 1,000 consecutive sets (a window holding a compaction),
 * the files' sizes and the wall time per set.  Uses only the store's interface, so
 * the same program measures any version of the store.
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

/* The window the worst bytes written per set are averaged over. */
#define WINDOW	1000

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

/* Bytes this process handed to write(2) and friends so far. */
static unsigned long long
wchar(void)
{
	FILE			*f;
	char			 line[128];
	unsigned long long	 n = 0;

	if ((f = fopen("/proc/self/io", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "wchar: %llu", &n) == 1)
			break;
	}
	fclose(f);
	return n;
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

/* Their own functions, so that callgrind can count each alone. */
static struct store *__attribute__((noinline))
bench_reopen(const char *dir)
{
	return bench_open(dir);
}

static void __attribute__((noinline))
bench_set(struct store *s, const struct params *b)
{
	char	err[CR_ERRLEN];

	if (store_apply(s, b, NULL, err) == -1)
		die("apply", err);
}

static void __attribute__((noinline))
bench_ack(struct store *s, const char *key, uint64_t seq)
{
	char	err[CR_ERRLEN];

	if (store_dest_ack(s, key, seq, err) == -1)
		die("ack", err);
}

/* A one-name batch: NAME gets a value that differs from the last one. */
static struct params *
bench_batch(long name, long round)
{
	struct params	*b;
	char		 n[48], v[96], err[CR_ERRLEN];

	if ((b = params_new()) == NULL)
		die("batch", "out of memory");
	snprintf(n, sizeof n, "Line_%ld_Setting_", name);
	snprintf(v, sizeof v, "changed in round %ld", round);
	if (params_set(b, n, v, UA_KEEP, err) == -1)
		die("batch", err);
	return b;
}

static long long
fsize(const char *dir, const char *file)
{
	struct stat	sb;
	char		path[4096];

	snprintf(path, sizeof path, "%s/%s", dir, file);
	return stat(path, &sb) == -1 ? -1 : (long long)sb.st_size;
}

int
main(int argc, char **argv)
{
	struct store		*s;
	struct params		*p, *b, *names;
	const char		*key = "delta http://prov.example/bench.xml";
	char			 name[48], value[96], err[CR_ERRLEN];
	long			 nparams, sets, acks, i;
	unsigned long long	 w0, wset, wack, worst = 0, *after;
	uint64_t		 seq;
	double			 t0, t;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_store DIR [PARAMS [SETS "
		    "[ACKS]]]\n");
		return 2;
	}
	nparams = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
	sets = argc > 3 ? strtol(argv[3], NULL, 10) : 100;
	acks = argc > 4 ? strtol(argv[4], NULL, 10) : 20;
	if (nparams < 1)
		die("PARAMS", "at least 1");

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

	/* Bytes after each set, for the worst window of WINDOW sets. */
	if ((after = calloc((size_t)sets + 1, sizeof *after)) == NULL)
		die("sets", "out of memory");
	w0 = after[0] = wchar();
	t0 = now();
	for (i = 0; i < sets; i++) {
		b = bench_batch(i % nparams, i);
		bench_set(s, b);
		params_free(b);
		if (sets >= WINDOW)
			after[i + 1] = wchar();
	}
	t = sets > 0 ? (now() - t0) / (double)sets : 0;
	wset = wchar() - w0;
	for (i = WINDOW; i <= sets; i++) {
		if (after[i] - after[i - WINDOW] > worst)
			worst = after[i] - after[i - WINDOW];
	}
	free(after);

	w0 = wchar();
	for (i = 0; i < acks; i++) {
		b = bench_batch((i * 7) % nparams, sets + i);
		bench_set(s, b);
		params_free(b);
		if ((names = store_delta_names(s, key, &seq, err)) == NULL)
			die("delta", err);
		if (params_count(names) < 1)
			die("delta", "no change to report");
		params_free(names);
		bench_ack(s, key, seq);
	}
	wack = wchar() - w0;

	store_free(s);
	s = bench_reopen(argv[1]);
	if (worst > 0)
		printf("worst %d consecutive sets: %.0f bytes written per set\n",
		    WINDOW, (double)worst / WINDOW);
	printf("%ld parameters: %ld sets, %.0f bytes written per set, "
	    "%.3f ms per set; %ld rounds, %.0f bytes written per round "
	    "(set and ack); state %lld bytes, journal %lld bytes, seq %"
	    PRIu64 "\n", nparams, sets, sets > 0 ? (double)wset /
	    (double)sets : 0, t * 1000, acks, acks > 0 ? (double)wack /
	    (double)acks : 0, fsize(argv[1], "cfgreport.state"),
	    fsize(argv[1], "cfgreport.journal"), store_seq(s));
	store_free(s);
	return 0;
}
