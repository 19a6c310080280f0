/*
 * cfgreportd — uploads configuration, delta and status reports of a desk
 * phone or ATA to its provisioning server.  See spec.md §11 for the flags.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "proto.h"
#include "agent.h"
#include "cfgreport.h"

#define SHUTDOWN_GRACE	5	/* seconds for uploads in flight (spec.md §11) */

/*
 * The same main, built as tests/agent_host, takes -t SCALE to run every
 * agent delay SCALE times as fast; cfgreportd itself never can, so an
 * operator cannot step outside spec.md's ranges.
 */
#ifdef CFGREPORTD_TEST_HOST
#define TEST_OPTS	"t:"
#else
#define TEST_OPTS	""
#endif

struct opts {
	int		 foreground;
	int		 verbose;
	int		 check;
	const char	*profile;
	const char	*statedir;
	const char	*ctlsock;
	const char	*sipaddr;
	long		 sipport;
	const char	*iface;
	const char	*mac;
	const char	*cafile;
	const char	*client_cert;
	const char	*client_key;
	double		 time_scale;	/* tests/agent_host only (-t) */
};

/* -h and --help: on stdout, exit 0; a bad command line: stderr, exit 1. */
static __attribute__((noreturn)) void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: cfgreportd [-d] [-v] [-n] -c PROFILE.xml [-s STATEDIR] "
	    "[-S CTLSOCKET]\n"
	    "                  [-p SIPPORT] [-b SIPADDR] [-i IFACE] [-m MAC] "
	    "[-A CAFILE]\n"
	    "                  [--client-cert PEM --client-key PEM]\n"
	    "       cfgreportd -h | --help | -V | --version\n");
	exit(status);
}

static void
check_warn(void *arg, const char *msg)
{
	fprintf(stderr, "warning: %s\n", msg);
}

/*
 * -n: load, validate, plan; one line per entry, then "configuration OK".
 * Every error is printed as "cfgreportd: WHAT: WHY" and exits 1.
 */
static int
check_config(const struct opts *o)
{
	struct params		*p;
	struct plan_settings	 set;
	struct plan		 pl;
	struct netif_info	 ni;
	struct macro_env	 env;
	char			 err[CR_ERRLEN];
	size_t			 i;
	int			 rv = 1;

	memset(&env, 0, sizeof env);
	/*
	 * -m overrides the MAC only: the IP still comes from the interface
	 * (-i, or the first one) when there is one.
	 */
	if (netif_find(o->iface, &ni, err) == -1) {
		if (o->iface != NULL || o->mac == NULL) {
			fprintf(stderr, "cfgreportd: %s\n", err);
			return 1;
		}
		ni.ip[0] = '\0';
	}
	if (o->mac != NULL && netif_parse_mac(o->mac, ni.mac) == -1) {
		fprintf(stderr, "cfgreportd: -m %s: not a MAC address "
		    "(000e08aabbcc or 00:0e:08:aa:bb:cc)\n", o->mac);
		return 1;
	}
	if ((p = config_load(o->profile, 1, check_warn, NULL, err)) == NULL) {
		fprintf(stderr, "cfgreportd: %s\n", err);
		return 1;
	}
	env.mac = ni.mac;
	env.ip = ni.ip[0] != '\0' ? ni.ip : NULL;
	env.params = p;
	/* The same settings and plan the agent derives, shown the same way. */
	if (plan_settings_parse(p, &set, err) == -1 ||
	    plan_build(&set, &env, &pl, err) == -1) {
		fprintf(stderr, "cfgreportd: %s\n", err);
		params_free(p);
		return 1;
	}
	if (pl.error[0] != '\0')
		fprintf(stderr, "cfgreportd: %s: %s\n", o->profile, pl.error);
	else {
		for (i = 0; i < pl.n; i++)
			printf("%s %s\n", pl.d[i].shown,
			    plan_enc_name(pl.d[i].enc));
		printf("configuration OK\n");
		rv = 0;
	}
	plan_clear(&pl);
	plan_settings_clear(&set);
	params_free(p);
	return rv;
}

struct daemon {
	struct event_base	*base;
	struct cfgreport	*agent;
	struct agent_ctl	*ctl;
#ifdef CFGREPORTD_TEST_HOST
	double			 scale;
	struct timespec		 t0;
	struct event		*tick;
#endif
};

