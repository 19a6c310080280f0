/*
 * bench_baseline.c — the floor the idle agent is measured against: a
 * process that initialises the libraries cfgreportd uses, the way it uses
 * them, and then does nothing (tests/bench/idle.sh).
 *
 *	bench_baseline
 *
 * libcurl's global init, an event_base, a CURLM handle, wolfSSL's random
 * generator, Mini-XML (one tiny document parsed and freed), the same
 * signal events as cfgreportd, then the loop with one timer a day away.
 * Prints "ready PID" when it sleeps; SIGTERM ends it cleanly.  What
 * cfgreportd holds above this is the agent's own cost: its parameters,
 * its state, its plan, and what a finished round left behind.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <mxml.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

static void
baseline_far(evutil_socket_t fd, short ev, void *arg)
{
	/* A day has passed: nothing to do but sleep another one. */
}

static void
baseline_signal(evutil_socket_t sig, short ev, void *arg)
{
	event_base_loopbreak(arg);
}

int
main(void)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct event_base	*base;
	struct event		*far, *sigev[3];
	struct timeval		 day = { 86400, 0 };
	CURLM			*multi;
	WC_RNG			 rng;
	mxml_node_t		*doc;
	size_t			 i;

	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (base = event_base_new()) == NULL ||
	    (multi = curl_multi_init()) == NULL ||
	    wc_InitRng(&rng) != 0) {
		fprintf(stderr, "bench_baseline: initialisation failed\n");
		return 1;
	}
	/* Parsed once, as the agent parses its profile at start. */
	doc = mxmlLoadString(NULL, "<flat-profile><Line_Enable_1_ ua=\"rw\">"
	    "Yes</Line_Enable_1_></flat-profile>", MXML_OPAQUE_CALLBACK);
	if (doc == NULL) {
		fprintf(stderr, "bench_baseline: mxml failed\n");
		return 1;
	}
	mxmlDelete(doc);

	if ((far = evtimer_new(base, baseline_far, NULL)) == NULL ||
	    evtimer_add(far, &day) == -1)
		return 1;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		sigev[i] = evsignal_new(base, sigs[i], baseline_signal, base);
		if (sigev[i] == NULL || evsignal_add(sigev[i], NULL) == -1)
			return 1;
	}
	printf("ready %ld\n", (long)getpid());
	fflush(stdout);
	event_base_dispatch(base);

	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		event_free(sigev[i]);
	event_free(far);
	wc_FreeRng(&rng);
	curl_multi_cleanup(multi);
	event_base_free(base);
	curl_global_cleanup();
	return 0;
}
