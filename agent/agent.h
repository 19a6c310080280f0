/*
 * agent.h — private prototypes of agent/, grouped by file.
 */
#ifndef CFGREPORT_AGENT_H
#define CFGREPORT_AGENT_H

#include <sys/types.h>

#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>

#include "proto.h"

/* log.c */
void	log_init(int, int, const char *);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
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

/* config.c */
#define CONFIG_MAX_PROFILE	(16 * 1024 * 1024)
/*
 * Read and parse the profile file PATH.  STRICT (cfgreportd -n): a bad
 * agent setting is an error.  Otherwise it is reported through WARN and
 * dropped, so its default applies and the agent still starts (SPEC §2).
 */
struct params	*config_load(const char *, int, profile_warn_cb, void *,
		    char *);
/* "plain", "aes-256-cbc" or "aes128gcm" for ENTRY under PARAMS. */
const char	*config_encryption(const struct params *,
		    const struct rule_entry *);
/*
 * Parse and resolve PARAMS' Report_Rule for the device described by ENV
 * (macros, scheme, DHCP option 66 from ENV's status values).
 */
int		 config_plan(const struct params *, struct macro_env *,
		    struct rule *, char *);

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

#endif
