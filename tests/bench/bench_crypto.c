/*
 * bench_crypto.c — what the payload encodings cost over the bare cipher.
 *
 *	bench_crypto MODE [ROUNDS]
 *
 * MODE is one of
 *	osslenc	osslenc_encrypt (random salt, EVP_BytesToKey, CBC, padding)
 *	ece	ece_encrypt, rs 4096 (random salt, HKDF, GCM records)
 *	cbc	bare wc_AesCbcEncrypt over the buffer
 *	gcm	bare wc_AesGcmEncrypt over the buffer in 4 KiB records
 * each over the same 256 KiB report-like buffer.  Every mode runs in a
 * function of its own name (bench_osslenc, ...) so tests/bench/crypto.sh
 * can count just that with callgrind --toggle-collect; run directly, it
 * prints the wall-clock time per round.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>

#include "proto.h"

#define BENCH_LEN	(256 * 1024)
#define BENCH_RECORD	4096

static uint8_t	bench_key[32] = "bench key bench key bench key b";
static uint8_t	bench_iv[16] = "bench iv bench ";

/* Keeps the compiler from dropping work whose result is unused. */
static volatile uint8_t bench_sink;

static void __attribute__((noinline))
bench_osslenc(const uint8_t *in, size_t len)
{
	char	 err[CR_ERRLEN];
	uint8_t	*out;
	size_t	 outlen;

	if (osslenc_encrypt(in, len, "report key", 10, RULE_MD_SHA256, NULL,
	    &out, &outlen, err) != 0) {
		fprintf(stderr, "osslenc: %s\n", err);
		exit(1);
	}
	bench_sink = out[outlen - 1];
	free(out);
}

static void __attribute__((noinline))
bench_ece(const uint8_t *in, size_t len)
{
	char	 err[CR_ERRLEN];
	uint8_t	*out;
	size_t	 outlen;

	if (ece_encrypt(in, len, bench_key, 16, NULL, ECE_RS_DEFAULT, &out,
	    &outlen, err) != 0) {
		fprintf(stderr, "ece: %s\n", err);
		exit(1);
	}
	bench_sink = out[outlen - 1];
	free(out);
}

static void __attribute__((noinline))
bench_cbc(const uint8_t *in, size_t len)
{
	uint8_t	*out;
	Aes	 aes;

	if ((out = malloc(len)) == NULL ||
	    wc_AesInit(&aes, NULL, INVALID_DEVID) != 0 ||
	    wc_AesSetKey(&aes, bench_key, 32, bench_iv, AES_ENCRYPTION) != 0 ||
	    wc_AesCbcEncrypt(&aes, out, in, (word32)len) != 0) {
		fprintf(stderr, "cbc failed\n");
		exit(1);
	}
	wc_AesFree(&aes);
	bench_sink = out[len - 1];
	free(out);
}

static void __attribute__((noinline))
bench_gcm(const uint8_t *in, size_t len)
{
	uint8_t	*out, tag[16], nonce[12];
	size_t	 off, n;
	Aes	 aes;

	memcpy(nonce, bench_iv, sizeof nonce);
	if ((out = malloc(len)) == NULL ||
	    wc_AesInit(&aes, NULL, INVALID_DEVID) != 0 ||
	    wc_AesGcmSetKey(&aes, bench_key, 16) != 0) {
		fprintf(stderr, "gcm setup failed\n");
		exit(1);
	}
	for (off = 0; off < len; off += n) {
		n = len - off < BENCH_RECORD ? len - off : BENCH_RECORD;
		nonce[11]++;
		if (wc_AesGcmEncrypt(&aes, out + off, in + off, (word32)n,
		    nonce, sizeof nonce, tag, sizeof tag, NULL, 0) != 0) {
			fprintf(stderr, "gcm failed\n");
			exit(1);
		}
	}
	wc_AesFree(&aes);
	bench_sink = out[len - 1] ^ tag[0];
	free(out);
}

static const struct {
	const char	*name;
	void		(*fn)(const uint8_t *, size_t);
} bench_modes[] = {
	{ "osslenc", bench_osslenc },
	{ "ece", bench_ece },
	{ "cbc", bench_cbc },
	{ "gcm", bench_gcm },
};

int
main(int argc, char **argv)
{
	struct timespec	 t0, t1;
	uint8_t		*buf;
	size_t		 i, off;
	long		 rounds, r;
	double		 ns;
	int		 n;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_crypto osslenc|ece|cbc|gcm "
		    "[ROUNDS]\n");
		return 2;
	}
	rounds = argc == 3 ? strtol(argv[2], NULL, 10) : 1;
	if (rounds < 1)
		rounds = 1;

	/* A report-shaped buffer: what the agent encrypts. */
	if ((buf = malloc(BENCH_LEN)) == NULL)
		return 1;
	for (off = 0, i = 0; off < BENCH_LEN; off += (size_t)n, i++) {
		n = snprintf((char *)buf + off, BENCH_LEN - off,
		    "  <Param_%zu_ ua=\"rw\">value %zu</Param_%zu_>\n", i,
		    i * 7919, i);
		if (n < 0 || (size_t)n >= BENCH_LEN - off)
			break;
	}
	memset(buf + off, ' ', BENCH_LEN - off);

	for (i = 0; i < sizeof bench_modes / sizeof bench_modes[0]; i++) {
		if (strcmp(argv[1], bench_modes[i].name) != 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (r = 0; r < rounds; r++)
			bench_modes[i].fn(buf, BENCH_LEN);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
		    (double)(t1.tv_nsec - t0.tv_nsec);
		printf("%s: %d bytes, %ld rounds, %.0f us/round, %.1f MB/s\n",
		    argv[1], BENCH_LEN, rounds, ns / (double)rounds / 1e3,
		    (double)BENCH_LEN * (double)rounds / (ns / 1e9) / 1e6);
		free(buf);
		return 0;
	}
	fprintf(stderr, "bench_crypto: unknown mode %s\n", argv[1]);
	free(buf);
	return 2;
}
