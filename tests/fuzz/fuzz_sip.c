/*
 * fuzz_sip.c — libFuzzer harness for the SIP request parser and the
 * response builder.
 *
 * Whatever the datagram: sip_parse returns one of its four codes with a
 * one-line reason for every error; every piece it keeps is NUL-terminated
 * at its length; a dropped message cannot be answered; and the response
 * to an answerable one fits SIP_MAX_RESPONSE, starts with the status
 * line, ends with the empty line, and has no NUL and no CR or LF outside
 * a CRLF pair (nothing in a request can inject a header into the answer).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct sip_msg	msg;
static char		out[SIP_MAX_RESPONSE];

static void
check_str(const struct sip_str *s)
{
	if (s->p == NULL)
		return;
	if (s->p < msg.buf || s->p + s->len >= msg.buf + sizeof msg.buf ||
	    strlen(s->p) != s->len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	err[CR_ERRLEN];
	size_t	i;
	int	rv, n;

	err[0] = '\0';
	rv = sip_parse(data, size, &msg, err);
	if (rv != SIP_OK && (err[0] == '\0' || strchr(err, '\n') != NULL))
		abort();
	if (rv == SIP_EDROP) {
		if (sip_response(&msg, 400, "t", "127.0.0.1", 1, NULL, out,
		    sizeof out, err) != -1)
			abort();
		return 0;
	}
	if (rv != SIP_OK && rv != SIP_EBAD && rv != SIP_EVERSION)
		abort();
	if (msg.nvia == 0 || msg.nvia > SIP_MAX_VIA ||
	    msg.nauth > SIP_MAX_AUTH)
		abort();
	for (i = 0; i < msg.nvia; i++)
		check_str(&msg.via[i]);
	for (i = 0; i < msg.nauth; i++)
		check_str(&msg.auth[i]);
	check_str(&msg.method);
	check_str(&msg.uri);
	check_str(&msg.from);
	check_str(&msg.to);
	check_str(&msg.call_id);
	check_str(&msg.cseq_method);
	check_str(&msg.event);
	if (rv == SIP_OK && msg.method.p == NULL)
		abort();

	n = sip_response(&msg, 401, "0123456789abcdef",
	    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 65535,
	    "WWW-Authenticate: Digest realm=\"cfgreport\"\r\n", out,
	    sizeof out, err);
	if (n <= 0 || (size_t)n >= sizeof out || strlen(out) != (size_t)n)
		abort();
	if (strncmp(out, "SIP/2.0 401 Unauthorized\r\n", 26) != 0 ||
	    n < 4 || memcmp(out + n - 4, "\r\n\r\n", 4) != 0)
		abort();
	for (i = 0; i < (size_t)n; i++) {
		if (out[i] == '\r' && out[i + 1] != '\n')
			abort();
		if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r'))
			abort();
	}
	return 0;
}
