/*
 * cfgreportctl — the operator's and the device's command-line client.
 *
 * Subcommands are rows of a table; those that talk to a running agent use
 * the control socket (-S), the others work on files alone.  encrypt and
 * decrypt are for the provisioning side: pre-encrypting profiles and
 * decrypting reports with the same formats as the agent (spec.md §5.1, §5.2).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "agent.h"

/* Inputs are read whole: ample for profiles and reports, bounded anyway. */
#define CTL_MAX_INPUT	(256 * 1024 * 1024)
#define CTL_MAX_KEYFILE	(64 * 1024)

#define CTL_EXIT_FAIL	1
#define CTL_EXIT_USAGE	2

struct ctlopts {
	const char	*socket;	/* -S, for subcommands that use it */
};

struct ctl_cmd {
	const char	*name;
	int		(*exec)(struct ctlopts *, int, char **);
	const char	*usage;
};

static int	ctl_encrypt(struct ctlopts *, int, char **);
static int	ctl_decrypt(struct ctlopts *, int, char **);
static int	ctl_agent(struct ctlopts *, int, char **);

static const struct ctl_cmd ctl_cmds[] = {
	{ "set", ctl_agent,
	  "set [--source local|provisioning] NAME=VALUE..." },
	{ "get", ctl_agent, "get NAME..." },
	{ "dump", ctl_agent, "dump" },
	{ "info", ctl_agent, "info" },
	{ "status-set", ctl_agent, "status-set NAME=VALUE..." },
	{ "import", ctl_agent, "import FILE.xml" },
	{ "report", ctl_agent, "report [full|delta|status]" },
	{ "encrypt", ctl_encrypt,
	  "encrypt (KEY [--md sha256|md5] | IKM [--rs N]) IN OUT" },
	{ "decrypt", ctl_decrypt,
	  "decrypt (KEY [--md sha256|md5] | IKM) IN OUT" },
};

