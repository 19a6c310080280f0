/*
 * fuzz_state.c — libFuzzer harness for the state file parser.
 *
 * The first input byte picks the mode: even, the rest is parsed as it is
 * (header, trailer and checksum checks); odd, the rest gets a valid
 * trailer first, so the fuzzer reaches every field behind the checksum:
 * CRC-32C (version 2), or SHA-256 (version 1) when bit 1 is set too.
 * Whatever the input, state_parse fails with a one-line "state: line N:"
 * reason and leaves its output untouched, or yields a state that encodes
 * back to exactly the bytes it was parsed from (the one-spelling rule;
 * a version-1 file encodes as version 2, whose encoding is then stable).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char fuzz_hex[] = "0123456789abcdef";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state	 st, untouched;
	uint8_t		 d[STATE_DIGEST_LEN];
	char		 err[CR_ERRLEN], *buf, *again;
	size_t		 len, len2, i;

	if (size == 0)
		return 0;
	len = size - 1;
	if ((buf = malloc(len + 76)) == NULL)
		return 0;
	memcpy(buf, data + 1, len);
	if ((data[0] & 3) == 3) {
		if (state_sha256(buf, len, d) != 0)
			abort();
		memcpy(buf + len, "end sha256 ", 11);
		for (i = 0; i < sizeof d; i++) {
			buf[len + 11 + 2 * i] = fuzz_hex[d[i] >> 4];
			buf[len + 12 + 2 * i] = fuzz_hex[d[i] & 0xf];
		}
		buf[len + 75] = '\n';
		len += 76;
	} else if (data[0] & 1) {
		snprintf(buf + len, 21, "end crc32c %08x\n",
		    (unsigned)state_crc32c(0, buf, len));
		len += 20;
	}

	memset(&st, 0xa5, sizeof st);
	memcpy(&untouched, &st, sizeof st);
	err[0] = '\0';
	if (state_parse(buf, len, &st, err) == -1) {
		if (strncmp(err, "state: ", 7) != 0 ||
		    strchr(err, '\n') != NULL)
			abort();
		if (memcmp(&st, &untouched, sizeof st) != 0)
			abort();
		free(buf);
		return 0;
	}
	if ((again = state_encode(&st, &len2, err)) == NULL)
		abort();
	state_clear(&st);
	if (len >= 18 && memcmp(buf, "cfgreport-state 1\n", 18) == 0) {
		/* Version 1: its version-2 encoding must be stable. */
		free(buf);
		buf = again;
		len = len2;
		if (state_parse(buf, len, &st, err) == -1 ||
		    (again = state_encode(&st, &len2, err)) == NULL)
			abort();
		state_clear(&st);
	}
	if (len2 != len || memcmp(again, buf, len) != 0)
		abort();
	free(again);
	free(buf);
	return 0;
}
