/*
 * cfgreportd — uploads configuration, delta and status reports of a desk
 * phone or ATA to its provisioning server.  See SPEC §11 for the flags.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "agent.h"

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
};

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr,
	    "usage: cfgreportd [-d] [-v] [-n] -c PROFILE.xml [-s STATEDIR] "
	    "[-S CTLSOCKET]\n"
	    "                  [-p SIPPORT] [-b SIPADDR] [-i IFACE] [-m MAC] "
	    "[-A CAFILE]\n"
	    "                  [--client-cert PEM --client-key PEM]\n");
	exit(1);
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
	struct rule		 r;
	struct netif_info	 ni;
	struct macro_env	 env;
	char			 err[CR_ERRLEN];
	size_t			 i;

	memset(&env, 0, sizeof env);
	/*
	 * -m overrides the MAC only: the IP still comes from the interface
	 * (-i, or the first one) when there is one.
	 */
	if (netif_find(o->iface, &ni, err) == -1 &&
	    (o->iface != NULL || o->mac == NULL)) {
		fprintf(stderr, "cfgreportd: %s\n", err);
		return 1;
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
	if (config_plan(p, &env, &r, err) == -1) {
		fprintf(stderr, "cfgreportd: %s: %s\n", o->profile, err);
		params_free(p);
		return 1;
	}
	for (i = 0; i < r.n; i++)
		printf("%s %s %s\n", report_kind_name(r.e[i].kind),
		    r.e[i].url, config_encryption(p, &r.e[i]));
	printf("configuration OK\n");
	rule_clear(&r);
	params_free(p);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "client-cert",	required_argument, NULL, 'C' },
		{ "client-key",		required_argument, NULL, 'K' },
		{ NULL,			0,		   NULL, 0 }
	};
	struct opts	 o;
	char		*end;
	int		 ch;

	memset(&o, 0, sizeof o);
	o.sipport = 5060;
	while ((ch = getopt_long(argc, argv, "dvnc:s:S:p:b:i:m:A:", longopts,
	    NULL)) != -1) {
		switch (ch) {
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
			usage();
		}
	}
	if (optind != argc || o.profile == NULL)
		usage();
	if ((o.client_cert == NULL) != (o.client_key == NULL)) {
		fprintf(stderr, "cfgreportd: --client-cert and --client-key "
		    "go together\n");
		return 1;
	}
	if (o.check)
		return check_config(&o);
	fprintf(stderr, "cfgreportd: this build only checks a profile (-n); "
	    "the upload loop is not part of it\n");
	return 1;
}