static void __attribute__((format(printf, 1, 2)))
ctl_warnx(const char *fmt, ...)
{
	va_list	ap;

	fputs("cfgreportctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* To stderr for a bad command line, to stdout for -h and --help. */
static void
ctl_usage_to(FILE *fp)
{
	size_t	i;

	fprintf(fp, "usage: cfgreportctl [-S CTLSOCKET] command ...\n");
	for (i = 0; i < sizeof ctl_cmds / sizeof ctl_cmds[0]; i++)
		fprintf(fp, "       cfgreportctl %s\n", ctl_cmds[i].usage);
	fprintf(fp, "       cfgreportctl -h | --help | -V | --version\n");
	fprintf(fp,
	    "KEY is --key K, --key-file FILE or --key-env VAR;\n"
	    "IKM is --ikm B64URL, --ikm-file FILE or --ikm-env VAR\n"
	    "(from a file: its first line; --key and --ikm show in ps)\n");
}

static void
ctl_usage(void)
{
	ctl_usage_to(stderr);
}

/* The secret a crypt subcommand was given, and where it came from. */
enum ctl_src { CTL_SRC_ARG, CTL_SRC_FILE, CTL_SRC_ENV };

struct ctl_crypt {
	int		 decrypt;
	int		 ikm;		/* RFC 8188 rather than openssl enc */
	enum ctl_src	 src;
	const char	*value;		/* the argument, path or variable */
	enum rule_md	 md;
	int		 md_set;
	uint32_t	 rs;
	int		 rs_set;
	const char	*in;
	const char	*out;
};

/*
 * The secret's bytes: the argument itself, the first line of a file or
 * an environment variable; for an IKM, base64url-decoded.  The result is
 * malloc'd for the caller to wipe and free.
 */
static uint8_t *
ctl_secret(const struct ctl_crypt *c, size_t *lenp, char *err)
{
	const char	*what = c->ikm ? "IKM" : "key", *text;
	char		*file = NULL;
	uint8_t		*out = NULL;
	size_t		 len = 0, n;
	char		 b64err[CR_ERRLEN];

	switch (c->src) {
	case CTL_SRC_ARG:
		text = c->value;
		len = strlen(text);
		break;
	case CTL_SRC_ENV:
		if ((text = getenv(c->value)) == NULL) {
			cr_seterr(err, "%s: environment variable %s is not "
			    "set", what, c->value);
			return (NULL);
		}
		len = strlen(text);
		break;
	case CTL_SRC_FILE:
		if ((file = fileio_read(c->value, CTL_MAX_KEYFILE, &n,
		    err)) == NULL)
			return (NULL);
		/* First line; a trailing CR too, for files from Windows. */
		text = file;
		len = strcspn(file, "\n");
		if (len > 0 && file[len - 1] == '\r')
			len--;
		break;
	default:
		abort();
	}
	if (len == 0) {
		cr_seterr(err, "%s is empty", what);
		goto out;
	}
	if (c->ikm) {
		if ((out = b64_decode(text, len, lenp, b64err)) == NULL)
			cr_seterr(err, "IKM: %s", b64err);
		else if (*lenp == 0) {
			cr_seterr(err, "IKM is empty");
			free(out);
			out = NULL;
		}
	} else if ((out = malloc(len)) == NULL)
		cr_seterr(err, "out of memory");
	else {
		memcpy(out, text, len);
		*lenp = len;
	}
out:
	if (file != NULL) {
		crypt_wipe(file, n);
		free(file);
	}
	return (out);
}

static int
ctl_parse_rs(const char *s, uint32_t *rs)
{
	char			*end;
	unsigned long long	 v;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < ECE_RS_MIN || v > UINT32_MAX)
		return (-1);
	*rs = (uint32_t)v;
	return (0);
}

static int
ctl_crypt_args(struct ctl_crypt *c, int argc, char **argv)
{
	enum { OPT_KEY = 256, OPT_KEY_FILE, OPT_KEY_ENV, OPT_IKM,
	    OPT_IKM_FILE, OPT_IKM_ENV, OPT_MD, OPT_RS };
	static const struct option longopts[] = {
		{ "key",	required_argument, NULL, OPT_KEY },
		{ "key-file",	required_argument, NULL, OPT_KEY_FILE },
		{ "key-env",	required_argument, NULL, OPT_KEY_ENV },
		{ "ikm",	required_argument, NULL, OPT_IKM },
		{ "ikm-file",	required_argument, NULL, OPT_IKM_FILE },
		{ "ikm-env",	required_argument, NULL, OPT_IKM_ENV },
		{ "md",		required_argument, NULL, OPT_MD },
		{ "rs",		required_argument, NULL, OPT_RS },
		{ NULL,		0,		   NULL, 0 }
	};
	const char	*cmd = c->decrypt ? "decrypt" : "encrypt";
	int		 ch, nsrc = 0;

	c->md = RULE_MD_SHA256;
	c->rs = ECE_RS_DEFAULT;
	optind = 0;	/* a fresh scan of the subcommand's own argv */
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_KEY:
		case OPT_KEY_FILE:
		case OPT_KEY_ENV:
		case OPT_IKM:
		case OPT_IKM_FILE:
		case OPT_IKM_ENV:
			nsrc++;
			c->ikm = ch == OPT_IKM || ch == OPT_IKM_FILE ||
			    ch == OPT_IKM_ENV;
			c->src = ch == OPT_KEY || ch == OPT_IKM ? CTL_SRC_ARG :
			    ch == OPT_KEY_FILE || ch == OPT_IKM_FILE ?
			    CTL_SRC_FILE : CTL_SRC_ENV;
			c->value = optarg;
			break;
		case OPT_MD:
			if (strcmp(optarg, "sha256") == 0)
				c->md = RULE_MD_SHA256;
			else if (strcmp(optarg, "md5") == 0)
				c->md = RULE_MD_MD5;
			else {
				ctl_warnx("%s: --md: %s: must be sha256 or "
				    "md5", cmd, optarg);
				return (-1);
			}
			c->md_set = 1;
			break;
		case OPT_RS:
			if (ctl_parse_rs(optarg, &c->rs) != 0) {
				ctl_warnx("%s: --rs: %s: must be %d to %"
				    PRIu32, cmd, optarg, ECE_RS_MIN,
				    UINT32_MAX);
				return (-1);
			}
			c->rs_set = 1;
			break;
		default:
			ctl_usage();
			return (-1);
		}
	}
	argc -= optind;
	argv += optind;
	if (nsrc != 1) {
		ctl_warnx("%s: give exactly one of --key, --key-file, "
		    "--key-env, --ikm, --ikm-file, --ikm-env", cmd);
		return (-1);
	}
	if (c->md_set && c->ikm) {
		ctl_warnx("%s: --md applies to --key only", cmd);
		return (-1);
	}
	if (c->rs_set && (c->decrypt || !c->ikm)) {
		ctl_warnx("%s: --rs applies to encrypt with an IKM only "
		    "(a decoder reads it from the input)", cmd);
		return (-1);
	}
	if (argc != 2) {
		ctl_warnx("%s: need IN and OUT", cmd);
		ctl_usage();
		return (-1);
	}
	c->in = argv[0];
	c->out = argv[1];
	return (0);
}

