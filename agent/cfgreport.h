/*
 * cfgreport.h — libcfgreport, the configuration-report agent as a library.
 *
 * A host creates one or more agents on its own libevent event_base, feeds
 * them parameter changes and status values, asks for rounds, reads their
 * state and frees them.  Nothing here exits or prints: errors come back as
 * return values with a message in the caller's CFGREPORT_ERRLEN buffer, and
 * log lines go to the host's callback.  The only process-wide step is
 * libcurl's: call curl_global_init(CURL_GLOBAL_DEFAULT) once before the
 * first agent.  See docs/library.md for an example with two agents.
 */
#ifndef CFGREPORT_H
#define CFGREPORT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The size of every ERR buffer below; agent/agent.h ties it to CR_ERRLEN. */
#define CFGREPORT_ERRLEN	256

struct event_base;
struct cfgreport;

enum cfgreport_source {
	CFGREPORT_LOCAL,	/* the phone's UI or web page: arms On Local Change */
	CFGREPORT_PROVISIONING,	/* recorded for deltas, arms nothing */
};

/* Bits for cfgreport_report; 0 means every entry of the Report Rule. */
#define CFGREPORT_FULL		0x1
#define CFGREPORT_DELTA		0x2
#define CFGREPORT_STATUS	0x4

/* PRIORITY is a syslog(3) level: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG. */
typedef void (*cfgreport_log_fn)(void *, int, const char *);

/*
 * The agent's clock.  NULL members: CLOCK_MONOTONIC and time(3).  A host
 * with its own clock (a test, a simulation) calls cfgreport_clock_moved
 * whenever it advanced it: the agent's timers are deadlines on this
 * clock, checked then (and when a libevent timer armed for the remaining
 * time fires).
 */
struct cfgreport_clock {
	double		(*monotonic)(void *);	/* seconds, never backwards */
	time_t		(*wall)(void *);	/* seconds since the epoch */
	void		*arg;
};

/* One upload for the transport: the real URL, never shown. */
struct cfgreport_upload {
	const char	*url;		/* http://, https://, tftp:// */
	int		 put;		/* PUT, else POST; ignored for TFTP */
	const char	*content_type;
	const char	*content_encoding; /* NULL: no header */
	const char	*user;		/* NULL: no credentials */
	const char	*password;
	uint8_t		*body;		/* taken over by start, even on failure */
	size_t		 len;
};

struct cfgreport_upload_result {
	int		 ok;		/* a 2xx, or a completed TFTP write */
	long		 http_status;	/* 0 when there was no HTTP answer */
	const char	*error;		/* why, when not ok */
	size_t		 bytes;		/* body bytes sent */
	double		 seconds;
};

typedef void (*cfgreport_upload_done_fn)(void *,
		    const struct cfgreport_upload_result *);

/*
 * How reports travel.  NULL start: libcurl on the agent's loop (HTTP(S),
 * TFTP).  start returns a handle and later calls DONE(DONE_ARG, result)
 * exactly once, from the loop (never from inside start), unless the
 * upload was cancelled first; NULL with a reason in ERR when it cannot
 * start (DONE is then never called).
 */
struct cfgreport_transport {
	void		*(*start)(void *, struct cfgreport_upload *,
			    cfgreport_upload_done_fn, void *, char *);
	void		 (*cancel)(void *, void *);
	void		*arg;
};

/* What a host is told of each finished upload (cfgreport_config.outcome). */
struct cfgreport_outcome {
	const char	*destination;	/* "KIND URL", secrets masked */
	unsigned	 kind;		/* CFGREPORT_FULL, _DELTA or _STATUS */
	int		 ok;
	long		 http_status;	/* 0: none (TFTP, no answer) */
	size_t		 bytes;
	const char	*result;	/* as info's last-result */
	long		 next_retry;	/* seconds; -1: no retry scheduled */
	double		 seconds;	/* the upload's own time, not queueing */
	size_t		 in_flight;	/* this agent's uploads still going */
};
typedef void (*cfgreport_outcome_fn)(void *, const struct cfgreport_outcome *);