#ifdef CFGREPORTD_TEST_HOST
/*
 * tests/agent_host: agent time runs 1/SCALE times as fast as the system's
 * monotonic clock, through the library's clock seam; a 2 ms tick tells
 * the agent its clock moved.
 */
#define TEST_TICK_US	2000

static double
test_monotonic(void *arg)
{
	struct daemon	*dm = arg;
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)(ts.tv_sec - dm->t0.tv_sec) +
	    (double)(ts.tv_nsec - dm->t0.tv_nsec) / 1e9) / dm->scale;
}

static void
test_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct daemon	*dm = arg;
	struct timeval	 tv = { 0, TEST_TICK_US };

	cfgreport_clock_moved(dm->agent);
	event_add(dm->tick, &tv);
}
#endif

static void
daemon_log(void *arg, int prio, const char *msg)
{
	log_msg(prio, msg);
}

/* libevent's own complaints belong in our log too (tmux). */
static void
daemon_event_log(int severity, const char *msg)
{
	log_msg(severity >= EVENT_LOG_ERR ? LOG_ERR : severity ==
	    EVENT_LOG_WARN ? LOG_WARNING : LOG_DEBUG, msg);
}

/*
 * The round's last upload is over and with it the round's peak: glibc
 * keeps freed memory resident and gives back only the top of its heap,
 * so a daemon idling for an hour would hold it.  One agent: trimming
 * after its rounds costs little (the library leaves this to its host).
 */
static void
daemon_outcome(void *arg, const struct cfgreport_outcome *o)
{
	if (o->in_flight == 0)
		cfgreport_trim();
}

static void
daemon_stopped(void *arg)
{
	struct daemon	*dm = arg;

	event_base_loopbreak(dm->base);
}

/* A SIGHUP's reload, read a slice per loop pass, is over. */
static void
daemon_reloaded(void *arg, int rv, const char *err)
{
	if (rv == -1)
		log_warnx("reload: %s; the configuration in effect is kept",
		    err);
	cfgreport_trim();
}

static void
daemon_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct daemon	*dm = arg;
	char		 err[CFGREPORT_ERRLEN];

	switch (sig) {
	case SIGHUP:
		log_info("SIGHUP: reloading the profile");
		if (cfgreport_reload_start(dm->agent, daemon_reloaded, dm,
		    err) == NULL)
			log_info("reload: %s", err);
		break;
	default:
		log_info("signal %d: shutting down", (int)sig);
		cfgreport_shutdown(dm->agent, SHUTDOWN_GRACE, daemon_stopped, dm);
		break;
	}
}

