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
	const char	*ctl_path;	/* control socket; NULL: none */
	mode_t		 ctl_mode;	/* 0: 0600 */
	const char	*sip_addr;	/* SIP NOTIFY address; NULL: any */
	int		 sip_port;	/* 0: no SIP socket */
	cfgreport_log_fn log;		/* NULL: silent */
	void		*log_arg;
	int		 verbose;	/* pass LOG_DEBUG lines too */
	/*
	 * Multiplies every agent delay (start-up spread, periodic interval,
	 * local-change delay, retry back-off).  0 means 1.  For tests and
	 * simulations only: cfgreportd always runs at 1.
	 */
	double		 time_scale;
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
int		 cfgreport_status_set(struct cfgreport *, size_t,
		    const char *const *, const char *const *, char *);
/* Re-read the profile file (SIGHUP); applied as a provisioning batch. */
int		 cfgreport_reload(struct cfgreport *, char *);
/* A round now, of the entries whose kinds are in KINDS (0: all). */
int		 cfgreport_report(struct cfgreport *, unsigned, char *);

/*
 * Text answers, malloc'd, NUL-terminated; secrets masked.  get: one
 * "NAME=VALUE" line per name (an agent setting the profile lacks reads as
 * its default); dump: the configuration as a flat profile; info: MAC, mode,
 * next deadline and one block per destination.
 */
char		*cfgreport_get(struct cfgreport *, size_t, const char *const *,
		    char *);
char		*cfgreport_dump(struct cfgreport *);
char		*cfgreport_info(struct cfgreport *);

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
