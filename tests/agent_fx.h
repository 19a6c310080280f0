/*
 * agent_fx.h — the agent core under test: a clock the test moves and a
 * transport the test answers (cfgreport_config's seams), a state
 * directory of its own, the log and the outcomes captured.  Shared by
 * tests/test_agent.c and tests/test_control.c.
 */
#ifndef AGENT_FX_H
#define AGENT_FX_H

#define FX_MAX_UPLOADS	4096

struct upload {
	int			 active;	/* started, not done, not cancelled */
	char			*url;
	char			*body;		/* NUL-terminated copy */
	size_t			 len;
	char			 type[64];
	cfgreport_upload_done_fn done;
	void			*arg;
};

struct fx {
	struct event_base	*base;
	struct cfgreport	*a;
	char			 dir[64];
	double			 now;
	time_t			 wall;
	struct upload		 up[FX_MAX_UPLOADS];
	size_t			 nup;
	char			*log;		/* every line, joined */
	size_t			 loglen;
	int			 errs;		/* lines at LOG_ERR */
	int			 outcomes;
	char			 outcome_dest[512];
	long			 outcome_retry;
	long			 outcome_status;
	int			 quiet;		/* verbose = 0 */
	int			 peek_fd;	/* -1, or a socket fx_start peeks */
	int			 peeked;	/* bytes were waiting on it then */
};

static inline double
fx_mono(void *arg)
{
	return ((struct fx *)arg)->now;
}

static inline time_t
fx_wall(void *arg)
{
	struct fx	*f = arg;

	return f->wall + (time_t)f->now;
}

static inline void *
fx_start(void *arg, struct cfgreport_upload *u,
    cfgreport_upload_done_fn done, void *done_arg, char *err)
{
	struct fx	*f = arg;
	struct upload	*x;

	assert_true(f->nup < FX_MAX_UPLOADS);
	if (f->peek_fd >= 0) {
		char	c;

		f->peeked = recv(f->peek_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
	}
	x = &f->up[f->nup++];
	x->active = 1;
	x->url = strdup(u->url);
	x->body = calloc(1, u->len + 1);
	memcpy(x->body, u->body, u->len);
	x->len = u->len;
	snprintf(x->type, sizeof x->type, "%s", u->content_type);
	x->done = done;
	x->arg = done_arg;
	free(u->body);
	u->body = NULL;
	return x;
}

static inline void
fx_cancel(void *arg, void *handle)
{
	((struct upload *)handle)->active = 0;
}

static inline void
fx_log(void *arg, int prio, const char *msg)
{
	struct fx	*f = arg;
	size_t		 n = strlen(msg);

	f->log = realloc(f->log, f->loglen + n + 2);
	memcpy(f->log + f->loglen, msg, n);
	f->log[f->loglen + n] = '\n';
	f->log[f->loglen + n + 1] = '\0';
	f->loglen += n + 1;
	if (prio <= LOG_ERR)
		f->errs++;
}

static inline void
fx_outcome(void *arg, const struct cfgreport_outcome *o)
{
	struct fx	*f = arg;

	f->outcomes++;
	snprintf(f->outcome_dest, sizeof f->outcome_dest, "%s",
	    o->destination);
	f->outcome_retry = o->next_retry;
	f->outcome_status = o->http_status;
}

/* Run what the loop has ready (rounds run from it), nothing more. */
static inline void
fx_loop(struct fx *f)
{
	int	i;

	for (i = 0; i < 8; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
}

/* Move the clock by SECONDS and let the agent see it. */
static inline void
fx_advance(struct fx *f, double seconds)
{
	f->now += seconds;
	cfgreport_clock_moved(f->a);
	fx_loop(f);
}

/* Answer upload I: STATUS 2xx is ok; 0 is a failure without an answer. */
static inline void
fx_finish(struct fx *f, size_t i, long status)
{
	struct cfgreport_upload_result	r;

	assert_true(i < f->nup);
	assert_true(f->up[i].active);
	memset(&r, 0, sizeof r);
	r.ok = status >= 200 && status < 300;
	r.http_status = status;
	r.error = r.ok ? "" : status != 0 ? "HTTP 503" : "Could not connect";
	r.bytes = f->up[i].len;
	f->up[i].active = 0;
	f->up[i].done(f->up[i].arg, &r);
	fx_loop(f);
}

/*
 * The agent on F's state directory with the profile file PATH (NULL:
 * none), as it is; NULL with the reason in ERR when it does not start.
 */
static inline struct cfgreport *
fx_agent_file(struct fx *f, const char *path, char *err)
{
	static const uint8_t		mac[6] = { 0, 0x0e, 0x08, 0xaa, 0xbb,
					    0xcc };
	struct cfgreport_config		cfg;
	struct cfgreport_clock		clock;
	struct cfgreport_transport	tr;

	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = f->dir;
	cfg.mac = mac;
	cfg.log = fx_log;
	cfg.log_arg = f;
	cfg.verbose = !f->quiet;
	cfg.outcome = fx_outcome;
	cfg.outcome_arg = f;
	memset(&clock, 0, sizeof clock);
	clock.monotonic = fx_mono;
	clock.wall = fx_wall;
	clock.arg = f;
	cfg.clock = &clock;
	memset(&tr, 0, sizeof tr);
	tr.start = fx_start;
	tr.cancel = fx_cancel;
	tr.arg = f;
	cfg.transport = &tr;
	cfg.profile_path = path;
	return cfgreport_new(f->base, &cfg, err);
}

static inline void
fx_agent(struct fx *f, const char *profile)
{
	char	path[128], err[CFGREPORT_ERRLEN];
	FILE	*fp;

	if (profile != NULL) {
		snprintf(path, sizeof path, "%s/p.xml", f->dir);
		assert_non_null(fp = fopen(path, "w"));
		fprintf(fp, "<flat-profile>%s</flat-profile>\n", profile);
		fclose(fp);
	}
	if ((f->a = fx_agent_file(f, profile != NULL ? path : NULL,
	    err)) == NULL)
		fail_msg("cfgreport_new: %s", err);
	fx_loop(f);
}

static inline int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof *f);

	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/cfgreport-agent.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_non_null(f->base = event_base_new());
	f->now = 1000;
	f->peek_fd = -1;
	f->wall = 1790000000;
	*state = f;
	return 0;
}

