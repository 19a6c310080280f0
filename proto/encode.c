/*
 * encode.c — build and encrypt one report for one destination.
 *
 * The report is measured first (a pass of the writer with no sink) so
 * that the body is one block of its exact final size, reserved before
 * anything is written: growing it instead would hold the old and the new
 * block at once, over twice the report at the last step.  Then it is
 * written again element by element straight through the encoder into
 * that body: no copy of the whole plaintext ever exists, and besides the
 * body only one element of the report and one block or record of the
 * encoder are alive.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

struct encode_sink {
	struct osslenc	*o;		/* --key */
	struct ece	*e;		/* the IKM */
	struct crypt_buf body;		/* reserved at its final size */
	char		 why[CR_ERRLEN]; /* the encoder's error */
	int		 enc_failed;
};

/* The report's pieces go through the encoder, else into the body. */
static int
encode_sink(void *arg, const char *p, size_t len)
{
	struct encode_sink	*x = arg;
	int			 rv;

	if (x->o != NULL)
		rv = osslenc_update(x->o, p, len, x->why);
	else if (x->e != NULL)
		rv = ece_update(x->e, p, len, x->why);
	else
		return crypt_buf_sink(&x->body, (const uint8_t *)p, len);
	if (rv != 0)
		x->enc_failed = 1;
	return rv;
}

/* KIND's report over SET (a delta's names in NAMES) to SINK; NULL measures. */
static int
encode_write(enum report_kind kind, const struct params *set,
    const struct params *names, profile_sink_fn sink, void *arg, size_t *len)
{
	switch (kind) {
	case REPORT_FULL:
		return report_full_write(set, sink, arg, len);
	case REPORT_DELTA:
		return report_delta_write(set, names, sink, arg, len);
	case REPORT_STATUS:
		break;
	}
	return report_status_write(set, sink, arg, len);
}

int
encode_report(enum report_kind kind, const struct params *set,
    const struct params *names, enum plan_enc enc, const struct rule_entry *e,
    const struct plan_settings *s, struct encode_out *out, char *err)
{
	struct encode_sink	 x;
	size_t			 len, outlen;
	int			 rv = -1;

	memset(&x, 0, sizeof x);
	memset(out, 0, sizeof *out);
	out->content_type = "application/xml";
	if (encode_write(kind, set, names, NULL, NULL, &len) == -1) {
		cr_seterr(err, "out of memory building the report");
		return -1;
	}
	switch (enc) {
	case PLAN_OSSLENC:
		outlen = osslenc_encoded_len(len);
		if ((x.o = osslenc_enc_new(e->key, strlen(e->key), e->md, NULL,
		    crypt_buf_sink, &x.body, x.why)) == NULL)
			goto encfail;
		out->content_type = "application/octet-stream";
		break;
	case PLAN_ECE:
		if (s->ikm == NULL) {
			cr_seterr(err, "encryption: %s", s->ikm_error != NULL ?
			    s->ikm_error : "no IKM");
			return -1;
		}
		outlen = ece_encoded_len(len, ENCODE_ECE_RS, 0);
		if ((x.e = ece_enc_new(s->ikm, s->ikmlen, NULL, ENCODE_ECE_RS,
		    NULL, 0, crypt_buf_sink, &x.body, x.why)) == NULL)
			goto encfail;
		out->content_encoding = "aes128gcm";
		break;
	case PLAN_PLAIN:
	default:
		outlen = len;
		break;
	}
	if (crypt_buf_reserve(&x.body, outlen) != 0) {
		cr_seterr(err, "out of memory for the report's %zu bytes",
		    outlen);
		goto out;
	}
	if (encode_write(kind, set, names, encode_sink, &x, NULL) == -1) {
		if (x.enc_failed)
			goto encfail;
		cr_seterr(err, "out of memory building the report");
		goto out;
	}
	if ((x.o != NULL && osslenc_final(x.o, x.why) != 0) ||
	    (x.e != NULL && ece_final(x.e, x.why) != 0))
		goto encfail;
	/* Same data both times: a mismatch is a bug, not a report. */
	if (x.body.len != outlen) {
		cr_seterr(err, "the report was %zu bytes, not the %zu "
		    "measured", x.body.len, outlen);
		goto out;
	}
	out->body = x.body.data;
	out->len = x.body.len;
	memset(&x.body, 0, sizeof x.body);
	rv = 0;
	goto out;
encfail:
	cr_seterr(err, "encryption: %s", x.why);
out:
	osslenc_free(x.o);
	ece_free(x.e);
	crypt_buf_clear(&x.body);
	return rv;
}
