/*
 * bench_round.c — what one agent costs its host per report round and per
 * batch, measured through the public library (cfgreport.h) the way a host
 * drives it (tests/bench/round.sh).
 *
 *	bench_round [-n NAMES] round|set|all PROFILE STATEDIR
 *
 * Creates an agent on its own event_base from PROFILE (gen_profile.sh
 * writes one whose Report Rule has a --key full entry against a running
 * receiver) on a STATEDIR that must not hold a state yet, with the MAC
 * 00:0e:08:aa:bb:cc, no SIP and no control socket.  It lets the start-up
 * round finish first, so what is measured is the round of a settled agent,
 * as a device's would be; then:
 *
 *   round  cfgreport_report(CFGREPORT_FULL) and the loop until the upload
 *          is answered: build, encrypt, hand to curl, send, the reply;
 *   set    one cfgreport_set batch of NAMES (default 100) existing
 *          parameters, source local: checked, applied, written durably
 *          (the state file is fsync'ed: that is the point);
 *   all    both, round first.
 *
 * Each measured part is a function of its own (bench_report: the call
 * that builds, encrypts and hands the body to curl; bench_full_round: that
 * and the loop until the answer; bench_set: the batch), so
 * `valgrind --tool=callgrind --toggle-collect=FUNCTION` counts it alone.
 *
 * Built with -DBENCH_HEAP (tests/bench/bench_round_heap), the program also
 * counts every byte the process's heap holds (see below) and prints the
 * heap at rest before the round, its peak during the round and during the
 * batch, against the goal: a round's peak below rest plus twice the full
 * report's size.
 *
 * The end of an upload is noticed through the host's log callback (the
 * agent logs every result); the agent's own `info` then confirms that
 * nothing is in flight and the last result was a success.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "proto.h"
#include "cfgreport.h"

#define BENCH_DEADLINE	120	/* seconds for any wait: valgrind is slow */
#define BENCH_NOINLINE	__attribute__((noinline))

#ifdef __GLIBC__
#include <malloc.h>
#endif

/* A sanitizer owns malloc: a counting one would take its place. */
#if defined(__SANITIZE_ADDRESS__)
#undef BENCH_HEAP
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#undef BENCH_HEAP
#endif
#endif

#ifdef BENCH_HEAP

/*
 * Every allocation of the process — ours, libcurl's, wolfSSL's, mxml's,
 * libevent's, libc's own — comes here: an executable's malloc interposes
 * on libc's for every shared library, and glibc's __libc_* entry points
 * do the work.  Counting malloc_usable_size gives the bytes the heap
 * holds for the program, without malloc's headers or free lists: the
 * figure a lighter allocator could approach, not the RSS.  The counters
 * are atomic in case libcurl ever starts its resolver thread.
 */
extern void	*__libc_malloc(size_t);
extern void	*__libc_calloc(size_t, size_t);
extern void	*__libc_realloc(void *, size_t);
extern void	 __libc_free(void *);
extern void	*__libc_memalign(size_t, size_t);

static size_t	heap_live;
static size_t	heap_peak;