static int
run(const struct opts *o)
{
	struct cfgreport_config	 cfg;
	struct daemon		 dm;
	struct event		*sigev[4];
	static const int	 sigs[4] = { SIGTERM, SIGINT, SIGHUP, 0 };
	uint8_t			 mac[6];
	const char		*ctlpath;
#ifdef CFGREPORTD_TEST_HOST
	struct cfgreport_clock	 clock;
#endif
	char			 err[CFGREPORT_ERRLEN], *copy = NULL;
	int			 i;

	memset(&cfg, 0, sizeof cfg);
	memset(&dm, 0, sizeof dm);
	ctlpath = o->ctlsock != NULL ? o->ctlsock : CTL_DEFAULT_PATH;
	if (o->mac != NULL) {
		if (netif_parse_mac(o->mac, mac) == -1) {
			fprintf(stderr, "cfgreportd: -m %s: not a MAC address "
			    "(000e08aabbcc or 00:0e:08:aa:bb:cc)\n", o->mac);
			return 1;
		}
		cfg.mac = mac;
	}
	/* By default the state lives next to the profile (spec.md §11). */
	if (o->statedir == NULL) {
		if ((copy = strdup(o->profile)) == NULL)
			return 1;
		cfg.state_dir = dirname(copy);
	} else
		cfg.state_dir = o->statedir;
	cfg.profile_path = o->profile;
	cfg.iface = o->iface;
	cfg.ca_file = o->cafile;
	cfg.client_cert = o->client_cert;
	cfg.client_key = o->client_key;
	cfg.sip_addr = o->sipaddr;
	cfg.sip_port = (int)o->sipport;
	cfg.log = daemon_log;
	cfg.verbose = o->verbose;
	cfg.outcome = daemon_outcome;
#ifdef CFGREPORTD_TEST_HOST
	memset(&clock, 0, sizeof clock);
	dm.scale = o->time_scale > 0 ? o->time_scale : 1;
	clock_gettime(CLOCK_MONOTONIC, &dm.t0);
	clock.monotonic = test_monotonic;
	clock.arg = &dm;
	cfg.clock = &clock;
#endif

	log_init(o->foreground, o->verbose, "cfgreportd");
	/*
	 * Fork before the loop exists: an epoll set does not survive it.
	 * Keep the directory: relative -c/-s/-S paths stay meaningful.
	 */
	if (!o->foreground && daemon(1, 0) == -1)
		fatal("daemon");
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("curl_global_init failed");
	event_set_log_callback(daemon_event_log);
	if ((dm.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if ((dm.agent = cfgreport_new(dm.base, &cfg, err)) == NULL)
		fatalx("%s", err);
	/* The profile's batch at start peaked too. */
	cfgreport_trim();
	/* The control socket: an add-on over the library's public calls. */
	if ((dm.ctl = agent_ctl_new(dm.agent, dm.base, ctlpath, 0600,
	    err)) == NULL)
		fatalx("%s", err);
#ifdef CFGREPORTD_TEST_HOST
	if ((dm.tick = evtimer_new(dm.base, test_tick, &dm)) == NULL)
		fatalx("out of memory");
	test_tick(-1, 0, &dm);
#endif
	for (i = 0; sigs[i] != 0; i++) {
		sigev[i] = evsignal_new(dm.base, sigs[i], daemon_signal, &dm);
		if (sigev[i] == NULL || evsignal_add(sigev[i], NULL) == -1)
			fatalx("cannot watch signal %d", sigs[i]);
	}
	log_info("started, control socket %s", ctlpath);
	event_base_dispatch(dm.base);
	for (i = 0; sigs[i] != 0; i++)
		event_free(sigev[i]);
#ifdef CFGREPORTD_TEST_HOST
	event_free(dm.tick);
#endif
	agent_ctl_free(dm.ctl);
	cfgreport_free(dm.agent);
	event_base_free(dm.base);
	curl_global_cleanup();
	free(copy);
	log_info("stopped");
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "client-cert",	required_argument, NULL, 'C' },
		{ "client-key",		required_argument, NULL, 'K' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL,			0,		   NULL, 0 }
	};
	struct opts	 o;
	char		*end;
	int		 ch;

	memset(&o, 0, sizeof o);
	o.sipport = 5060;
	while ((ch = getopt_long(argc, argv, "dvnhVc:s:S:p:b:i:m:A:" TEST_OPTS,
	    longopts, NULL)) != -1) {
		switch (ch) {
#ifdef CFGREPORTD_TEST_HOST
		case 't':
			/* Minutes of agent time in seconds of test time. */
			o.time_scale = strtod(optarg, NULL);
			break;
#endif
		case 'h': usage(0);
		case 'V':
			printf("cfgreportd %s\n", PACKAGE_VERSION);
			return 0;
		case 'd': o.foreground = 1; break;
		case 'v': o.verbose = 1; break;
		case 'n': o.check = 1; break;
		case 'c': o.profile = optarg; break;
		case 's': o.statedir = optarg; break;
		case 'S': o.ctlsock = optarg; break;
		case 'b': o.sipaddr = optarg; break;
		case 'i': o.iface = optarg; break;
		case 'm': o.mac = optarg; break;
		case 'A': o.cafile = optarg; break;
		case 'C': o.client_cert = optarg; break;
		case 'K': o.client_key = optarg; break;
		case 'p':
			o.sipport = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || o.sipport < 0 ||
			    o.sipport > 65535) {
				fprintf(stderr, "cfgreportd: -p %s: not a port "
				    "number (0 disables SIP)\n", optarg);
				return 1;
			}
			break;
		default:
			usage(1);
		}
	}
	if (optind != argc || o.profile == NULL)
		usage(1);
	if ((o.client_cert == NULL) != (o.client_key == NULL)) {
		fprintf(stderr, "cfgreportd: --client-cert and --client-key "
		    "go together\n");
		return 1;
	}
	if (o.check)
		return check_config(&o);
	return run(&o);
}
