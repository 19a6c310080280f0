/*
 * fuzz_ctlmsg.c — the control-socket decoders on arbitrary input.  The
 * first byte chooses:
 *	bit 0	 0: requests; 1: replies
 *	bits 1-7 the streaming split, 1 to 128 bytes
 * The rest is decoded as messages back to back.  For each message the
 * streamed and the one-shot decoder must agree (the same end, or the same
 * error), and a complete message must re-encode to exactly the bytes it
 * was decoded from: there is one canonical encoding.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Streamed; returns the result and how much of the input it took. */
static int
stream(struct ctlmsg_dec *d, const uint8_t *in, size_t len, size_t step,
    size_t *took, char *err)
{
	size_t	off = 0, n, used;
	int	rv = CTLMSG_NEED_MORE;

	while (off < len) {
		n = len - off < step ? len - off : step;
		rv = ctlmsg_dec_feed(d, in + off, n, &used, err);
		off += used;
		if (rv != CTLMSG_NEED_MORE)
			break;
		if (used != n)
			abort();
	}
	*took = off;
	return rv;
}

static void
check_canonical(struct ctlmsg_dec *d, enum ctlmsg_dir dir,
    const uint8_t *msg, size_t len)
{
	const uint8_t	*blob;
	const char	*text;
	uint8_t		*enc;
	size_t		 bloblen, enclen;
	char		**argv, err[CR_ERRLEN];
	int		 argc, ok;

	if (dir == CTLMSG_REQUEST) {
		if (ctlmsg_dec_request(d, &argc, &argv, &blob, &bloblen) != 0)
			abort();
		if (argv[argc] != NULL)
			abort();
		/* What the decoder accepted, the encoder accepts too. */
		enc = ctlmsg_request_encode(argc, argv, blob, bloblen,
		    &enclen, err);
	} else {
		if (ctlmsg_dec_reply(d, &ok, &text, &bloblen) != 0)
			abort();
		if (text[bloblen] != '\0')
			abort();
		enc = ctlmsg_reply_encode(ok, text, bloblen, &enclen, err);
	}
	if (enc == NULL || enclen != len || memcmp(enc, msg, len) != 0)
		abort();
	free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctlmsg_dec	*d, *whole;
	enum ctlmsg_dir		 dir;
	char			 err[CR_ERRLEN], err2[CR_ERRLEN];
	size_t			 step, off, took, took2;
	int			 rv, rv2;

	if (size < 1)
		return 0;
	dir = (data[0] & 1) ? CTLMSG_REPLY : CTLMSG_REQUEST;
	step = (size_t)(data[0] >> 1) + 1;
	data++;
	size--;

	if ((d = ctlmsg_dec_new(dir)) == NULL ||
	    (whole = ctlmsg_dec_new(dir)) == NULL)
		abort();
	for (off = 0; off < size; off += took) {
		err[0] = err2[0] = '\0';
		rv = stream(d, data + off, size - off, step, &took, err);
		rv2 = ctlmsg_dec_feed(whole, data + off, size - off, &took2,
		    err2);
		if (rv != rv2)
			abort();
		if (rv == -1) {
			if (strcmp(err, err2) != 0)
				abort();
			break;
		}
		if (took != took2)
			abort();
		if (rv == CTLMSG_NEED_MORE) {
			/* What is held grows with what was sent, not claimed. */
			if (ctlmsg_dec_memory(d) > 2 * took + 8192)
				abort();
			break;
		}
		check_canonical(d, dir, data + off, took);
		ctlmsg_dec_reset(d);
		ctlmsg_dec_reset(whole);
	}
	ctlmsg_dec_free(d);
	ctlmsg_dec_free(whole);
	return 0;
}
