/*
 * agent.h — private prototypes of agent/, grouped by file.
 */
#ifndef CFGREPORT_AGENT_H
#define CFGREPORT_AGENT_H

#include <sys/types.h>
#include <sys/queue.h>

#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

/* log.c */
void	log_init(int, int, const char *);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_msg(int, const char *);
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* netif.c */
struct netif_info {
	char	name[IFNAMSIZ];
	uint8_t	mac[6];
	char	ip[INET6_ADDRSTRLEN];	/* empty when the interface has none */
};
int	netif_parse_mac(const char *, uint8_t [6]);
int	netif_find(const char *, struct netif_info *, char *);

/* fileio.c */
/* The whole of PATH, NUL-terminated, when it is a file of at most MAX bytes. */
char	*fileio_read(const char *, size_t, size_t *, char *);
/* Replace PATH durably: temporary file, fsync, rename, fsync directory. */
int	 fileio_write_atomic(const char *, const void *, size_t, mode_t,
	    char *);

/*
 * The agent core (libcfgreport): agent.c (life cycle and the public
 * calls), dest.c (destinations and their uploads), sched.c (triggers and
 * deadlines), status.c (the status values), answer.c (text answers).
 * Everything lives in struct cfgreport, so a host may run several agents
 * on one loop.
 */
#include "cfgreport.h"

/* The library's callers size their buffers by the public constant. */
_Static_assert(CFGREPORT_ERRLEN == CR_ERRLEN,
    "CFGREPORT_ERRLEN (cfgreport.h) and CR_ERRLEN (proto.h) must agree");

#define SCHED_BACKOFF_MIN	30	/* seconds, spec.md §8 */
#define SCHED_BACKOFF_MAX	3600
#define SCHED_NOTIFY_WINDOW	10	/* s between NOTIFY-started rounds */

struct dest {
	struct cfgreport	*agent;
	struct plan_dest	 p;		/* id, shown URL, resolved entry */
	void			*xfer;		/* the transport's, or NULL */
	int			 want;		/* a round wants an upload */
	int			 follow_up;	/* a trigger came in flight */
	int			 explicit_round; /* send an empty delta too */
	uint64_t		 sent_seq;	/* what the delta in flight covers */
	unsigned		 failures;	/* in a row, for the back-off */
	double			 retry_at;	/* monotonic; < 0: none */
	time_t			 last_time;	/* wall clock of the last attempt */
	char			 last_result[CR_ERRLEN + 64];
};

struct cfgreport {
	struct event_base	*base;
	struct store		*store;
	struct params		*status;	/* pushed by status-set */
	struct transfer_ctx	*xfer;		/* the default transport's */
	int			 xfer_shared;	/* a host's cfgreport_transfers */
	struct sipd		*sip;		/* NULL: SIP disabled */
	struct cfgreport_sip	*sipshare;	/* a host's shared listener */
	struct cfgreport	*sip_next;	/* its agents */
	struct WC_RNG		*rng;		/* wolfSSL's */

	struct cfgreport_clock	 clock;
	struct cfgreport_transport transport;
	cfgreport_outcome_fn	 outcome;
	void			*outcome_arg;

	char			*profile_path;
	uint8_t			 mac[6];
	char			 ip[INET6_ADDRSTRLEN];
	int			 verbose;
	cfgreport_log_fn	 log;
	void			*log_arg;

	struct plan_settings	 set;		/* parsed once per change */
	struct dest		*dests[RULE_MAX_ENTRIES]; /* the plan's */
	size_t			 ndests;
	int			 plan_parsed;	/* the rule parsed: ids known */
	int			 plan_whole;	/* every entry has its dest */
	char			 plan_error[CR_ERRLEN]; /* its first problem */

	/* sched.c: deadlines on the agent's monotonic clock; < 0: none. */
	struct event		*run_ev;	/* zero-length: rounds run here */
	struct event		*timer_ev;	/* the earliest deadline */
	double			 startup_at;
	double			 periodic_at;
	double			 local_at;
	double			 notify_at;	/* a coalesced NOTIFY round */
	double			 notify_until;	/* the NOTIFY window's end */
	double			 periodic_grid;	/* the next slot */
	long			 periodic_interval; /* armed with; 0: off */
	long			 local_delay;	/* armed with; 0: off */
	double			 started;	/* monotonic, for Uptime */

