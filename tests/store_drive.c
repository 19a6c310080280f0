/*
 * store_drive.c — drives the store for tests/integ/store_crash.sh, which
 * kills it with SIGKILL at random moments and then checks what survived.
 *
 *	store_drive init DIR N		baseline of N parameters Base_0..
 *	store_drive apply DIR		batches 1, 2, ... for ever; prints
 *					"acked N" once store_apply returned
 *	store_drive ack DIR		the same, each batch followed by
 *					store_dest_ack; prints "dest N" after it
 *	store_drive check DIR A D	the state holds exactly batches 1..L
 *					with L = A or A + 1, and the
 *					destination's number is in [D, L]
 *
 * The store compacts every ~20 batches (store_compact_at), so kills also
 * land while a snapshot and a new journal are written.
 *
 * Batch N sets K<N % 50>_a, K<N % 50>_b, K<N % 50>_c and Last to "N", so
 * the state after batches 1..L is known exactly: all three of a slot
 * carry the slot's latest batch number, as value and as change number.
 * Not a test by itself.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "agent.h"

#define DRIVE_SLOTS	50
#define DRIVE_DEST	"delta http://prov.example/crash.xml"
/* Journal bytes that trigger a compaction: one every ~20 batches. */
#define DRIVE_COMPACT	2048
/* A bound in case nobody kills us. */
#define DRIVE_MAX	1000000

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "store_drive: %s: %s\n", what, err);
	exit(1);
}

static struct store *
drive_open(const char *dir)
{
	struct store	*s;
	char		 err[CR_ERRLEN];

	if ((s = store_open(dir, err)) == NULL)
		die("open", err);
	/*
	 * The crash test must never see a damaged file; a torn last journal
	 * record (a batch the kill cut short) is expected and ignored.
	 */
	if (store_recovered(s) != NULL &&
	    strstr(store_recovered(s), "kept as") != NULL)
		die("open", store_recovered(s));
	/* Compact every few batches, so that kills land in compactions. */
	store_compact_at(s, DRIVE_COMPACT);
	return s;
}

static uint64_t
drive_last(const struct store *s)
{
	const struct param	*p = params_find(store_params(s), "Last");

	return p != NULL && p->value != NULL ?
	    strtoull(p->value, NULL, 10) : 0;
}

static void
drive_init(const char *dir, long n)
{
	struct store	*s = drive_open(dir);
	struct params	*p = params_new();
	char		 name[32], value[64], err[CR_ERRLEN];
	const char	*keys[] = { DRIVE_DEST };
	long		 i;

	if (!store_is_fresh(s))
		die("init", "not a fresh directory");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "Base_%ld", i);
		snprintf(value, sizeof value, "the value of parameter %ld", i);
		if (params_set(p, name, value, UA_RW, err) == -1)
			die("init", err);
	}
	if (store_baseline(s, p, NULL, err) == -1 ||
	    store_dest_retain(s, keys, 1, err) == -1)
		die("init", err);
	params_free(p);
	store_free(s);
}

static void
drive_run(const char *dir, int ack)
{
	struct store	*s = drive_open(dir);
	struct params	*b;
	char		 name[32], value[32], err[CR_ERRLEN];
	const char	*x;
	uint64_t	 n;

	/* Every line reaches the script before the next step starts. */
	setvbuf(stdout, NULL, _IONBF, 0);
	for (n = drive_last(s) + 1; n < DRIVE_MAX; n++) {
		if ((b = params_new()) == NULL)
			die("apply", "out of memory");
		snprintf(value, sizeof value, "%" PRIu64, n);
		for (x = "abc"; *x != '\0'; x++) {
			snprintf(name, sizeof name, "K%d_%c",
			    (int)(n % DRIVE_SLOTS), *x);
			if (params_set(b, name, value, UA_NONE, err) == -1)
				die("apply", err);
		}
		if (params_set(b, "Last", value, UA_NONE, err) == -1)
			die("apply", err);
		if (store_apply(s, b, NULL, err) == -1)
			die("apply", err);
		params_free(b);
		printf("acked %" PRIu64 "\n", n);
		if (ack) {
			if (store_dest_ack(s, DRIVE_DEST, store_seq(s),
			    err) == -1)
				die("ack", err);
			printf("dest %" PRIu64 "\n", store_seq(s));
		}
	}
	store_free(s);
}

static int
drive_check(const char *dir, uint64_t acked, uint64_t dacked)
{
	struct store		*s = drive_open(dir);
	const struct param	*p;
	char			 name[32], want[32];
	const char		*x;
	uint64_t		 last, slot, d;
	int			 bad = 0;

	last = drive_last(s);
	store_dest_acked(s, DRIVE_DEST, &d);
	printf("last %" PRIu64 " seq %" PRIu64 " dest %" PRIu64 "%s\n", last,
	    store_seq(s), d, store_recovered(s) != NULL ? " torn" : "");
	if (last < acked || last > acked + 1) {
		fprintf(stderr, "last batch %" PRIu64 ", acknowledged %"
		    PRIu64 "\n", last, acked);
		bad = 1;
	}
	/* One batch, one number: the store counted exactly these batches. */
	if (store_seq(s) != last) {
		fprintf(stderr, "seq %" PRIu64 " after %" PRIu64 " batches\n",
		    store_seq(s), last);
		bad = 1;
	}
	if (d < dacked || d > last) {
		fprintf(stderr, "destination at %" PRIu64 ", acknowledged %"
		    PRIu64 ", last %" PRIu64 "\n", d, dacked, last);
		bad = 1;
	}
	for (slot = 0; slot < DRIVE_SLOTS; slot++) {
		/* The latest batch <= last that wrote this slot, or none. */
		uint64_t n = last >= slot ?
		    last - (last - slot) % DRIVE_SLOTS : 0;

		snprintf(want, sizeof want, "%" PRIu64, n);
		for (x = "abc"; *x != '\0'; x++) {
			snprintf(name, sizeof name, "K%d_%c", (int)slot, *x);
			p = params_find(store_params(s), name);
			if (n == 0 ? p == NULL : p != NULL &&
			    p->value != NULL && strcmp(p->value, want) == 0 &&
			    p->seq == n)
				continue;
			fprintf(stderr, "%s: %s (change %" PRIu64 "), want "
			    "%s\n", name, p == NULL ? "absent" : p->value,
			    p == NULL ? 0 : p->seq, n == 0 ? "absent" : want);
			bad = 1;
		}
	}
	p = params_find(store_params(s), "Base_0");
	if (p == NULL || p->seq != 0) {
		fprintf(stderr, "Base_0: lost its baseline\n");
		bad = 1;
	}
	store_free(s);
	return bad;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "init") == 0)
		drive_init(argv[2], strtol(argv[3], NULL, 10));
	else if (argc == 3 && strcmp(argv[1], "apply") == 0)
		drive_run(argv[2], 0);
	else if (argc == 3 && strcmp(argv[1], "ack") == 0)
		drive_run(argv[2], 1);
	else if (argc == 5 && strcmp(argv[1], "check") == 0)
		return drive_check(argv[2], strtoull(argv[3], NULL, 10),
		    strtoull(argv[4], NULL, 10));
	else {
		fprintf(stderr, "usage: store_drive init DIR N | apply DIR | "
		    "ack DIR | check DIR ACKED DEST\n");
		return 2;
	}
	return 0;
}