static inline void
fx_free_uploads(struct fx *f)
{
	size_t	i;

	for (i = 0; i < f->nup; i++) {
		free(f->up[i].url);
		free(f->up[i].body);
	}
	memset(f->up, 0, sizeof f->up);
	f->nup = 0;
}

static inline int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	cfgreport_free(f->a);
	event_base_free(f->base);
	fx_free_uploads(f);
	free(f->log);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Restart the agent on the same state directory (and profile). */
static inline void
fx_restart(struct fx *f, const char *profile)
{
	cfgreport_free(f->a);
	f->a = NULL;
	fx_agent(f, profile);
}

static inline void
fx_set(struct fx *f, enum cfgreport_source src, const char *name,
    const char *value)
{
	char	err[CFGREPORT_ERRLEN];

	if (cfgreport_set(f->a, src, 1, &name, &value, err) == -1)
		fail_msg("set %s: %s", name, err);
	fx_loop(f);
}

static inline void
fx_status(struct fx *f, const char *name, const char *value)
{
	char	err[CFGREPORT_ERRLEN];

	if (cfgreport_status_set(f->a, 1, &name, &value, err) == -1)
		fail_msg("status-set %s: %s", name, err);
	fx_loop(f);
}

static inline void
fx_report(struct fx *f, unsigned kinds)
{
	char	err[CFGREPORT_ERRLEN];

	if (cfgreport_report(f->a, kinds, err) == -1)
		fail_msg("report: %s", err);
}

/* The value of "KEY N" in info, or -1 when info has no such line. */
static inline long
fx_info_num(struct fx *f, const char *key)
{
	char	*info = cfgreport_info(f->a), *p;
	long	 v = -1;

	assert_non_null(info);
	if ((p = strstr(info, key)) != NULL)
		v = strtol(p + strlen(key), NULL, 10);
	free(info);
	return v;
}

#endif
