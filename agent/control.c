/*
 * control.c — the control socket's commands (spec.md §7), an add-on its
 * host creates over the public API: each request's argv becomes one
 * libcfgreport call, and its result the reply (a `report` is answered
 * before its round runs, from the loop).  The transport (framing, limits,
 * connections) is ctl.c's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "proto.h"
#include "agent.h"
#include "cfgreport.h"

struct agent_ctl {
	struct cfgreport	*agent;
	struct ctl		*ctl;
};

#define CONTROL_MAX_ARGS	PARAMS_MAX_COUNT
_Static_assert(CFGREPORT_GET_MAX <= CTLMSG_MAX_REPLY,
    "a get the library answers fits in a reply");

/*
 * Split NAME=VALUE arguments in place.  The name must be non-empty; the
 * value may be empty and may hold '=' itself.
 */
static int
control_split(int argc, char **argv, const char **names, const char **values,
    char *err)
{
	char	*eq;
	int	 i;

	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL || eq == argv[i]) {
			cr_seterr(err, "argument %d: expected NAME=VALUE", i + 1);
			return -1;
		}
		*eq = '\0';
		names[i] = argv[i];
		values[i] = eq + 1;
	}
	return 0;
}

/* set/status-set: one batch of NAME=VALUE pairs. */
static int
control_batch(struct cfgreport *a, int status, enum cfgreport_source src,
    int argc, char **argv, char *err)
{
	const char	**names = NULL, **values = NULL;
	int		  rv = -1;

	if (argc == 0) {
		cr_seterr(err, "nothing to set: give NAME=VALUE...");
		return -1;
	}
	if ((names = calloc((size_t)argc, sizeof *names)) == NULL ||
	    (values = calloc((size_t)argc, sizeof *values)) == NULL)
		cr_seterr(err, "out of memory");
	else if (control_split(argc, argv, names, values, err) == 0)
		rv = status ? cfgreport_status_set(a, (size_t)argc, names,
		    values, err) : cfgreport_set(a, src, (size_t)argc, names,
		    values, err);
	free(names);
	free(values);
	return rv;
}

static int
control_set(struct cfgreport *a, int argc, char **argv, char *err)
{
	enum cfgreport_source	src = CFGREPORT_LOCAL;

	if (argc >= 1 && strcmp(argv[0], "--source") == 0) {
		if (argc < 2) {
			cr_seterr(err, "--source needs local or provisioning");
			return -1;
		}
		if (strcmp(argv[1], "local") == 0)
			src = CFGREPORT_LOCAL;
		else if (strcmp(argv[1], "provisioning") == 0)
			src = CFGREPORT_PROVISIONING;
		else {
			cr_seterr(err, "--source %s: expected local or "
			    "provisioning", argv[1]);
			return -1;
		}
		argc -= 2;
		argv += 2;
	}
	return control_batch(a, 0, src, argc, argv, err);
}

static int
control_report(struct cfgreport *a, int argc, char **argv, char *err)
{
	unsigned	kinds = 0;
	int		i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "full") == 0)
			kinds |= CFGREPORT_FULL;
		else if (strcmp(argv[i], "delta") == 0)
			kinds |= CFGREPORT_DELTA;
		else if (strcmp(argv[i], "status") == 0)
			kinds |= CFGREPORT_STATUS;
		else {
			cr_seterr(err, "report %s: expected full, delta or "
			    "status", argv[i]);
			return -1;
		}
	}
	return cfgreport_report(a, kinds, err);
}

/* An import read and applied (or refused): its reply. */
static void
control_imported(void *arg, int rv, const char *err)
{
	struct ctl_req	*req = arg;

	if (rv == 0)
		ctl_reply(req, 1, "", 0);
	else
		ctl_reply(req, 0, err, strlen(err));
	/* Its peak (the request, the set read, a batch) given back. */
	cfgreport_trim();
}

static void
control_handle(void *arg, struct ctl_req *req, int argc, char **argv,
    const uint8_t *blob, size_t bloblen)
{
	struct agent_ctl	*ac = arg;
	struct cfgreport	*a = ac->agent;
	const char		*cmd = argc > 0 ? argv[0] : "";
	char			 err[CR_ERRLEN], *text = NULL;
	int			 rv = -1;

	err[0] = '\0';
	argc--;
	argv++;
	/*
	 * A batch peaks at a copy of every parameter and the encoded state
	 * (docs/store.md): the daemon gives that back after each one, the
	 * library leaves it to its host (cfgreport_trim).
	 */
	if (strcmp(cmd, "set") == 0) {
		rv = control_set(a, argc, argv, err);
		cfgreport_trim();
	} else if (strcmp(cmd, "status-set") == 0)
		rv = control_batch(a, 1, CFGREPORT_LOCAL, argc, argv, err);
	else if (strcmp(cmd, "import") == 0) {
		if (bloblen == 0)
			cr_seterr(err, "import: the profile is empty");
		/* The reply comes once it is applied; the blob lives till then. */
		else if (cfgreport_import_start(a, (const char *)blob, bloblen,
		    control_imported, req, err) != NULL)
			return;
	} else if (strcmp(cmd, "report") == 0)
		rv = control_report(a, argc, argv, err);
	else if (strcmp(cmd, "get") == 0) {
		if (argc == 0)
			cr_seterr(err, "get: give one or more names");
		else if ((text = cfgreport_get(a, (size_t)argc,
		    (const char *const *)argv, err)) != NULL)
			rv = 0;
	} else if (strcmp(cmd, "dump") == 0 || strcmp(cmd, "info") == 0) {
		if (argc != 0)
			cr_seterr(err, "%s takes no arguments", cmd);
		else if ((text = cmd[0] == 'd' ? cfgreport_dump(a) :
		    cfgreport_info(a)) == NULL)
			cr_seterr(err, "out of memory");
		else
			rv = 0;
	} else
		cr_seterr(err, "unknown command \"%.40s\": expected set, get, "
		    "dump, info, status-set, import or report", cmd);

	if (rv == 0 && text != NULL)
		ctl_reply_take(req, 1, text, strlen(text));
	else if (rv == 0)
		ctl_reply(req, 1, "", 0);
	else {
		ctl_reply(req, 0, err, strlen(err));
		free(text);
	}
}

/* The transport's lines, through the agent's log rules. */
static void
control_log(void *arg, int prio, const char *msg)
{
	struct agent_ctl	*ac = arg;

	cfgreport_log(ac->agent, prio, msg);
}

struct agent_ctl *
agent_ctl_new(struct cfgreport *a, struct event_base *base, const char *path,
    mode_t mode, char *err)
{
	struct agent_ctl	*ac;

	if ((ac = calloc(1, sizeof *ac)) == NULL) {
		cr_seterr(err, "out of memory");
		return NULL;
	}
	ac->agent = a;
	if ((ac->ctl = ctl_listen(base, path, mode, control_handle, ac,
	    err)) == NULL) {
		free(ac);
		return NULL;
	}
	ctl_set_log(ac->ctl, control_log, ac);
	return ac;
}

void
agent_ctl_free(struct agent_ctl *ac)
{
	if (ac == NULL)
		return;
	ctl_free(ac->ctl);
	free(ac);
}