static int
ctl_crypt(int decrypt, int argc, char **argv)
{
	struct ctl_crypt	 c;
	char			 err[CR_ERRLEN];
	char			*in = NULL;
	uint8_t			*secret = NULL, *out = NULL;
	size_t			 inlen = 0, secretlen = 0, outlen = 0;
	mode_t			 mask, mode;
	int			 rv = CTL_EXIT_FAIL;

	memset(&c, 0, sizeof c);
	c.decrypt = decrypt;
	if (ctl_crypt_args(&c, argc, argv) != 0)
		return (CTL_EXIT_USAGE);

	if ((secret = ctl_secret(&c, &secretlen, err)) == NULL) {
		ctl_warnx("%s", err);
		goto out;
	}
	if ((in = fileio_read(c.in, CTL_MAX_INPUT, &inlen, err)) == NULL) {
		ctl_warnx("%s", err);
		goto out;
	}
	if (c.ikm && decrypt)
		rv = ece_decrypt(in, inlen, secret, secretlen, &out, &outlen,
		    err);
	else if (c.ikm)
		rv = ece_encrypt(in, inlen, secret, secretlen, NULL, c.rs,
		    &out, &outlen, err);
	else if (decrypt)
		rv = osslenc_decrypt(in, inlen, secret, secretlen, c.md, &out,
		    &outlen, err);
	else
		rv = osslenc_encrypt(in, inlen, secret, secretlen, c.md, NULL,
		    &out, &outlen, err);
	if (rv != 0) {
		ctl_warnx("%s: %s", c.in, err);
		rv = CTL_EXIT_FAIL;
		goto out;
	}

	/*
	 * Plaintext may carry the device's secrets: owner only.  Ciphertext
	 * is for a provisioning server to serve: the usual umask applies.
	 */
	mask = umask(0);
	umask(mask);
	mode = decrypt ? 0600 : (0666 & ~mask);
	if (fileio_write_atomic(c.out, out, outlen, mode, err) != 0) {
		ctl_warnx("%s", err);
		rv = CTL_EXIT_FAIL;
		goto out;
	}
	rv = 0;
out:
	crypt_wipe(secret, secretlen);
	free(secret);
	/* Plaintext: the input of encrypt, the output of decrypt. */
	crypt_wipe(in, inlen);
	free(in);
	crypt_wipe(out, outlen);
	free(out);
	return (rv);
}

static int
ctl_encrypt(struct ctlopts *ctl, int argc, char **argv)
{
	return (ctl_crypt(0, argc, argv));
}

static int
ctl_decrypt(struct ctlopts *ctl, int argc, char **argv)
{
	return (ctl_crypt(1, argc, argv));
}

/* The subcommands a running agent answers, over its control socket. */
static int
ctl_agent(struct ctlopts *ctl, int argc, char **argv)
{
	return (ctlclient_run(ctl->socket, argc, argv, stdout, stderr));
}

int
main(int argc, char **argv)
{
	struct ctlopts	 ctl = { NULL };
	size_t		 i;
	int		 ch;

	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ "version",	no_argument,	NULL, 'V' },
		{ NULL,		0,		NULL, 0 }
	};

	while ((ch = getopt_long(argc, argv, "+S:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'S':
			ctl.socket = optarg;
			break;
		case 'h':
			ctl_usage_to(stdout);
			return (0);
		case 'V':
			printf("cfgreportctl %s\n", PACKAGE_VERSION);
			return (0);
		default:
			ctl_usage();
			return (CTL_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		ctl_usage();
		return (CTL_EXIT_USAGE);
	}
	for (i = 0; i < sizeof ctl_cmds / sizeof ctl_cmds[0]; i++) {
		if (strcmp(argv[0], ctl_cmds[i].name) == 0)
			return (ctl_cmds[i].exec(&ctl, argc, argv));
	}
	ctl_warnx("unknown command: %s", argv[0]);
	ctl_usage();
	return (CTL_EXIT_USAGE);
}
