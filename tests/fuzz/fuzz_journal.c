/*
 * fuzz_journal.c — libFuzzer harness for the journal's record decoder.
 *
 * The first input byte picks the mode: even, the rest is read as a
 * journal, record after record, the way the store replays one; odd, the
 * rest is one record's payload and gets a valid length and CRC-32C first,
 * so the fuzzer reaches every field behind the checksum.  Whatever the
 * input, journal_decode fails with a one-line "journal: " reason and
 * leaves its output untouched, or yields a record that encodes back to
 * exactly the bytes it was decoded from (one spelling).  A claimed length
 * never costs memory: the decoder checks it against what it was given.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal_rec	 r, untouched;
	uint8_t			*buf, *again;
	char			 err[CR_ERRLEN];
	size_t			 len, off, used, alen;
	uint32_t		 crc;
	int			 rv;

	if (size == 0)
		return 0;
	len = size - 1;
	if ((buf = malloc(len + JOURNAL_FRAME)) == NULL)
		return 0;
	if (data[0] & 1) {
		buf[0] = (uint8_t)len;
		buf[1] = (uint8_t)(len >> 8);
		buf[2] = (uint8_t)(len >> 16);
		buf[3] = (uint8_t)(len >> 24);
		memcpy(buf + JOURNAL_FRAME, data + 1, len);
		crc = state_crc32c(state_crc32c(0, buf, 4), buf + JOURNAL_FRAME,
		    len);
		buf[4] = (uint8_t)crc;
		buf[5] = (uint8_t)(crc >> 8);
		buf[6] = (uint8_t)(crc >> 16);
		buf[7] = (uint8_t)(crc >> 24);
		len += JOURNAL_FRAME;
	} else
		memcpy(buf, data + 1, len);

	for (off = 0; off < len; off += used) {
		memset(&r, 0xa5, sizeof r);
		memcpy(&untouched, &r, sizeof r);
		err[0] = '\0';
		rv = journal_decode(buf + off, len - off, &used, &r, err);
		if (rv == -1) {
			if (strncmp(err, "journal: ", 9) != 0 ||
			    strchr(err, '\n') != NULL ||
			    memcmp(&r, &untouched, sizeof r) != 0 ||
			    used == 0)
				abort();
			break;
		}
		if (rv != 1 || used < JOURNAL_FRAME || used > len - off)
			abort();
		if ((again = journal_encode(&r, &alen, err)) == NULL)
			abort();
		if (alen != used || memcmp(again, buf + off, used) != 0)
			abort();
		free(again);
		journal_rec_clear(&r);
	}
	free(buf);
	return 0;
}
