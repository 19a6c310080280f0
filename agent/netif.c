/*
 * netif.c — the device's MAC (and IP) address for $MA, the status report
 * and `info` (spec.md §9): a named interface, or the first non-loopback one
 * with a hardware address, or an operator's override (-m).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "agent.h"

static int
netif_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Accepts the spellings operators paste: 000e08aabbcc, 00:0e:08:aa:bb:cc,
 * 00-0E-08-AA-BB-CC, in either case.  One separator style throughout.
 */
int
netif_parse_mac(const char *s, uint8_t mac[6])
{
	size_t	i, len = strlen(s);
	char	sep = 0;
	int	hi, lo;

	if (len == 17) {
		sep = s[2];
		if (sep != ':' && sep != '-')
			return -1;
	} else if (len != 12)
		return -1;
	for (i = 0; i < 6; i++) {
		const char *p = s + i * (sep ? 3 : 2);

		if (sep && i < 5 && p[2] != sep)
			return -1;
		if ((hi = netif_hexval((unsigned char)p[0])) < 0 ||
		    (lo = netif_hexval((unsigned char)p[1])) < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int
netif_usable_mac(const uint8_t *a, int len)
{
	int	i;

	if (len != 6)
		return 0;
	for (i = 0; i < 6; i++)
		if (a[i] != 0)
			return 1;
	return 0;
}

/*
 * Fill NI from interface IFNAME, or when IFNAME is NULL from the
 * non-loopback interface with a hardware address that is up, with the
 * lowest index (getifaddrs order is not stable across kernels; the index
 * is); an interface that is down only when none is up (a phone's ifb or
 * bridge ports come first by index but carry no address).
 */
int
netif_find(const char *ifname, struct netif_info *ni, char *err)
{
	struct ifaddrs		*ifa, *p;
	struct sockaddr_ll	*sll;
	int			 best = -1, rank;

	memset(ni, 0, sizeof *ni);
	if (getifaddrs(&ifa) == -1) {
		cr_seterr(err, "getifaddrs: %s", strerror(errno));
		return -1;
	}
	for (p = ifa; p != NULL; p = p->ifa_next) {
		if (p->ifa_addr == NULL || p->ifa_addr->sa_family != AF_PACKET)
			continue;
		if (ifname != NULL ? strcmp(p->ifa_name, ifname) != 0 :
		    (p->ifa_flags & IFF_LOOPBACK) != 0)
			continue;
		sll = (struct sockaddr_ll *)p->ifa_addr;
		if (!netif_usable_mac(sll->sll_addr, sll->sll_halen))
			continue;
		/* Up interfaces rank before down ones, then by index. */
		rank = sll->sll_ifindex + ((p->ifa_flags & IFF_UP) ? 0 :
		    (1 << 24));
		if (best != -1 && rank >= best)
			continue;
		best = rank;
		snprintf(ni->name, sizeof ni->name, "%s", p->ifa_name);
		memcpy(ni->mac, sll->sll_addr, 6);
	}
	if (best == -1) {
		freeifaddrs(ifa);
		if (ifname != NULL)
			cr_seterr(err, "interface %s: no such interface or "
			    "no hardware address", ifname);
		else
			cr_seterr(err, "no non-loopback interface with a "
			    "hardware address (use -m or -i)");
		return -1;
	}
	/* The interface's first IPv4 address, else its first IPv6 one. */
	for (p = ifa; p != NULL; p = p->ifa_next) {
		const void	*a;
		int		 fam;

		if (p->ifa_addr == NULL || strcmp(p->ifa_name, ni->name) != 0)
			continue;
		fam = p->ifa_addr->sa_family;
		if (fam == AF_INET)
			a = &((struct sockaddr_in *)p->ifa_addr)->sin_addr;
		else if (fam == AF_INET6 && ni->ip[0] == '\0')
			a = &((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr;
		else
			continue;
		inet_ntop(fam, a, ni->ip, sizeof ni->ip);
		if (fam == AF_INET)
			break;
	}
	freeifaddrs(ifa);
	return 0;
}