/*
 * A transfer context several agents on one loop may share (one libcurl
 * multi handle): at most MAX_IN_FLIGHT uploads run at once across them,
 * the others wait first come, first served.  Create it before the
 * agents, pass it in each one's cfgreport_config.transfers, free it after
 * the last of them.  The HTTPS trust and client identity are its own.
 */
struct cfgreport_transfers;
struct cfgreport_transfers_config {
	const char	*ca_file;	/* NULL: system bundle */
	const char	*client_cert;	/* PEM, with client_key; or NULL */
	const char	*client_key;
	size_t		 max_in_flight;	/* 0: no cap */
};
struct cfgreport_transfers_counts {
	size_t		 in_flight;	/* uploads running now */
	size_t		 queued;	/* waiting for a slot */
	size_t		 peak_in_flight; /* the most ever running at once */
};

struct cfgreport_transfers *cfgreport_transfers_new(struct event_base *,
		    const struct cfgreport_transfers_config *, char *);
void		 cfgreport_transfers_stats(const struct cfgreport_transfers *,
		    struct cfgreport_transfers_counts *);
/* After every agent that used it was freed. */
void		 cfgreport_transfers_free(struct cfgreport_transfers *);

/*
 * A SIP NOTIFY listener several agents on one loop share (one UDP
 * address): each NOTIFY goes to the agent whose User_ID_1_ is the
 * Request-URI's user (else the To header's), authenticated with that
 * agent's credentials; no such agent: 404.  Create it before the agents,
 * pass it in each one's cfgreport_config.sip, free it after the last.
 * Its own log lines (refusals, summaries) go to LOG.
 */
struct cfgreport_sip;
struct cfgreport_sip_config {
	const char	*addr;		/* numeric, v4 or v6; NULL: 0.0.0.0 */
	int		 port;		/* 0: one the kernel picks */
	cfgreport_log_fn log;		/* NULL: silent */
	void		*log_arg;
};

struct cfgreport_sip *cfgreport_sip_new(struct event_base *,
		    const struct cfgreport_sip_config *, char *);
/* The UDP port bound (the kernel's pick for port 0). */
int		 cfgreport_sip_port(const struct cfgreport_sip *);
/* After every agent that used it was freed. */
void		 cfgreport_sip_free(struct cfgreport_sip *);

struct cfgreport_config {
	const char	*state_dir;	/* required: durable state lives here */
	/*
	 * A profile file applied as a provisioning batch at start when its
	 * content differs from the one last applied (a restart never
	 * clobbers local changes).  May be NULL.
	 */
	const char	*profile_path;
	const uint8_t	*mac;		/* 6 bytes; NULL: from the interface */
	const char	*iface;		/* NULL: the first with a MAC */
	const char	*ca_file;	/* HTTPS trust; NULL: system bundle */
	const char	*client_cert;	/* PEM, with client_key; or NULL */
	const char	*client_key;
	const char	*sip_addr;	/* SIP NOTIFY address; NULL: any */
	int		 sip_port;	/* 0: no SIP socket */
	cfgreport_log_fn log;		/* NULL: silent */
	void		*log_arg;
	int		 verbose;	/* pass LOG_DEBUG lines too */
	cfgreport_outcome_fn outcome;	/* NULL: not told */
	void		*outcome_arg;
	const struct cfgreport_clock *clock;	/* NULL: the system's */
	const struct cfgreport_transport *transport; /* NULL: libcurl */
	/*
	 * Shared uploads (above); NULL: the agent's own libcurl context,
	 * with ca_file, client_cert and client_key, which must be NULL
	 * with a shared one.  Ignored with a transport.
	 */
	struct cfgreport_transfers *transfers;
	/* A shared SIP listener (above); sip_port must then be 0. */
	struct cfgreport_sip *sip;
};

struct cfgreport *cfgreport_new(struct event_base *,
		    const struct cfgreport_config *, char *);
/* Abandons transfers in flight; state is already durable. */
void		 cfgreport_free(struct cfgreport *);

/*
 * One atomic batch of NAME=VALUE changes: all are checked first, one bad
 * value refuses the whole batch with the reason, and success means the
 * batch is durable.
 */
int		 cfgreport_set(struct cfgreport *, enum cfgreport_source,
		    size_t, const char *const *, const char *const *, char *);
