/*
 * cfgreport-fleet — many simulated phones against a provisioning server:
 * COUNT cfgreport agents on one libevent loop, sharing one transfer
 * context, each with its own MAC and state directory, to see what the
 * server does when a whole fleet reports (cfgreport-fleet(1)).
 *
 * A host of libcfgreport like any other: it uses cfgreport.h alone.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "cfgreport.h"

#define FLEET_MAX_COUNT		1000000
#define FLEET_TICK_MS		10	/* creation and change pacing */
#define FLEET_GRACE		10	/* s for uploads in flight at the end */
#define FLEET_MAX_IN_FLIGHT	64
/* Beside one fd per agent and one per upload: stdio, the loop, curl. */
#define FLEET_FD_SPARE		32

/* A phone's everyday settings: what a report of a real one carries. */
static const char fleet_profile[] =
    "<flat-profile>\n"
    "  <Station_Name>fleet-phone</Station_Name>\n"
    "  <Display_Name_1_>Fleet Phone</Display_Name_1_>\n"
    "  <User_ID_1_>1000</User_ID_1_>\n"
    "  <Proxy_1_>sip.fleet.invalid</Proxy_1_>\n"
    "  <Register_1_>Yes</Register_1_>\n"
    "  <Register_Expires_1_>3600</Register_Expires_1_>\n"
    "  <Preferred_Codec_1_>G711u</Preferred_Codec_1_>\n"
    "  <Use_Pref_Codec_Only_1_>No</Use_Pref_Codec_Only_1_>\n"
    "  <DTMF_Tx_Method_1_>Auto</DTMF_Tx_Method_1_>\n"
    "  <Dial_Plan_1_>(*xx|[3469]11|0|00|[2-9]xxxxxx|1xxx[2-9]xxxxxxS0|"
    "xxxxxxxxxxxx.)</Dial_Plan_1_>\n"
    "  <Voice_Mail_Number>*98</Voice_Mail_Number>\n"
    "  <Primary_NTP_Server>ntp.fleet.invalid</Primary_NTP_Server>\n"
    "  <Time_Zone>GMT+01:00</Time_Zone>\n"
    "  <Text_Logo>Fleet</Text_Logo>\n"
    "  <Syslog_Server></Syslog_Server>\n"
    "  <Debug_Level>0</Debug_Level>\n"
    "  <Enable_Web_Server>Yes</Enable_Web_Server>\n"
    "  <Web_Server_Port>80</Web_Server_Port>\n"
    "  <Resync_Periodic>3600</Resync_Periodic>\n"
    "  <Upgrade_Enable>Yes</Upgrade_Enable>\n"
    "</flat-profile>\n";

struct fleet;

struct phone {
	struct fleet		*fl;
	struct cfgreport	*a;
	unsigned		 idx;
	int			 startup_done;	/* its first round ended */
	int			 stopped;
};

struct fleet {
	struct event_base	*base;
	struct cfgreport_transfers *ts;
	struct cfgreport_sip	*sip;		/* NULL: no SIP */
	const char		*sip_addr;
	int			 sip_port;	/* -1: no SIP */
	const char		*sip_password;
	struct phone		*ph;
	unsigned		 count;
	unsigned		 created;
	unsigned		 startups;	/* agents whose first round ended */
	unsigned		 stopped;
	int			 stopping;
	int			 error;		/* an agent could not start */
	int			 verbose;

	const char		*statedir;
	const char		*rule;
	const char		*method;
	char			*profile;	/* the file every agent applies */
	uint8_t			 mac_base[6];
	double			 spread;	/* s */
	double			 rate;		/* local changes per s */
	double			 duration;	/* s; < 0: until the start-ups */
	size_t			 max_in_flight;

	struct timespec		 t0;
	struct event		*tick;
	struct event		*progress;
	struct event		*sigs[2];
	double			 change_due;	/* changes owed, fractional */
	unsigned long		 changes;
	uint64_t		 rnd;		/* xorshift: no secret here */

