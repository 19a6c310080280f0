/*
 * transfer_drive.c — runs uploads through transfer.c on a fresh event_base
 * so the integration scripts can aim it at real servers:
 *
 *	transfer_drive [-m PUT|POST] [-t TYPE] [-e ENCODING] [-u USER]
 *	    [-p PASSWORD] [-A CAFILE] [--client-cert PEM] [--client-key PEM]
 *	    [-c CONNECT_S] [-T TOTAL_S] [--ticks] [--tftp-plain]
 *	    URL FILE [URL FILE ...]
 *
 * All uploads start at once.  Each result is one line, in the order they
 * finish:
 *	result N ok=1 http=201 curl=0 bytes=812 seconds=0.004 error=
 * then "ticks=N" with --ticks (a 100 ms repeating timer: proof that the loop
 * kept serving other events while transfers were in flight), and
 * "idle_events=N", the events still added on the base once the last upload
 * finished (0: the context leaves no timer or socket watch behind).
 * Exit 0 when every upload succeeded, 1 when one failed, 2 on usage or
 * start errors.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "proto.h"
#include "agent.h"

struct drive {
	struct event_base	*base;
	struct transfer_ctx	*ctx;
	struct event		*tick;
	unsigned long		 ticks;
	int			 failed;
	int			 idle_events;
};

struct upload {
	struct drive	*d;
	int		 n;
};

static void
usage(void)
{
	fprintf(stderr, "usage: transfer_drive [-m PUT|POST] [-t TYPE] "
	    "[-e ENCODING] [-u USER] [-p PASSWORD]\n"
	    "    [-A CAFILE] [--client-cert PEM] [--client-key PEM] "
	    "[-c SECONDS] [-T SECONDS]\n"
	    "    [--ticks] [--tftp-plain] URL FILE [URL FILE ...]\n");
	exit(2);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct drive	*d = arg;

	d->ticks++;
}

static void
done(void *arg, const struct transfer_result *r)
{
	struct upload	*u = arg;
	struct drive	*d = u->d;

	printf("result %d ok=%d http=%ld curl=%d bytes=%zu seconds=%.3f "
	    "error=%s\n", u->n, r->ok, r->http_code, r->curl_code, r->bytes,
	    r->seconds, r->error);
	fflush(stdout);
	if (!r->ok)
		d->failed = 1;
	if (transfer_count(d->ctx) == 0) {
		/*
		 * Nothing of ours is left but the tick: with it gone the loop
		 * must have nothing at all, and dispatch returns by itself.
		 */
		if (d->tick != NULL)
			event_del(d->tick);
		d->idle_events = event_base_get_num_events(d->base,
		    EVENT_BASE_COUNT_ADDED);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "client-cert",	required_argument, NULL, 'C' },
		{ "client-key",		required_argument, NULL, 'K' },
		{ "ticks",		no_argument, NULL, 'k' },
		{ "tftp-plain",		no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	struct transfer_opts	 opts;
	struct transfer_req	 req;
	struct drive		 d;
	struct upload		*ups;
	struct timeval		 tv = { 0, 100 * 1000 };
	const char		*type = "application/xml", *enc = NULL;
	const char		*user = NULL, *pass = NULL;
	enum transfer_method	 method = TRANSFER_PUT;
	char			 err[CR_ERRLEN];
	int			 ch, i, n, ticks = 0, plain = 0;

	memset(&opts, 0, sizeof opts);
	memset(&d, 0, sizeof d);
	while ((ch = getopt_long(argc, argv, "A:c:e:m:p:t:T:u:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'A':
			opts.ca_file = optarg;
			break;
		case 'C':
			opts.client_cert = optarg;
			break;
		case 'K':
			opts.client_key = optarg;
			break;
		case 'c':
			opts.connect_timeout = strtol(optarg, NULL, 10);
			break;
		case 'T':
			opts.total_timeout = strtol(optarg, NULL, 10);
			break;
		case 'e':
			enc = optarg;
			break;
		case 'k':
			ticks = 1;
			break;
		case 'P':
			plain = 1;
			break;
		case 'm':
			if (strcmp(optarg, "PUT") == 0)
				method = TRANSFER_PUT;
			else if (strcmp(optarg, "POST") == 0)
				method = TRANSFER_POST;
			else
				usage();
			break;
		case 'p':
			pass = optarg;
			break;
		case 't':
			type = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || argc % 2 != 0)
		usage();

	/* The program's job, once, as cfgreportd's main does it. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "curl_global_init failed\n");
		return 2;
	}
	if ((d.base = event_base_new()) == NULL) {
		fprintf(stderr, "event_base_new failed\n");
		return 2;
	}
	if ((d.ctx = transfer_ctx_new(d.base, &opts, err)) == NULL) {
		fprintf(stderr, "transfer_ctx_new: %s\n", err);
		return 2;
	}
	if (ticks) {
		d.tick = event_new(d.base, -1, EV_PERSIST, tick, &d);
		if (d.tick == NULL || event_add(d.tick, &tv) == -1) {
			fprintf(stderr, "tick timer failed\n");
			return 2;
		}
	}

	n = argc / 2;
	if ((ups = calloc(n, sizeof *ups)) == NULL) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		memset(&req, 0, sizeof req);
		req.url = argv[2 * i];
		req.method = method;
		req.content_type = type;
		req.content_encoding = enc;
		req.user = user;
		req.password = pass;
		req.tftp_plain = plain;
		req.body = (uint8_t *)fileio_read(argv[2 * i + 1],
		    64 * 1024 * 1024, &req.len, err);
		if (req.body == NULL) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
		ups[i].d = &d;
		ups[i].n = i + 1;
		if (transfer_start(d.ctx, &req, done, &ups[i], err) == NULL) {
			fprintf(stderr, "transfer_start: %s\n", err);
			return 2;
		}
	}

	/* Returns once nothing is left to wait for. */
	event_base_dispatch(d.base);

	if (ticks)
		printf("ticks=%lu\n", d.ticks);
	printf("idle_events=%d\n", d.idle_events);
	if (d.tick != NULL)
		event_free(d.tick);
	transfer_ctx_free(d.ctx);
	event_base_free(d.base);
	free(ups);
	curl_global_cleanup();
	return d.failed ? 1 : 0;
}