/* A whole flat-profile document as one provisioning batch. */
int		 cfgreport_import(struct cfgreport *, const char *, size_t,
		    char *);
/*
 * The same without holding the loop for the whole document: XML (LEN
 * bytes, unchanged until DONE is called or the import cancelled) is read
 * a slice per loop pass, then applied whole as cfgreport_import applies
 * it; DONE is called once, from the loop, with 0 or -1 and the reason
 * ("" on success).  Imports and reloads run one at a time, in the order
 * asked.  NULL (reason in ERR) when the agent is shutting down.
 * cfgreport_free ends those still queued with "the agent is shutting
 * down"; cfgreport_import_cancel ends one without calling DONE.
 */
struct cfgreport_import;
typedef void	(*cfgreport_import_done)(void *, int, const char *);
struct cfgreport_import *cfgreport_import_start(struct cfgreport *,
		    const char *, size_t, cfgreport_import_done, void *,
		    char *);
/*
 * cfgreport_reload in the same way: the file is read when its turn comes
 * (DONE gets 0 too when it is unchanged).  NULL without a profile file,
 * or when a reload is already waiting for its turn (it will read the file
 * as it is then).
 */
struct cfgreport_import *cfgreport_reload_start(struct cfgreport *,
		    cfgreport_import_done, void *, char *);
void		 cfgreport_import_cancel(struct cfgreport_import *);
/* Imports and reloads queued or being read. */
size_t		 cfgreport_imports(const struct cfgreport *);
/*
 * Status values: a batch that would leave more than
 * CFGREPORT_STATUS_MAX_VALUES values or CFGREPORT_STATUS_MAX_BYTES bytes of
 * names and values is refused whole.
 */
#define CFGREPORT_STATUS_MAX_VALUES	1000
#define CFGREPORT_STATUS_MAX_BYTES	(1024 * 1024)
int		 cfgreport_status_set(struct cfgreport *, size_t,
		    const char *const *, const char *const *, char *);
/* Re-read the profile file (SIGHUP); applied as a provisioning batch. */
int		 cfgreport_reload(struct cfgreport *, char *);
/*
 * Ask for a round of the entries whose kinds are in KINDS (0: all).  It
 * runs from the loop once this returns; -1 when no such entry can be
 * resolved now (the reason in ERR).
 */
int		 cfgreport_report(struct cfgreport *, unsigned, char *);

/*
 * Text answers, malloc'd, NUL-terminated; secrets masked.  get: one
 * "NAME=VALUE" line per name (an agent setting the profile lacks reads as
 * its default); dump: the configuration as a flat profile; info: MAC, mode,
 * next deadline and one block per destination.  A get whose answer
 * would pass CFGREPORT_GET_MAX bytes is refused before anything is built:
 * as much as an import carries, so that no get costs the loop more than
 * a round (a larger configuration is read whole with dump).
 */
#define CFGREPORT_GET_MAX	(16 * 1024 * 1024)
char		*cfgreport_get(struct cfgreport *, size_t, const char *const *,
		    char *);
char		*cfgreport_dump(struct cfgreport *);
char		*cfgreport_info(struct cfgreport *);

/* A line through the agent's log rules (add-ons such as the control socket). */
void		 cfgreport_log(struct cfgreport *, int, const char *);
/* The host's clock (cfgreport_config.clock) moved: check deadlines now. */
void		 cfgreport_clock_moved(struct cfgreport *);
/*
 * Give the heap's free pages back to the system (glibc's malloc_trim;
 * nothing elsewhere).  The library never does it itself: a round or a
 * batch leaves freed memory resident, and the host decides when trimming
 * is worth its cost, which grows with the whole heap (cfgreportd: after
 * each round and batch; a host of many agents: after a wave of rounds).
 * 1 when memory was released, else 0.
 */
int		 cfgreport_trim(void);

/*
 * Stop starting new work, give transfers in flight up to GRACE seconds,
 * then call DONE (from the loop).  State needs no flushing: every change
 * was durable when it was acknowledged.
 */
void		 cfgreport_shutdown(struct cfgreport *, int,
		    void (*)(void *), void *);

#ifdef __cplusplus
}
#endif

#endif