static void
heap_add(void *p)
{
	size_t	cur, peak;

	if (p == NULL)
		return;
	cur = __atomic_add_fetch(&heap_live, malloc_usable_size(p),
	    __ATOMIC_RELAXED);
	peak = __atomic_load_n(&heap_peak, __ATOMIC_RELAXED);
	while (cur > peak && !__atomic_compare_exchange_n(&heap_peak, &peak,
	    cur, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void
heap_sub(void *p)
{
	if (p != NULL)
		__atomic_sub_fetch(&heap_live, malloc_usable_size(p),
		    __ATOMIC_RELAXED);
}

void *
malloc(size_t n)
{
	void	*p = __libc_malloc(n);

	heap_add(p);
	return p;
}

void *
calloc(size_t n, size_t size)
{
	void	*p = __libc_calloc(n, size);

	heap_add(p);
	return p;
}

void *
realloc(void *old, size_t n)
{
	size_t	 was = old != NULL ? malloc_usable_size(old) : 0;
	void	*p = __libc_realloc(old, n);

	/* NULL with N > 0 is a failure: OLD is still there. */
	if (p == NULL && n != 0)
		return NULL;
	__atomic_sub_fetch(&heap_live, was, __ATOMIC_RELAXED);
	heap_add(p);
	return p;
}

void
free(void *p)
{
	heap_sub(p);
	__libc_free(p);
}

/* The aligned forms too: their blocks come back through free. */
void *
memalign(size_t align, size_t n)
{
	void	*p = __libc_memalign(align, n);

	heap_add(p);
	return p;
}

void *
aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

int
posix_memalign(void **pp, size_t align, size_t n)
{
	void	*p;

	if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0)
		return EINVAL;
	if ((p = memalign(align, n)) == NULL)
		return ENOMEM;
	*pp = p;
	return 0;
}

void *
valloc(size_t n)
{
	return memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

void *
pvalloc(size_t n)
{
	size_t	page = (size_t)sysconf(_SC_PAGESIZE);

	return memalign(page, (n + page - 1) / page * page);
}

static size_t
heap_now(void)
{
	return __atomic_load_n(&heap_live, __ATOMIC_RELAXED);
}

/* Start a new peak from what is live now; returns that. */
static size_t
heap_reset_peak(void)
{
	size_t	cur = heap_now();

	__atomic_store_n(&heap_peak, cur, __ATOMIC_RELAXED);
	return cur;
}

static size_t
heap_peak_since(void)
{
	return __atomic_load_n(&heap_peak, __ATOMIC_RELAXED);
}
#endif /* BENCH_HEAP */

struct bench {
	struct event_base	*base;
	struct cfgreport	*agent;
	struct event		*deadline;
#ifdef BENCH_HEAP
	size_t			 heap_built;	/* peak building and encrypting */
	size_t			 heap_handed;	/* live once curl has the body */
#endif
	unsigned		 want;		/* uploads to wait for */
	unsigned		 done;
	unsigned		 failed;
	size_t			 last_bytes;	/* body bytes of the last one */
	int			 timed_out;
};

static void __attribute__((noreturn))
die(const char *what, const char *why)
{
	fprintf(stderr, "bench_round: %s: %s\n", what, why);
	exit(1);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The agent logs each upload's end as "upload KIND URL: RESULT, N bytes,
 * S s" (and a failure to start as "upload KIND URL: failed: ...").  Only
 * a wake-up: bench_settled checks the outcome through info.
 */
static void
bench_log(void *arg, int prio, const char *msg)
{
	struct bench	*b = arg;
	const char	*p;

	if (prio <= LOG_WARNING)
		fprintf(stderr, "bench_round: agent: %s\n", msg);
	if (strncmp(msg, "upload ", 7) != 0)
		return;
	if (strstr(msg, ": ok (") == NULL)
		b->failed++;
	if ((p = strstr(msg, " bytes, ")) != NULL) {
		while (p > msg && p[-1] >= '0' && p[-1] <= '9')
			p--;
		b->last_bytes = strtoul(p, NULL, 10);
	}
	if (++b->done >= b->want)
		event_base_loopbreak(b->base);
}

static void
bench_deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct bench	*b = arg;

	b->timed_out = 1;
	event_base_loopbreak(b->base);
}

/* Run the loop until N more uploads have ended. */
static void
bench_wait(struct bench *b, unsigned n)
{
	struct timeval	tv = { BENCH_DEADLINE, 0 };

	b->want = b->done + n;
	event_add(b->deadline, &tv);
	while (b->done < b->want && !b->timed_out)
		if (event_base_loop(b->base, 0) == 1)
			break;	/* nothing left to wait for */
	event_del(b->deadline);
}

/* Count lines of the agent's info that start with PREFIX. */
static unsigned
bench_info_count(struct bench *b, const char *prefix)
{
	char		*info, *line, *next;
	unsigned	 n = 0;

	if ((info = cfgreport_info(b->agent)) == NULL)
		die("info", "out of memory");
	for (line = info; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		while (*line == ' ')
			line++;
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			n++;
	}
	free(info);
	return n;
}

/* After a wait: everything answered, nothing failed, nothing in flight. */
static void
bench_settled(struct bench *b, const char *what)
{
	if (b->timed_out)
		die(what, "no answer in time (is the receiver running?)");
	if (b->done < b->want)
		die(what, "the loop ran out of events before the upload ended");
	if (b->failed > 0)
		die(what, "an upload failed (see the agent's message above)");
	if (bench_info_count(b, "in-flight yes") != 0)
		die(what, "an upload is still in flight");
	if (bench_info_count(b, "last-result ok") !=
	    bench_info_count(b, "destination "))
		die(what, "a destination's last upload did not succeed");
}

/*
 * Ask for the round, then one pass of the loop, which runs it (rounds run
 * from a zero-length event): build, encrypt and hand to curl.
 */
static BENCH_NOINLINE void
bench_report(struct bench *b)
{
	char	err[CFGREPORT_ERRLEN];

	if (cfgreport_report(b->agent, CFGREPORT_FULL, err) == -1)
		die("report", err);
	event_base_loop(b->base, EVLOOP_NONBLOCK);
}

/* A whole round: the above, then the loop until the server answered. */
static BENCH_NOINLINE void
bench_full_round(struct bench *b)
{
	bench_report(b);
#ifdef BENCH_HEAP
	/* Split the peak: the document's making, then the transfer's. */
	b->heap_built = heap_peak_since();
	b->heap_handed = heap_reset_peak();
#endif
	bench_wait(b, 1);
}

static BENCH_NOINLINE void
bench_set(struct bench *b, size_t n, const char *const *names,
    const char *const *values)
{
	char	err[CFGREPORT_ERRLEN];

	if (cfgreport_set(b->agent, CFGREPORT_LOCAL, n, names, values,
	    err) == -1)
		die("set", err);
}

/* A field of /proc/self/status, in kB, or -1. */
static long
bench_status_kb(const char *field)
{
	FILE	*f;
	char	 line[256];
	size_t	 len = strlen(field);
	long	 v = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int
bench_pickable(const struct param *pa)
{
	return settings_default(pa->name) == NULL &&
	    !settings_is_secret(pa->name) && pa->value != NULL;
}

/*
 * NAMES parameters of PATH's profile to change, spread evenly over it:
 * phone parameters only (an agent setting's new value would have to be
 * valid for it, and would re-plan or re-arm), no secrets.
 */
static size_t
bench_pick(const char *path, size_t want, char ***namesp, char ***valuesp)
{
	struct params	*p;
	FILE		*f;
	char		*doc, **names, **values, err[CR_ERRLEN];
	size_t		 len, i, n = 0, m = 0, e = 0;
	long		 size;

	if ((f = fopen(path, "r")) == NULL)
		die(path, strerror(errno));
	if (fseek(f, 0, SEEK_END) == -1 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		die(path, strerror(errno));
	if ((doc = malloc((size_t)size + 1)) == NULL)
		die(path, "out of memory");
	len = fread(doc, 1, (size_t)size, f);
	fclose(f);
	if ((p = profile_parse(doc, len, NULL, NULL, err)) == NULL)
		die(path, err);
	free(doc);

	if ((names = calloc(want, sizeof *names)) == NULL ||
	    (values = calloc(want, sizeof *values)) == NULL)
		die("names", "out of memory");
	for (i = 0; i < params_count(p); i++)
		if (bench_pickable(params_at(p, i)))
			m++;
	/* The e-th pickable one is taken when e reaches n * m / want. */
	for (i = 0; i < params_count(p) && n < want; i++) {
		const struct param *pa = params_at(p, i);

		if (!bench_pickable(pa))
			continue;
		if (e++ != n * m / want)
			continue;
		if ((names[n] = strdup(pa->name)) == NULL ||
		    asprintf(&values[n], "changed by bench_round %zu", n) == -1)
			die("names", "out of memory");
		n++;
	}
	params_free(p);
	if (n < want)
		die(path, "too few parameters to change");
	*namesp = names;
	*valuesp = values;
	return n;
}

int
main(int argc, char *argv[])
{
	static const uint8_t	 mac[6] = { 0x00, 0x0e, 0x08, 0xaa, 0xbb,
				    0xcc };
	struct cfgreport_config	 cfg;
	struct bench		 b;
	const char		*mode;
	char			**names = NULL, **values = NULL, *dump;
	char			 err[CFGREPORT_ERRLEN];
	size_t			 nnames = 100, report_len, i;
	long			 rss0, rss1;
	double			 t;
	int			 ch, do_round, do_set;
#ifdef BENCH_HEAP
	size_t			 rest, peak, sent, after;
#endif

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		switch (ch) {
		case 'n':
			nnames = strtoul(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 3)
		goto usage;
	mode = argv[optind];
	do_round = strcmp(mode, "round") == 0 || strcmp(mode, "all") == 0;
	do_set = strcmp(mode, "set") == 0 || strcmp(mode, "all") == 0;
	if ((!do_round && !do_set) || nnames == 0)
		goto usage;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		die("curl_global_init", "failed");
	memset(&b, 0, sizeof b);
	if ((b.base = event_base_new()) == NULL ||
	    (b.deadline = evtimer_new(b.base, bench_deadline_cb, &b)) == NULL)
		die("libevent", "out of memory");
	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = argv[optind + 2];
	cfg.profile_path = argv[optind + 1];
	cfg.mac = mac;
	/* HTTPS rounds (tests/device/round_tls.sh): the receiver's CA. */
	cfg.ca_file = getenv("BENCH_CA_FILE");
	cfg.log = bench_log;
	cfg.log_arg = &b;
	if ((b.agent = cfgreport_new(b.base, &cfg, err)) == NULL)
		die("cfgreport_new", err);

	/* The start-up round: every destination once. */
	bench_wait(&b, bench_info_count(&b, "destination "));
	bench_settled(&b, "start-up round");

	if (do_round) {
		rss0 = bench_status_kb("RssAnon");
#ifdef BENCH_HEAP
		rest = heap_reset_peak();
#endif
		t = now();
		bench_full_round(&b);
		t = now() - t;
#ifdef BENCH_HEAP
		sent = heap_peak_since();
		peak = b.heap_built > sent ? b.heap_built : sent;
		after = heap_now();
#endif
		bench_settled(&b, "round");
		rss1 = bench_status_kb("RssAnon");
		/* The full report as sent, before encryption: dump is it. */
		if ((dump = cfgreport_dump(b.agent)) == NULL)
			die("dump", "out of memory");
		report_len = strlen(dump);
		free(dump);
		printf("round: full report %zu bytes, body sent %zu bytes "
		    "(aes-256-cbc), %.1f ms\n", report_len, b.last_bytes,
		    t * 1000);
		printf("round: RssAnon %ld kB before, %ld kB after; "
		    "VmHWM %ld kB; threads %ld\n", rss0, rss1,
		    bench_status_kb("VmHWM"), bench_status_kb("Threads"));
#ifdef BENCH_HEAP
		printf("heap: at rest %zu, peak in round %zu (+%zu bytes = "
		    "%.2f x the report); goal below rest + 2 x report "
		    "(+%zu): %s\n", rest, peak, peak - rest,
		    (double)(peak - rest) / (double)report_len,
		    2 * report_len, peak - rest < 2 * report_len ? "met" :
		    "NOT met");
		printf("heap: over rest, peak building and encrypting +%zu, "
		    "handed to curl +%zu, peak in the transfer +%zu\n",
		    b.heap_built - rest, b.heap_handed - rest, sent - rest);
		printf("heap: %zu after the round (%+ld bytes kept)\n", after,
		    (long)(after - rest));
#endif
	}
	if (do_set) {
		/* Only now: the names must not weigh on the round's figures. */
		nnames = bench_pick(argv[optind + 1], nnames, &names, &values);
#ifdef BENCH_HEAP
		rest = heap_reset_peak();
#endif
		t = now();
		bench_set(&b, nnames, (const char *const *)names,
		    (const char *const *)values);
		t = now() - t;
#ifdef BENCH_HEAP
		peak = heap_peak_since();
#endif
		printf("set: %zu names, %.1f ms (fsync'ed state write "
		    "included)\n", nnames, t * 1000);
#ifdef BENCH_HEAP
		printf("heap: peak in set +%zu bytes over rest %zu\n",
		    peak - rest, rest);
#endif
		for (i = 0; i < nnames; i++) {
			free(names[i]);
			free(values[i]);
		}
		free(names);
		free(values);
	}

#ifdef __GLIBC__
	/*
	 * How much of the resident heap is free memory malloc kept rather
	 * than live data: what an idle agent could give back.
	 */
	rss0 = bench_status_kb("RssAnon");
	malloc_trim(0);
	printf("end: RssAnon %ld kB, %ld kB after malloc_trim(0)\n", rss0,
	    bench_status_kb("RssAnon"));
#endif
	cfgreport_free(b.agent);
	event_free(b.deadline);
	event_base_free(b.base);
	curl_global_cleanup();
	return 0;
usage:
	fprintf(stderr, "usage: bench_round [-n NAMES] round|set|all PROFILE "
	    "STATEDIR\n");
	return 2;
}