	/* import.c: imports and reloads, read a slice per loop pass. */
	TAILQ_HEAD(, cfgreport_import) imports;
	struct event		*import_ev;	/* zero-length: the next slice */

	int			 stopping;
	struct event		*stop_ev;
	void			(*stop_done)(void *);
	void			*stop_arg;
};

/* agent.c */
void	agent_log(struct cfgreport *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	agent_warn_cb(void *, const char *);
int	agent_apply(struct cfgreport *, const struct params *,
	    enum cfgreport_source, char *);
/*
 * The profile file, read, with its digest into DIGEST: 0 and *BUF (to
 * free), 1 when it is what was last applied (nothing to do), -1.
 */
int	agent_profile_read(struct cfgreport *, char **, size_t *, uint8_t *,
	    char *);
/* P, read from that file, settled and applied (or taken as the baseline). */
int	agent_profile_apply(struct cfgreport *, struct params *,
	    const uint8_t *, char *);
double	agent_now(const struct cfgreport *);
time_t	agent_wall(const struct cfgreport *);
uint32_t agent_random(struct cfgreport *);
/* Called as uploads end while stopping. */
void	agent_stop_check(struct cfgreport *);
/* SIP: the line's account (0, or -1 without one); a NOTIFY's round. */
int	agent_sip_creds(void *, const char **, const char **);
void	agent_sip_trigger(void *);

/* sipshare.c — a SIP listener several agents share (cfgreport_sip) */
void	sipshare_add(struct cfgreport_sip *, struct cfgreport *);
void	sipshare_remove(struct cfgreport *);

/* dest.c */
/*
 * Take the agent's plan: destinations keep their state (in flight,
 * back-off, last result) by id, new ones appear, gone ones go.  Writes
 * nothing durable.
 */
int	dest_reconcile(struct cfgreport *, struct plan *, char *);
/* The ids of the plan's delta destinations into the store (durable). */
void	dest_retain(struct cfgreport *);
/* Build, encrypt and hand to the transport one report, from fresh data. */
void	dest_upload(struct dest *);
void	dest_free(struct dest *);
size_t	dest_in_flight(const struct cfgreport *);
unsigned dest_kind_bit(enum report_kind);

/* import.c — imports and reloads a slice per loop pass (docs/control.md) */
int	import_init(struct cfgreport *, char *);
/* Every import still queued ends with "the agent is shutting down". */
void	import_free(struct cfgreport *);

/* sched.c */
int	sched_init(struct cfgreport *, char *);
void	sched_free(struct cfgreport *);
/* Arm the zero-length event the rounds run from. */
void	sched_kick(struct cfgreport *);
/* Mark the destinations of KINDS (0: all) wanted; the round runs later. */
void	sched_want(struct cfgreport *, unsigned, int, const char *);
/* An authenticated NOTIFY: one round per SCHED_NOTIFY_WINDOW s. */
void	sched_notify(struct cfgreport *);
/* A local batch changed something: the local-change window. */
void	sched_local_change(struct cfgreport *);
/* The settings changed: re-time the periodic and local-change timers. */
void	sched_settings(struct cfgreport *);
void	sched_startup(struct cfgreport *);
/* A failed upload: D's retry after the back-off. */
void	sched_retry(struct dest *);
/* Check every deadline against the clock, then re-arm the timer. */
void	sched_tick(struct cfgreport *);
/* Seconds until AT, or -1 when AT is none. */
long	sched_remaining(const struct cfgreport *, double);
void	sched_stop(struct cfgreport *);
/* 30 s doubling per failure to 1 h, times 0.8 + 0.4 * R / 2^32. */
double	sched_backoff(unsigned, uint32_t);
/* A uniformly random whole number of seconds in [0, MAX]. */
long	sched_spread(struct cfgreport *, long);

/* status.c */
/* The agent's own status values, then what status-set pushed. */
struct params *status_values(struct cfgreport *);
void	status_iso_time(time_t, char *, size_t);
int	status_check(const struct params *, char *);

/* config.c */
#define CONFIG_MAX_PROFILE	(16 * 1024 * 1024)
/*
 * Parse the profile BUF (LEN bytes, read from NAME, which errors name).
 * STRICT (cfgreportd -n): a bad agent setting is an error.  Otherwise it
 * is reported through WARN and dropped, so the agent still starts
 * (spec.md §2): what stays in effect is CURRENT's value (the parameters
 * the result will be applied over; NULL: none), else the default, and
 * the warning says which.
 */
struct params	*config_parse(const char *, const char *, size_t, int,
		    const struct params *, profile_warn_cb, void *, char *);
/* config_parse's second half, on a set already read from PATH. */
int		 config_settle(const char *, struct params *, int,
		    const struct params *, profile_warn_cb, void *, char *);
/* config_parse of the file PATH. */
struct params	*config_load(const char *, int, profile_warn_cb, void *,
		    char *);

/* transfer.c — uploads through libcurl's multi interface on the loop */
struct event_base;
struct transfer_ctx;
struct transfer;

struct transfer_opts {
	const char	*ca_file;	/* NULL: the system bundle */
	const char	*client_cert;	/* PEM; NULL: none */
	const char	*client_key;	/* PEM; with client_cert */
	long		 connect_timeout; /* seconds; 0: the default */
	long		 total_timeout;	/* seconds; 0: the default */
	size_t		 max_running;	/* in curl at once; 0: no cap */
};

enum transfer_method { TRANSFER_PUT, TRANSFER_POST };

struct transfer_req {
	const char		*url;		/* http://, https://, tftp:// */
	enum transfer_method	 method;	/* ignored for TFTP */
	const char		*content_type;
	const char		*content_encoding; /* NULL: no header */
	const char		*user;		/* NULL: no credentials */
	const char		*password;
	uint8_t			*body;		/* taken over, freed when done */
	size_t			 len;
	int			 tftp_plain;	/* RFC 1350 WRQ, no options */
};

struct transfer_result {
	int		 ok;		/* a 2xx, or a completed TFTP write */
	long		 http_code;	/* 0 when there was no HTTP answer */
	int		 curl_code;	/* CURLE_OK (0) or curl's error */
	char		 error[256];	/* empty when ok */
	size_t		 bytes;		/* body bytes sent */
	double		 seconds;
};

/*
 * Called once per transfer, from the loop (never from inside a libcurl
 * callback), so it may start or cancel transfers.  The result is only
 * valid during the call.
 */
typedef void (*transfer_done_cb)(void *, const struct transfer_result *);

struct transfer_ctx *transfer_ctx_new(struct event_base *,
		    const struct transfer_opts *, char *);
/* Abandons what is in flight; no callback runs. */
void		 transfer_ctx_free(struct transfer_ctx *);
/* Starts REQ (its body is taken over even on failure). */
struct transfer	*transfer_start(struct transfer_ctx *, struct transfer_req *,
		    transfer_done_cb, void *, char *);
/* Abandons one transfer; its callback does not run. */
void		 transfer_cancel(struct transfer *);
size_t		 transfer_count(const struct transfer_ctx *);
/* Transfers in curl now, waiting for a slot, and the most ever in curl. */
void		 transfer_stats(const struct transfer_ctx *, size_t *, size_t *,
		    size_t *);

/* ctl.c — the control socket's server (spec.md §7, docs/control.md) */
/* CTL_DEFAULT_PATH comes from config.h: configure --with-ctl-socket. */
#define CTL_MAX_CONNS		32
#define CTL_IDLE_MS		10000	/* a stalled peer is dropped */
/* Requests being read or handled, by announced size, across connections. */
#define CTL_MAX_INFLIGHT	(2 * CTLMSG_MAX_REQUEST)

struct ctl;
struct ctl_req;

/*
 * One request: ARGV[0] is the command.  ARGV and BLOB (import's file,
 * NULL when BLOBLEN is 0) stay valid until ctl_reply(REQ).  The handler
 * replies now or later, exactly once per request; until then the
 * connection reads nothing more.  REQ stays valid until that reply even
 * when the client went away or the server was freed: the reply is then
 * discarded.
 */
typedef void (*ctl_handler)(void *, struct ctl_req *, int, char **,
		    const uint8_t *, size_t);
/* A syslog priority (LOG_WARNING, LOG_DEBUG) and a line without newline. */
typedef void (*ctl_log_fn)(void *, int, const char *);

struct ctl_limits {
	unsigned int	 max_conns;	/* more get an error reply */
	unsigned int	 idle_ms;	/* no progress reading or writing */
	size_t		 max_inflight;	/* bytes, see CTL_MAX_INFLIGHT */
};

/*
 * Listen on PATH with MODE (chmod'ed after a bind under umask 0177).  A
 * stale socket there (nothing answers) is replaced; a live one, a path
 * that is not a socket or too long for sun_path are refused.  The host
 * must ignore SIGPIPE (a client may close before its reply is written).
 */
struct ctl	*ctl_listen(struct event_base *, const char *, mode_t,
		    ctl_handler, void *, char *);
void		 ctl_set_log(struct ctl *, ctl_log_fn, void *);
/* Zero fields keep the defaults above. */
void		 ctl_set_limits(struct ctl *, const struct ctl_limits *);
/*
 * Reply to REQ and release it.  TEXT is LEN bytes (a value list, a dump,
 * an error message); it is copied.  Returns 0 when the reply was queued,
 * -1 when it was discarded (the client or the server is gone) or too
 * large (the client then gets an error instead).
 */
int		 ctl_reply(struct ctl_req *, int, const char *, size_t);
/* The same with TEXT malloc'd: the reply takes it, uncopied, and frees it. */
int		 ctl_reply_take(struct ctl_req *, int, char *, size_t);
/* Connections open now. */
size_t		 ctl_count(const struct ctl *);
/* Closes every connection and unlinks the socket (if still ours). */
void		 ctl_free(struct ctl *);

/* ctlclient.c — cfgreportctl's side of the control socket */
#define CTLCLIENT_TIMEOUT_MS	30000

/*
 * Send ARGV as one request to the agent on SOCKPATH (NULL: the default)
 * and wait for its reply: the body goes to OUT and 0 is returned, or
 * "cfgreportctl: MESSAGE" goes to ERROUT and 1 is returned (the agent's
 * error, or why it could not be asked).  `import FILE` sends FILE's bytes
 * as the blob with argv {"import", FILE}; the agent never opens FILE.
 * Ignores SIGPIPE for its duration.
 */
int		 ctlclient_run(const char *, int, char **, FILE *, FILE *);
/* The same with a timeout other than CTLCLIENT_TIMEOUT_MS. */
int		 ctlclient_call(const char *, int, char **, int, FILE *,
		    FILE *);

/*
 * store.c — the durable configuration and delta bookkeeping (docs/store.md).
 * Every call that changes the store makes the change durable (a journal
 * record, fsynced) before it returns 0; on -1 nothing changed, in memory
 * or on disk.  One store per state directory (it is locked).
 */
struct store;

/*
 * Open the state in DIR (created when missing): the snapshot, then the
 * journal replayed.  No state file: a fresh store, to be given its
 * baseline.  A state file that does not parse is renamed
 * cfgreport.state.corrupt and the store starts fresh; a damaged journal
 * record is set aside likewise (cfgreport.journal.corrupt) and the store
 * keeps what came before it; a torn last record is ignored.  Then
 * store_recovered says what happened, for the log.  I/O errors fail.
 */
struct store	*store_open(const char *, char *);
void		 store_free(struct store *);
/* No configuration stored yet: call store_baseline (or store_apply). */
int		 store_is_fresh(const struct store *);
/*
 * NULL, or what store_open set aside or ignored, and why.  Damaged: 1 when
 * a file was set aside (damage: LOG_ERR), 0 when only a torn last record
 * was ignored (what a crash leaves, normal: LOG_WARNING).
 */
const char	*store_recovered(const struct store *);
int		 store_damaged(const struct store *);
const char	*store_path(const struct store *);
const struct params *store_params(const struct store *);
uint64_t	 store_seq(const struct store *);
/*
 * A fresh store takes PROFILE as it is, every change number 0: the loaded
 * profile is every destination's baseline.  DIGEST (may be NULL) is the
 * profile file's SHA-256.
 */
int		 store_baseline(struct store *, const struct params *,
		    const uint8_t [STATE_DIGEST_LEN], char *);
/*
 * One batch, all or nothing: every entry is checked with settings_check
 * first; a ua-only entry changes only the ua.  If anything changed, seq
 * grows by one and stamps the changed names; those CHANGED (may be NULL;
 * a name list) lacks are appended to it.
 */
int		 store_apply(struct store *, const struct params *,
		    struct params *, char *);
/*
 * The names a delta to KEY holds now (changed after its last accepted
 * delta), as a new name list; *SEQ gets the number to pass to
 * store_dest_ack after a 2xx.  An unknown KEY has nothing pending.
 */
struct params	*store_delta_names(const struct store *, const char *,
		    uint64_t *, char *);
/* How many names store_delta_names would list. */
size_t		 store_dest_pending(const struct store *, const char *);
/* 1 and KEY's number when known; 0 and the current seq when not. */
int		 store_dest_acked(const struct store *, const char *,
		    uint64_t *);
/* The server took KEY's delta built at SEQ; never moves it back. */
int		 store_dest_ack(struct store *, const char *, uint64_t, char *);
/*
 * Keep exactly the destinations KEYS (NKEYS of them): new ones start at
 * the current seq, the others are dropped.
 */
int		 store_dest_retain(struct store *, const char *const *, size_t,
		    char *);
/* The profile file's SHA-256 last applied, or NULL. */
const uint8_t	*store_profile_digest(const struct store *);
int		 store_set_profile_digest(struct store *,
		    const uint8_t [STATE_DIGEST_LEN], char *);
/* What the store's files hold now, for benchmarks and tests. */
struct store_stats {
	uint64_t	snapshot;	/* bytes of cfgreport.state */
	uint64_t	journal;	/* bytes of cfgreport.journal's records */
	uint64_t	records;	/* records after its head */
};
void		 store_stats(const struct store *, struct store_stats *);
/*
 * Compact when the journal passes BYTES instead of the snapshot's size
 * (at least 64 KiB); 0 restores that.  For tests that want compactions.
 */
void		 store_compact_at(struct store *, size_t);

/*
 * control.c — the control socket (spec.md §7) as an add-on over the public
 * API: its host creates it for an agent; its log lines go through
 * cfgreport_log, so they follow the agent's rules (verbose).
 */
struct cfgreport;
struct agent_ctl;
struct agent_ctl *agent_ctl_new(struct cfgreport *, struct event_base *,
		    const char *, mode_t, char *);
void		 agent_ctl_free(struct agent_ctl *);

/*
 * sipd.c — SIP NOTIFY (Event: report) and OPTIONS on one UDP socket
 * (spec.md §6, docs/sip.md).  Stateless but for the nonce-count table; it
 * authenticates and replies (only to a request's source); the rate limit
 * of NOTIFY-started rounds is the scheduler's (sched.c).
 */
#define SIPD_REALM		"cfgreport"
#define SIPD_BURST		64	/* datagrams per wake-up, then yield */
#define SIPD_LOG_EVERY		10	/* seconds between refusal summaries */

struct timeval;
struct sipd;

struct sipd_config {
	const char	*addr;		/* numeric, v4 or v6; NULL: 0.0.0.0 */
	int		 port;		/* 0: one the kernel picks (tests) */
	/*
	 * The credentials to check against, looked up at each request:
	 * 0 with both set, or -1 when none are configured (then every
	 * NOTIFY gets 403).
	 */
	int		(*creds)(void *, const char **, const char **);
	/* An authenticated NOTIFY: ask for a round (the scheduler limits). */
	void		(*trigger)(void *);
	/* A syslog priority and a line; NULL: silent.  Never a secret. */
	void		(*log)(void *, int, const char *);
	void		*arg;
	/*
	 * A listener several agents share: the argument creds and trigger
	 * get for a NOTIFY to USER (the Request-URI's user, else To's), or
	 * NULL when no agent has that user (404).  NULL: ARG for all.
	 */
	void		*(*route)(void *, const char *);
};

struct sipd	*sipd_new(struct event_base *, const struct sipd_config *,
		    char *);
void		 sipd_free(struct sipd *);
/* The UDP port bound: the one asked for, or the kernel's pick. */
int		 sipd_port(const struct sipd *);

#endif