	unsigned long		 ok;
	unsigned long		 failed;
	double			*lat;		/* seconds of each upload */
	size_t			 nlat, lat_cap;
	int			 ended;		/* uploads ended since a trim */
	int			 first_failure_shown;
	int			 tty;
};

static void	fleet_stop(struct fleet *);

static void __attribute__((format(printf, 1, 2)))
fleet_warnx(const char *fmt, ...)
{
	va_list	ap;

	fputs("cfgreport-fleet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double
fleet_elapsed(const struct fleet *fl)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(ts.tv_sec - fl->t0.tv_sec) +
	    (double)(ts.tv_nsec - fl->t0.tv_nsec) / 1e9;
}

static uint64_t
fleet_random(struct fleet *fl)
{
	fl->rnd ^= fl->rnd << 13;
	fl->rnd ^= fl->rnd >> 7;
	fl->rnd ^= fl->rnd << 17;
	return fl->rnd;
}

static void
fleet_mac(const struct fleet *fl, unsigned idx, uint8_t mac[6])
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 6; i++)
		v = v << 8 | fl->mac_base[i];
	v = (v + idx) & 0xffffffffffffULL;
	for (i = 5; i >= 0; i--) {
		mac[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static void
fleet_log(void *arg, int prio, const char *msg)
{
	struct phone	*p = arg;
	uint8_t		 mac[6];

	if (prio > LOG_ERR + (p->fl->verbose > 0 ? 4 : 0))
		return;
	fleet_mac(p->fl, p->idx, mac);
	fprintf(stderr, "%s%02x%02x%02x%02x%02x%02x: %s\n",
	    p->fl->tty ? "\r" : "", mac[0], mac[1], mac[2], mac[3], mac[4],
	    mac[5], msg);
}

/* The shared SIP listener's own lines: refusals, accepted NOTIFYs. */
static void
fleet_sip_log(void *arg, int prio, const char *msg)
{
	struct fleet	*fl = arg;

	if (prio <= LOG_WARNING + (fl->verbose > 0 ? 3 : 0))
		fprintf(stderr, "%s%s\n", fl->tty ? "\r" : "", msg);
}

static void
fleet_outcome(void *arg, const struct cfgreport_outcome *o)
{
	struct phone	*p = arg;
	struct fleet	*fl = p->fl;
	double		*n;

	if (o->ok)
		fl->ok++;
	else {
		fl->failed++;
		/* Why, once: the operator sees the reason without -v. */
		if (!fl->first_failure_shown) {
			fl->first_failure_shown = 1;
			fleet_log(p, LOG_ERR, o->result);
		}
	}
	/* Out of memory for the figure: the percentiles go without it. */
	if (fl->nlat == fl->lat_cap && (n = realloc(fl->lat, (fl->lat_cap != 0 ?
	    fl->lat_cap * 2 : 1024) * sizeof *n)) != NULL) {
		fl->lat = n;
		fl->lat_cap = fl->lat_cap != 0 ? fl->lat_cap * 2 : 1024;
	}
	if (fl->nlat < fl->lat_cap)
		fl->lat[fl->nlat++] = o->seconds;
	fl->ended = 1;
	if (o->in_flight == 0 && !p->startup_done) {
		p->startup_done = 1;
		fl->startups++;
		if (fl->duration < 0 && fl->created == fl->count &&
		    fl->startups == fl->count)
			fleet_stop(fl);
	}
}

/* Agent I: its state directory, the profile, the rule and the method. */
static int
fleet_create(struct fleet *fl, unsigned idx)
{
	struct phone		*p = &fl->ph[idx];
	struct cfgreport_config	 cfg;
	const char		*names[4] = { "Report_Rule" };
	const char		*values[4];
	uint8_t			 mac[6];
	char			 dir[PATH_MAX], err[CFGREPORT_ERRLEN], user[16];
	size_t			 n = 1;

	p->fl = fl;
	p->idx = idx;
	fleet_mac(fl, idx, mac);
	snprintf(dir, sizeof dir, "%s/%02x%02x%02x%02x%02x%02x", fl->statedir,
	    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		fleet_warnx("%s: %s", dir, strerror(errno));
		return -1;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = dir;
	cfg.profile_path = fl->profile;
	cfg.mac = mac;
	cfg.log = fleet_log;
	cfg.log_arg = p;
	cfg.verbose = fl->verbose > 1;
	cfg.outcome = fleet_outcome;
	cfg.outcome_arg = p;
	cfg.transfers = fl->ts;
	cfg.sip = fl->sip;
	if ((p->a = cfgreport_new(fl->base, &cfg, err)) == NULL) {
		fleet_warnx("agent %u (%s): %s", idx, dir, err);
		return -1;
	}
	values[0] = fl->rule;
	if (fl->method != NULL) {
		names[n] = "HTTP_Report_Method";
		values[n++] = fl->method;
	}
	/* On the shared SIP listener: the line's user is the MAC. */
	if (fl->sip != NULL) {
		snprintf(user, sizeof user, "%02x%02x%02x%02x%02x%02x",
		    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		names[n] = "User_ID_1_";
		values[n++] = user;
		names[n] = "Password_1_";
		values[n++] = fl->sip_password;
	}
	if (cfgreport_set(p->a, CFGREPORT_PROVISIONING, n, names, values,
	    err) == -1) {
		fleet_warnx("agent %u: %s", idx, err);
		cfgreport_free(p->a);
		p->a = NULL;
		return -1;
	}
	return 0;
}

/* One local change on a random running agent: its UI was used. */
static void
fleet_change(struct fleet *fl)
{
	struct phone	*p;
	const char	*names[1] = { "Fleet_Local_Change" };
	const char	*values[1];
	char		 v[32], err[CFGREPORT_ERRLEN];

	if (fl->created == 0)
		return;
	p = &fl->ph[fleet_random(fl) % fl->created];
	if (p->a == NULL)
		return;
	snprintf(v, sizeof v, "%lu", ++fl->changes);
	values[0] = v;
	if (cfgreport_set(p->a, CFGREPORT_LOCAL, 1, names, values, err) == -1)
		fleet_log(p, LOG_ERR, err);
}

/* Every FLEET_TICK_MS: create the agents now due, make the changes due. */
static void
fleet_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct fleet	*fl = arg;
	struct timeval	 tv = { 0, FLEET_TICK_MS * 1000 };
	double		 t = fleet_elapsed(fl);
	unsigned	 due;

	if (fl->stopping)
		return;
	if (fl->spread <= 0 || t >= fl->spread)
		due = fl->count;
	else
		due = (unsigned)((double)fl->count * t / fl->spread) + 1;
	if (due > fl->count)
		due = fl->count;
	while (fl->created < due) {
		if (fleet_create(fl, fl->created) == -1) {
			fl->error = 1;
			fleet_stop(fl);
			return;
		}
		fl->created++;
	}
	if (fl->rate > 0) {
		fl->change_due += fl->rate * FLEET_TICK_MS / 1000.0;
		while (fl->change_due >= 1) {
			fl->change_due -= 1;
			fleet_change(fl);
		}
	}
	if (fl->duration >= 0 && t >= fl->duration) {
		fleet_stop(fl);
		return;
	}
	evtimer_add(fl->tick, &tv);
}

/* Once a second: the progress line, and the heap trimmed after uploads. */
static void
fleet_progress(evutil_socket_t fd, short ev, void *arg)
{
	struct fleet			*fl = arg;
	struct cfgreport_transfers_counts c;
	struct timeval			 tv = { 1, 0 };

	/* One trim for the whole fleet, not one per agent per round. */
	if (fl->ended) {
		fl->ended = 0;
		cfgreport_trim();
	}
	if (fl->tty) {
		cfgreport_transfers_stats(fl->ts, &c);
		fprintf(stderr, "\rfleet: %.0f s, %u/%u agents, %u start-ups "
		    "done, %lu ok, %lu failed, %zu in flight, %zu queued   ",
		    fleet_elapsed(fl), fl->created, fl->count, fl->startups,
		    fl->ok, fl->failed, c.in_flight, c.queued);
	}
	evtimer_add(fl->progress, &tv);
}

static void
fleet_stopped(void *arg)
{
	struct phone	*p = arg;
	struct fleet	*fl = p->fl;

	p->stopped = 1;
	if (++fl->stopped == fl->created)
		event_base_loopbreak(fl->base);
}

/* Stop every agent cleanly: uploads in flight get FLEET_GRACE s. */
static void
fleet_stop(struct fleet *fl)
{
	unsigned	i;

	if (fl->stopping)
		return;
	fl->stopping = 1;
	evtimer_del(fl->tick);
	if (fl->created == 0) {
		event_base_loopbreak(fl->base);
		return;
	}
	for (i = 0; i < fl->created; i++)
		if (fl->ph[i].a != NULL)
			cfgreport_shutdown(fl->ph[i].a, FLEET_GRACE,
			    fleet_stopped, &fl->ph[i]);
		else
			fleet_stopped(&fl->ph[i]);
}

static void
fleet_signal(evutil_socket_t sig, short ev, void *arg)
{
	fleet_stop(arg);
}

static int
fleet_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The Q-quantile of the sorted latencies, in ms (nearest rank). */
static double
fleet_quantile(const struct fleet *fl, double q)
{
	size_t	i;

	if (fl->nlat == 0)
		return 0;
	i = (size_t)(q * (double)fl->nlat + 0.999999);
	if (i == 0)
		i = 1;
	if (i > fl->nlat)
		i = fl->nlat;
	return fl->lat[i - 1] * 1000;
}

/*
 * One fd per agent (its state directory's lock), one per upload in
 * flight, a few more: raise the soft limit to that when the hard one
 * allows, else say so before the first agent rather than fail midway.
 */
static int
fleet_fds(const struct fleet *fl)
{
	struct rlimit	rl;
	rlim_t		need;

	need = (rlim_t)fl->count + 2 * (rlim_t)(fl->max_in_flight != 0 ?
	    fl->max_in_flight : fl->count) + FLEET_FD_SPARE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
			fleet_warnx("too many open files: %u agents with %zu "
			    "uploads in flight need about %llu fds, and the "
			    "hard limit is %llu: raise it (ulimit -Hn), or "
			    "lower -n or --max-in-flight", fl->count,
			    fl->max_in_flight, (unsigned long long)need,
			    (unsigned long long)rl.rlim_max);
			return -1;
		}
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			fleet_warnx("setrlimit(RLIMIT_NOFILE, %llu): %s",
			    (unsigned long long)need, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The built-in profile, written once into STATEDIR for every agent. */
static char *
fleet_default_profile(const char *statedir)
{
	char	*path;
	FILE	*fp;

	if (asprintf(&path, "%s/fleet-profile.xml", statedir) == -1)
		return NULL;
	if ((fp = fopen(path, "w")) == NULL ||
	    fputs(fleet_profile, fp) == EOF || fclose(fp) == EOF) {
		fleet_warnx("%s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	return path;
}

static void
fleet_usage_to(FILE *fp)
{
	fprintf(fp,
	    "usage: cfgreport-fleet -n COUNT -s STATEDIR -r RULE [-M PUT|POST] "
	    "[-c PROFILE]\n"
	    "                       [--mac-base MAC] [--spread SECONDS] "
	    "[--changes-per-s RATE]\n"
	    "                       [--duration SECONDS] [--max-in-flight N] "
	    "[-v]\n"
	    "                       [--sip-addr ADDR] [--sip-port PORT "
	    "--sip-password PASSWORD]\n"
	    "       cfgreport-fleet -h | --help | -V | --version\n");
}

static int
fleet_number(const char *opt, const char *s, double max, double *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0) || v > max) {
		fleet_warnx("%s %s: not a number from 0 to %.0f", opt, s, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
fleet_mac_base(const char *s, uint8_t mac[6])
{
	unsigned	v[6];
	char		c;
	int		i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
	    &v[3], &v[4], &v[5], &c) != 6 && sscanf(s,
	    "%2x%2x%2x%2x%2x%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	    &c) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

int
main(int argc, char *argv[])
{
	enum { O_MAC = 256, O_SPREAD, O_RATE, O_DURATION, O_MAX, O_SIPADDR,
	    O_SIPPORT, O_SIPPW };
	static const struct option longopts[] = {
		{ "mac-base",		required_argument, NULL, O_MAC },
		{ "spread",		required_argument, NULL, O_SPREAD },
		{ "changes-per-s",	required_argument, NULL, O_RATE },
		{ "duration",		required_argument, NULL, O_DURATION },
		{ "max-in-flight",	required_argument, NULL, O_MAX },
		{ "sip-addr",		required_argument, NULL, O_SIPADDR },
		{ "sip-port",		required_argument, NULL, O_SIPPORT },
		{ "sip-password",	required_argument, NULL, O_SIPPW },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL,			0,		   NULL, 0 }
	};
	static const uint8_t		 mac0[6] = { 0x00, 0x0e, 0x08, 0, 0, 0 };
	struct fleet			 fl;
	struct cfgreport_transfers_config tc;
	struct cfgreport_transfers_counts c;
	struct timeval			 now = { 0, 0 };
	static const int		 sigs[2] = { SIGINT, SIGTERM };
	const char			*profile = NULL;
	char				 err[CFGREPORT_ERRLEN];
	double				 v;
	unsigned			 i;
	int				 ch, rv;

	memset(&fl, 0, sizeof fl);
	memcpy(fl.mac_base, mac0, 6);
	fl.duration = -1;
	fl.max_in_flight = FLEET_MAX_IN_FLIGHT;
	fl.sip_port = -1;
	while ((ch = getopt_long(argc, argv, "c:hM:n:r:s:vV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			profile = optarg;
			break;
		case 'M':
			if (strcasecmp(optarg, "PUT") == 0)
				fl.method = "PUT";
			else if (strcasecmp(optarg, "POST") == 0)
				fl.method = "POST";
			else {
				fleet_warnx("-M %s: PUT or POST", optarg);
				return 2;
			}
			break;
		case 'n':
			if (fleet_number("-n", optarg, FLEET_MAX_COUNT,
			    &v) == -1 || v < 1 || v != (unsigned)v) {
				fleet_warnx("-n: a whole number of agents, "
				    "1 to %d", FLEET_MAX_COUNT);
				return 2;
			}
			fl.count = (unsigned)v;
			break;
		case 'r':
			fl.rule = optarg;
			break;
		case 's':
			fl.statedir = optarg;
			break;
		case 'v':
			fl.verbose++;
			break;
		case O_MAC:
			if (fleet_mac_base(optarg, fl.mac_base) == -1) {
				fleet_warnx("--mac-base %s: not a MAC address "
				    "(00:0e:08:00:00:00)", optarg);
				return 2;
			}
			break;
		case O_SPREAD:
			if (fleet_number("--spread", optarg, 86400,
			    &fl.spread) == -1)
				return 2;
			break;
		case O_RATE:
			if (fleet_number("--changes-per-s", optarg, 1e6,
			    &fl.rate) == -1)
				return 2;
			break;
		case O_DURATION:
			if (fleet_number("--duration", optarg, 30 * 86400,
			    &fl.duration) == -1)
				return 2;
			break;
		case O_MAX:
			if (fleet_number("--max-in-flight", optarg, 1e6,
			    &v) == -1 || v != (size_t)v)
				return 2;
			fl.max_in_flight = (size_t)v;
			break;
		case O_SIPADDR:
			fl.sip_addr = optarg;
			break;
		case O_SIPPORT:
			if (fleet_number("--sip-port", optarg, 65535,
			    &v) == -1 || v != (int)v)
				return 2;
			fl.sip_port = (int)v;
			break;
		case O_SIPPW:
			fl.sip_password = optarg;
			break;
		case 'h':
			fleet_usage_to(stdout);
			return 0;
		case 'V':
			printf("cfgreport-fleet %s\n", PACKAGE_VERSION);
			return 0;
		default:
			fleet_usage_to(stderr);
			return 2;
		}
	}
	if (optind != argc || fl.count == 0 || fl.statedir == NULL ||
	    fl.rule == NULL) {
		fleet_usage_to(stderr);
		return 2;
	}
	if ((fl.sip_port >= 0) != (fl.sip_password != NULL) ||
	    (fl.sip_addr != NULL && fl.sip_port < 0)) {
		fleet_warnx("--sip-port and --sip-password go together "
		    "(--sip-addr with them)");
		return 2;
	}
	if (fleet_fds(&fl) == -1)
		return 1;
	if (mkdir(fl.statedir, 0700) == -1 && errno != EEXIST) {
		fleet_warnx("%s: %s", fl.statedir, strerror(errno));
		return 1;
	}
	if (profile != NULL) {
		if ((fl.profile = strdup(profile)) == NULL)
			return 1;
	} else if ((fl.profile = fleet_default_profile(fl.statedir)) == NULL)
		return 1;
	if ((fl.ph = calloc(fl.count, sizeof *fl.ph)) == NULL) {
		fleet_warnx("out of memory");
		return 1;
	}
	fl.tty = isatty(STDERR_FILENO);
	fl.rnd = (uint64_t)time(NULL) * 2654435761u | 1;

	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fleet_warnx("curl_global_init failed");
		return 1;
	}
	if ((fl.base = event_base_new()) == NULL) {
		fleet_warnx("event_base_new failed");
		return 1;
	}
	memset(&tc, 0, sizeof tc);
	tc.max_in_flight = fl.max_in_flight;
	if ((fl.ts = cfgreport_transfers_new(fl.base, &tc, err)) == NULL) {
		fleet_warnx("%s", err);
		return 1;
	}
	if (fl.sip_port >= 0) {
		struct cfgreport_sip_config	sc;

		memset(&sc, 0, sizeof sc);
		sc.addr = fl.sip_addr;
		sc.port = fl.sip_port;
		sc.log = fleet_sip_log;
		sc.log_arg = &fl;
		if ((fl.sip = cfgreport_sip_new(fl.base, &sc, err)) == NULL) {
			fleet_warnx("%s", err);
			return 1;
		}
	}
	if ((fl.tick = evtimer_new(fl.base, fleet_tick, &fl)) == NULL ||
	    (fl.progress = evtimer_new(fl.base, fleet_progress, &fl)) ==
	    NULL) {
		fleet_warnx("out of memory");
		return 1;
	}
	for (i = 0; i < 2; i++)
		if ((fl.sigs[i] = evsignal_new(fl.base, sigs[i], fleet_signal,
		    &fl)) == NULL || evsignal_add(fl.sigs[i], NULL) == -1) {
			fleet_warnx("cannot watch signal %d", sigs[i]);
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &fl.t0);
	evtimer_add(fl.tick, &now);
	now.tv_sec = 1;
	evtimer_add(fl.progress, &now);
	event_base_dispatch(fl.base);
	if (fl.tty)
		fputc('\n', stderr);

	cfgreport_transfers_stats(fl.ts, &c);
	for (i = 0; i < fl.created; i++)
		cfgreport_free(fl.ph[i].a);
	cfgreport_transfers_free(fl.ts);
	cfgreport_sip_free(fl.sip);
	qsort(fl.lat, fl.nlat, sizeof *fl.lat, fleet_cmp);
	printf("fleet: %u agents, %lu uploads ok, %lu failed, p50 %.0f ms, "
	    "p99 %.0f ms, peak in flight %zu\n", fl.count, fl.ok, fl.failed,
	    fleet_quantile(&fl, 0.50), fleet_quantile(&fl, 0.99),
	    c.peak_in_flight);
	rv = fl.error || fl.failed > 0 ? 1 : 0;
	for (i = 0; i < 2; i++)
		event_free(fl.sigs[i]);
	event_free(fl.tick);
	event_free(fl.progress);
	event_base_free(fl.base);
	curl_global_cleanup();
	free(fl.lat);
	free(fl.ph);
	free(fl.profile);
	return rv;
}
