/*
 * bench_profile.c — the cost of the profile layer on a large device.
 *
 *	bench_profile STEP
 *
 * Builds a 5,000-parameter profile in memory (names and values shaped like
 * a desk phone's), then runs STEP once: parse, save, full, delta (50
 * changed names), status (200 status values), or all.  Each step is its
 * own function, so `valgrind --tool=callgrind --toggle-collect=bench_STEP`
 * counts that step alone; tests/bench/profile.sh does it for each.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define BENCH_PARAMS	5000
#define BENCH_CHANGED	50
#define BENCH_STATUS	200

/* Stems of real desk-phone parameter names; an index makes 5,000. */
static const char *bench_stems[] = {
	"Line_Enable_", "Proxy_", "Outbound_Proxy_", "Display_Name_",
	"User_ID_", "Auth_ID_", "Password_", "Use_Auth_ID_", "SIP_Port_",
	"SIP_Transport_", "Register_Expires_", "Voice_Mail_Number_",
	"Speed_Dial_", "Extension_", "Short_Name_", "Share_Call_Appearance_",
	"Dial_Plan_", "Preferred_Codec_", "Use_Pref_Codec_Only_",
	"DTMF_Tx_Method_", "Call_Waiting_Serv_", "Block_CID_Serv_",
	"Ring_Tone_", "Default_Ring_", "Line_Key_Label_", "Line_Key_LED_",
	"Programmable_Softkey_", "Directory_Name_", "Directory_Number_",
	"XML_Service_URL_", "Feature_Key_Sync_", "Blf_List_URI_",
	"Call_Forward_Number_", "Mailbox_ID_", "Sub_Expires_", "Tone_",
};

/* As they appear in the document: already escaped. */
static const char *bench_values[] = {
	"Yes", "No", "5060", "UDP", "3600", "sip.example.net",
	"Reception &amp; Lobby",
	"(*xx|[3469]11|0|00|[2-9]xxxxxx|1xxx[2-9]xxxxxxS0|xxxxxxxxxxxx.)",
	"G711u", "AVT", "0", "https://prov.example/"
	    "xml/directory.xml?mac=$MA&amp;x=1", "fnc=blf+sd+cp;sub=2001@"
	    "sip.example.net;nme=Reception", "&lt;none&gt;", "",
	"350@-19,440@-19;10(*/0/1+2)", "Ext 2001",
};

static char *
bench_doc(size_t *lenp)
{
	size_t		 size = 1024, len = 0, i, n = sizeof bench_stems /
			    sizeof bench_stems[0];
	char		*doc, name[64];
	const char	*v;
	int		 w;

	if ((doc = malloc(size)) == NULL)
		return NULL;
	len = (size_t)snprintf(doc, size, "<?xml version=\"1.0\" "
	    "encoding=\"UTF-8\"?>\n<flat-profile>\n  <Report_Rule ua=\"na\">"
	    "[--delta --key test123]http://prov.example/$MA-delta.xml "
	    "[--status]http://prov.example/$MA-status.xml</Report_Rule>\n");
	for (i = 1; i < BENCH_PARAMS; i++) {
		snprintf(name, sizeof name, "%s%zu_", bench_stems[i % n],
		    i / n + 1);
		v = bench_values[i % (sizeof bench_values /
		    sizeof bench_values[0])];
		for (;;) {
			w = snprintf(doc + len, size - len, "  <%s ua=\"%s\">"
			    "%s</%s>\n", name, i % 3 == 0 ? "na" : "rw", v,
			    name);
			if ((size_t)w < size - len)
				break;
			size *= 2;
			if ((doc = realloc(doc, size)) == NULL)
				return NULL;
		}
		len += (size_t)w;
	}
	if (size - len < 32 && (doc = realloc(doc, size += 32)) == NULL)
		return NULL;
	len += (size_t)snprintf(doc + len, size - len, "</flat-profile>\n");
	*lenp = len;
	return doc;
}

/* Steps: noinline so callgrind can toggle on each by name. */
#define BENCH_STEP	__attribute__((noinline))

BENCH_STEP static struct params *
bench_parse(const char *doc, size_t len, char *err)
{
	return profile_parse(doc, len, NULL, NULL, err);
}

BENCH_STEP static char *
bench_save(const struct params *p, size_t *len)
{
	return profile_save(p, 0, len);
}

BENCH_STEP static char *
bench_full(const struct params *p, size_t *len)
{
	return report_full(p, len);
}

BENCH_STEP static char *
bench_delta(const struct params *p, const struct params *changed,
    size_t *len)
{
	return report_delta(p, changed, len);
}

BENCH_STEP static char *
bench_status(const struct params *st, size_t *len)
{
	return report_status(st, len);
}

static void
bench_out(const char *step, char *s, size_t len)
{
	if (s == NULL) {
		fprintf(stderr, "bench_profile: %s failed\n", step);
		exit(1);
	}
	printf("%s: %zu bytes\n", step, len);
	free(s);
}

int
main(int argc, char **argv)
{
	struct params	*p, *changed, *st;
	const char	*step = argc > 1 ? argv[1] : "all";
	char		*doc, name[64], value[64], err[CR_ERRLEN];
	size_t		 len, i;
	int		 all = strcmp(step, "all") == 0;

	if ((doc = bench_doc(&len)) == NULL)
		return 1;
	printf("profile: %zu bytes\n", len);
	if ((p = bench_parse(doc, len, err)) == NULL ||
	    params_count(p) != BENCH_PARAMS) {
		fprintf(stderr, "bench_profile: parse failed: %s\n",
		    p == NULL ? err : "wrong count");
		free(doc);
		params_free(p);
		return 1;
	}
	printf("parse: %zu parameters\n", params_count(p));
	free(doc);

	/* Every 100th parameter changed: spread over the whole set. */
	changed = params_new();
	for (i = 0; i < BENCH_CHANGED; i++)
		params_set(changed, params_at(p, i * (BENCH_PARAMS /
		    BENCH_CHANGED))->name, NULL, UA_NONE, err);
	st = params_new();
	for (i = 0; i < BENCH_STATUS; i++) {
		snprintf(name, sizeof name, "Status_Value_%zu_", i);
		snprintf(value, sizeof value, "%zu packets, 0 errors", i * 977);
		params_set(st, name, value, UA_NONE, err);
	}

	if (all || strcmp(step, "save") == 0) {
		doc = bench_save(p, &len);
		bench_out("save", doc, len);
	}
	if (all || strcmp(step, "full") == 0) {
		doc = bench_full(p, &len);
		bench_out("full", doc, len);
	}
	if (all || strcmp(step, "delta") == 0) {
		doc = bench_delta(p, changed, &len);
		bench_out("delta", doc, len);
	}
	if (all || strcmp(step, "status") == 0) {
		doc = bench_status(st, &len);
		bench_out("status", doc, len);
	}
	params_free(st);
	params_free(changed);
	params_free(p);
	return 0;
}
