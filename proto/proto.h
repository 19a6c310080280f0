/*
 * proto.h — the pure layer of cfgreport: parsers and encoders.
 *
 * Nothing here does I/O, logs, sleeps, exits, or touches libevent or curl:
 * bytes in, structs or bytes out.  Every function that can fail returns a
 * negative value (or NULL) and, when the caller passes a buffer of
 * CR_ERRLEN bytes, writes a one-line reason into it.  No file-scope mutable
 * state, so any number of agents (or fuzzers) can use it at once.
 *
 * Prototypes are grouped by the file that defines them.
 */
#ifndef CFGREPORT_PROTO_H
#define CFGREPORT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CR_ERRLEN 256

/* error.c */
void	cr_seterr(char *err, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* "position N: REASON", N the 1-based character (code point) of AT. */
void	cr_seterr_at(char *, const char *, const char *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
size_t	cr_charpos(const char *, const char *);

/* params.c — an ordered, case-insensitively indexed set of parameters */
#define PARAMS_MAX_COUNT	20000
#define PARAMS_MAX_VALUE	(64 * 1024)

enum ua {
	UA_KEEP = -1,		/* params_set: leave the attribute as it is */
	UA_NONE = 0,		/* no ua attribute */
	UA_NA,
	UA_RO,
	UA_RW,
};

struct param {
	char		*name;	/* as first written */
	char		*value;	/* NULL: "ua only" entry (<X ua="rw"/>) */
	enum ua		 ua;
	uint64_t	 seq;	/* change number, the store's (params_set_seq) */
};

struct params;

struct params	*params_new(void);
/*
 * Room for N more names (at most PARAMS_MAX_COUNT), so that adding them
 * re-indexes nothing: for a set built from a known count.  0, or -1 when
 * out of memory (the set unchanged).
 */
int		 params_reserve(struct params *, size_t);
void		 params_free(struct params *);
struct params	*params_dup(const struct params *);
size_t		 params_count(const struct params *);
/*
 * Insertion order; stable across sets of existing names.  The pointer is
 * valid until the set next gains or loses a name; names compare ASCII
 * case-insensitively.  The name and value strings it points to share one
 * block that a new value replaces: they are valid until that name's
 * value next changes (params_set, params_apply) or it is removed.
 */
const struct param *params_at(const struct params *, size_t);
const struct param *params_find(const struct params *, const char *);
/*
 * Add or change NAME.  VALUE NULL keeps the current value (or records a
 * ua-only entry when NAME is new); UA_KEEP keeps the attribute (a new
 * NAME then has none).  Refuses invalid names, values over
 * PARAMS_MAX_VALUE or that are not XML text (params_text_span), and a set
 * that would grow past PARAMS_MAX_COUNT.  Returns 1 when the stored value
 * or ua changed, 0 when it did not, -1 on error.
 */
int		 params_set(struct params *, const char *, const char *,
		    enum ua, char *);
/* 1 when NAME was there and is removed, 0 when it was not there. */
int		 params_remove(struct params *, const char *);
/* NAME's position (for params_at), SIZE_MAX when it is not in the set. */
size_t		 params_pos(const struct params *, const char *);
/*
 * Record NAME's change number.  Nothing else in params.c interprets it: a
 * new name starts at 0, params_set and params_apply keep it, params_dup
 * copies it.  0, or -1 when NAME is not in the set.
 */
int		 params_set_seq(struct params *, const char *, uint64_t);
/* The same for the entry at I (< params_count), with no lookup. */
void		 params_set_seq_at(struct params *, size_t, uint64_t);
/*
 * Apply every entry of SRC to DST as one batch: either all apply or, on
 * error (too many names, out of memory), DST and CHANGED are unchanged.
 * A ua-only entry (value NULL) keeps DST's value, and gives a name new to
 * DST the empty value; an entry without ua (UA_NONE) keeps DST's ua.
 * Names whose value or ua changed and that CHANGED (may be NULL; a params
 * set used as a list of names, distinct from DST and SRC) lacks are
 * appended to it.  Returns 0 or -1.
 */
int		 params_apply(struct params *, const struct params *,
		    struct params *, char *);
/*
 * What params_apply(DST, SRC) would change, DST untouched: a new set of
 * the entries DST would then hold for the names whose value or ua
 * changes (a known name as DST spells it, with its new value and ua), the
 * names DST knows first, then the new ones, each in SRC's order, every
 * one with SEQ as its change number.  AT, with room for
 * params_count(SRC), receives each entry's index in DST (SIZE_MAX for a
 * new name); MARK, as long, 0 for each entry of SRC that changes nothing,
 * else non-zero.  One look-up per name: SRC's names and values are a
 * set's, valid already.  NULL when out of memory.
 */
struct params	*params_changes(const struct params *, const struct params *,
		    uint64_t, size_t *, unsigned char *, char *);
/*
 * Append to LIST (a set used as a list of names, as params_apply's
 * CHANGED) the names of SRC's entries that MARK selects (non-zero; MARK
 * NULL: all of them) and that LIST lacks, in SRC's order, each as
 * params_set(LIST, NAME, NULL, UA_KEEP) would; all or none: 0 or -1.
 */
int		 params_list(struct params *, const struct params *,
		    const unsigned char *, char *);
/* Drop every entry from position N on (what params_list appended). */
void		 params_truncate(struct params *, size_t);
/*
 * params_apply(DST, SRC, NULL) that also gives each name it touches the
 * change number of SRC's entry, and moves SRC's blocks into DST instead
 * of copying them: on success SRC is left an empty set; on error (too
 * many names, out of memory) DST and SRC are unchanged.  AT, when not
 * NULL, holds each SRC entry's index in DST (SIZE_MAX: new), as
 * params_changes gave it for this DST, unchanged since: no look-ups.
 */
int		 params_merge(struct params *, struct params *, const size_t *,
		    char *);
/*
 * XML Name in ASCII: letters, digits, '_', '-', '.', not starting with a
 * digit, '-' or '.', at most 256 bytes.  1 when valid.
 */
int		 params_valid_name(const char *);
/*
 * The length of the longest prefix of S (LEN bytes) that is XML text:
 * well-formed UTF-8 of XML characters (no NUL or other C0 control but
 * TAB, LF, CR).  LEN when all of it is.
 */
size_t		 params_text_span(const char *, size_t);
/*
 * S as a short one-line string for an error message (quotes, backslashes
 * and controls escaped, cut with "..." to fit SIZE bytes).  Returns BUF.
 */
const char	*params_quote(const char *, char *, size_t);
/* "na", "ro", "rw"; NULL for UA_NONE and UA_KEEP. */
const char	*ua_name(enum ua);
/* "na", "ro" or "rw" in any case: 0, else -1. */
int		 ua_parse(const char *, enum ua *);

/* profile.c — the vendor's flat-profile XML (every mxml call lives here) */
typedef void (*profile_warn_cb)(void *, const char *);

/*
 * Parse a <flat-profile> document (LEN bytes, need not be NUL-terminated)
 * into a new params set.  Values are trimmed of leading and trailing
 * white space; <X/> gives a ua-only entry, <X></X> the empty value.
 * Duplicates: the last one wins and WARN (may be NULL) is told, with the
 * line.  On error returns NULL and writes the reason (with its line number
 * where there is one) into ERR.  See docs/profile.md.
 */
struct params	*profile_parse(const char *, size_t, profile_warn_cb, void *,
		    char *);
/*
 * The same parse in steps, for a caller that must not be held for the
 * whole document (an agent's loop): profile_loader_new checks the text
 * and its shape in one pass and notes where to cut it, about every SLICE
 * bytes (SIZE_MAX: never); each profile_loader_step has mxml read one
 * slice.  BUF must stay unchanged until profile_loader_free.  The result
 * and every message are those of profile_parse, whatever SLICE is.
 * profile_loader_new: NULL with ERR on a refusal found by that pass.
 * profile_loader_step: 1 more to read, 0 done (then profile_loader_take
 * hands over the set, once), -1 failed with ERR (again on a later call).
 */
struct profile_loader;
struct profile_loader *profile_loader_new(const char *, size_t, size_t,
		    profile_warn_cb, void *, char *);
int		 profile_loader_step(struct profile_loader *, char *);
struct params	*profile_loader_take(struct profile_loader *);
/* How many steps the whole document takes. */
size_t		 profile_loader_slices(const struct profile_loader *);
void		 profile_loader_free(struct profile_loader *);
/*
 * Secrets (settings_is_secret) as *****, omitted names left out, and the
 * --key/--pwd of *_Rule values masked (rule_mask_secrets).
 */
#define PROFILE_MASK_SECRETS	0x1
/*
 * Serialise: prolog, <flat-profile>, one element per line in set order,
 * escaped.  Returns a NUL-terminated malloc'd buffer, its length in *LEN
 * (may be NULL); NULL when out of memory.  Written by profile_write twice:
 * once to measure, once into a buffer of exactly that size.
 */
/*
 * VALUE of NAME as documents and answers show it: a secret as *****, a
 * *_Rule's --key/--pwd masked (then *OWNED holds the copy to free), else
 * VALUE itself.  NULL for a NULL VALUE, or when out of memory.
 */
const char	*profile_shown(const char *, const char *, char **);
char		*profile_save(const struct params *, int, size_t *);
/*
 * Only the entries for which SELECT (may be NULL: all) returns non-zero;
 * it is asked once per entry and pass, and must answer the same each time.
 */
typedef int (*profile_select_cb)(void *, const struct param *);
char		*profile_save_select(const struct params *, int,
		    profile_select_cb, void *, size_t *);
/*
 * Where profile_write puts the document, in order: LEN bytes, not
 * NUL-terminated.  Return 0, or -1 to stop the writer (it then fails).
 */
typedef int (*profile_sink_fn)(void *, const char *, size_t);
/*
 * The streaming form of profile_save_select, byte for byte the same
 * document: the prolog and the root's start tag, then each element as
 * soon as mxml has written it, then the end tag, to SINK; only one
 * element exists at a time.  SINK NULL only measures.  *LEN (may be
 * NULL) gets the length.  0, or -1 when out of memory or SINK refused
 * (what SINK received is then a truncated document).
 */
int		 profile_write(const struct params *, int, profile_select_cb,
		    void *, profile_sink_fn, void *, size_t *);

/* settings.c — the agent's own parameters (spec.md §2 table) */
/*
 * The default of an agent setting, or NULL when NAME is not one.  Names
 * match case-insensitively (the vendor writes periodic_upload_to_server).
 */
const char	*settings_default(const char *);
/*
 * 0 when NAME=VALUE is acceptable (any value of a name that is not an
 * agent setting, and VALUE NULL, are); -1 with "NAME: "VALUE": allowed
 * ...", the value shown as <secret> for secrets.  List values match
 * case-insensitively; integers are plain decimal digits.
 */
int		 settings_check(const char *, const char *, char *);
int		 settings_is_secret(const char *);
/* Left out of reports entirely (IKM_HTTP_Encrypt_Content). */
int		 settings_is_omitted(const char *);
/*
 * NAME's value in P (when it has one: a ua-only entry has none), else its
 * default, else NULL.  The value is returned as stored: the caller checks
 * it with settings_check before storing it.
 */
const char	*settings_get(const struct params *, const char *);

/*
 * report.c — full, delta and status documents (spec.md §5): the profile form,
 * masked as PROFILE_MASK_SECRETS.  NULL when out of memory.
 */
char		*report_full(const struct params *, size_t *);
/*
 * Only the names listed in CHANGED (a params set used as a name list; may
 * be NULL), in the order of the full set; listed names that are no longer
 * in the set are left out.
 */
char		*report_delta(const struct params *, const struct params *,
		    size_t *);
char		*report_status(const struct params *, size_t *);
/*
 * The same documents streamed (profile_write): what the agent encrypts
 * as it is written, with no copy of the whole plaintext.
 */
int		 report_full_write(const struct params *, profile_sink_fn,
		    void *, size_t *);
int		 report_delta_write(const struct params *,
		    const struct params *, profile_sink_fn, void *, size_t *);
int		 report_status_write(const struct params *, profile_sink_fn,
		    void *, size_t *);

/* macro.c — $NAME, $(NAME), $(NAME:p), $(NAME:p:q), $$ (spec.md §3) */
/*
 * Look NAME (LEN bytes, not NUL-terminated) up; NULL means unknown, and
 * the macro is left as written.
 */
typedef const char *(*macro_lookup_fn)(void *, const char *, size_t);
char		*macro_expand(const char *, macro_lookup_fn, void *, char *);

struct macro_env {
	const uint8_t		*mac;		/* 6 bytes, or NULL */
	const char		*ip;
	const struct params	*params;	/* GPP_*, PN, SN, ... */
	const struct params	*status;
	char			 buf[32];	/* scratch for MA/MAU/MAC */
};
/* The standard names of spec.md §3 over a macro_env; pass as the lookup. */
const char	*macro_env_lookup(void *, const char *, size_t);

/* rule.c — the Report Rule (spec.md §3) */
#define RULE_MAX_ENTRIES	2

enum report_kind { REPORT_FULL, REPORT_DELTA, REPORT_STATUS };
enum rule_md { RULE_MD_SHA256, RULE_MD_MD5 };
enum rule_scheme { RULE_HTTP, RULE_HTTPS, RULE_TFTP };

struct rule_entry {
	enum report_kind	 kind;
	char			*url;	/* as written, or after rule_resolve */
	char			*key;	/* --key, NULL when absent */
	char			*uid;
	char			*pwd;
	enum rule_md		 md;
	enum rule_scheme	 scheme; /* set by rule_resolve */
};

struct rule {
	size_t			 n;
	struct rule_entry	 e[RULE_MAX_ENTRIES];
};

/* Syntax only.  Errors carry the 1-based character position. */
int		 rule_parse(const char *, struct rule *, char *);
/*
 * Expand macros in the URL and the arguments, then settle the scheme: a
 * scheme-less "host/path" is TFTP, a bare "/path" uses TFTP_SERVER
 * (DHCP option 66; NULL or empty is an error).
 */
int		 rule_resolve(struct rule *, macro_lookup_fn, void *,
		    const char *, char *);
void		 rule_clear(struct rule *);
/*
 * A copy of a rule's text (Report_Rule, Profile_Rule, ...) with the values
 * of --key/--pwd and their aliases replaced by *****, for reports and logs.
 * Works on text that does not parse too.  NULL only when out of memory.
 */
char		*rule_mask_secrets(const char *);
const char	*report_kind_name(enum report_kind);


/*
 * plan.c — the agent's settings parsed once into one typed structure, and
 * the plan of destinations derived from them (docs/agent.md).
 */
enum plan_mode { PLAN_ON_REQUEST, PLAN_ON_LOCAL_CHANGE, PLAN_PERIODICALLY };
enum plan_enc { PLAN_PLAIN, PLAN_OSSLENC, PLAN_ECE };

struct plan_settings {
	enum plan_mode	 mode;		/* Report_To_Server */
	long		 periodic;	/* Periodic_Upload_To_Server */
	long		 local_delay;	/* Upload_Delay_On_Local_Change */
	long		 random_delay;	/* Report_Random_Delay */
	int		 put;		/* HTTP_Report_Method is PUT */
	int		 ikm_set;	/* IKM_HTTP_Encrypt_Content non-empty */
	uint8_t		*ikm;		/* decoded once; NULL: see ikm_error */
	size_t		 ikmlen;
	char		*ikm_error;	/* why it did not decode, or NULL */
	char		*sip_user;	/* the line's account; NULL: none */
	char		*sip_password;
	char		*rule;		/* Report_Rule's text */
};

/*
 * One destination of the plan.  ID names its delta baseline: the kind and
 * the URL as written in the rule (before macros and option 66), with a
 * userinfo password masked; a URL longer than PLAN_MAX_ID_URL as
 * "sha256:HEX" of that, so every id fits the state (STATE_MAX_KEY).
 * SHOWN is what logs, info, -n and reports
 * show: "KIND URL", the resolved URL with $SA..$SD values and the
 * userinfo password as ***** (as written when it cannot be resolved).  E is the resolved entry (the real URL the transfer uses)
 * when RESOLVED; otherwise WHY says what is missing.
 */
#define PLAN_MAX_SECRETS	5
/* The longest URL an id holds as written; longer: its digest. */
#define PLAN_MAX_ID_URL		3968
struct plan_dest {
	char			*id;
	char			*shown;
	enum report_kind	 kind;
	int			 resolved;
	struct rule_entry	 e;
	enum plan_enc		 enc;
	char			*why;	/* NULL when resolved */
	char			*secrets[PLAN_MAX_SECRETS]; /* for plan_scrub */
	size_t			 nsecrets;
};

struct plan {
	int			 parsed; /* 0: the rule does not parse */
	size_t			 n;
	struct plan_dest	 d[RULE_MAX_ENTRIES];
	char			 error[CR_ERRLEN]; /* the first problem */
};

/* Only out of memory fails. */
int		 plan_settings_parse(const struct params *,
		    struct plan_settings *, char *);
void		 plan_settings_clear(struct plan_settings *);
/*
 * Whether the name list CHANGED holds a name plan_settings_parse reads
 * or a macro's (GPP_A..GPP_P, GPP_SA..GPP_SD): only then can the
 * settings or the plan differ after a batch.
 */
int		 plan_touched(const struct params *);
/* The one rule for an entry's body: --key, else the IKM, else plain. */
enum plan_enc	 plan_encryption(const struct plan_settings *,
		    const struct rule_entry *);
const char	*plan_enc_name(enum plan_enc);
/*
 * Parse S's Report_Rule and resolve each entry on its own under ENV (its
 * status gives DHCP_Option_66).  An entry that cannot be resolved stays
 * in the plan, unresolved, with its id; a rule that does not parse gives
 * an empty plan with PARSED 0.  PL->error holds the first problem.  -1
 * only when out of memory.
 */
int		 plan_build(const struct plan_settings *, struct macro_env *,
		    struct plan *, char *);
void		 plan_clear(struct plan *);
void		 plan_dest_clear(struct plan_dest *);
/* URL with its userinfo password as *****; NULL when out of memory. */
char		*plan_mask_url(const char *);
/* TEXT (an error) with each secret of D's real URL as *****. */
char		*plan_scrub(const struct plan_dest *, const char *);
/* Free a rule entry's copies, wiping --key and --pwd first. */
void		 plan_entry_clear(struct rule_entry *);

/*
 * encode.c — one report for one destination, built and encrypted in one
 * pass straight into a body of its exact final size (docs/agent.md).
 */
#define ENCODE_ECE_RS	4096

struct encode_out {
	uint8_t		*body;		/* malloc'd; the caller frees it */
	size_t		 len;
	const char	*content_type;
	const char	*content_encoding; /* NULL: none */
};

/*
 * KIND's document over SET (a delta's names in NAMES), encrypted as ENC
 * (E's --key and digest; S's IKM).  -1 with a reason (never a secret).
 */
int		 encode_report(enum report_kind, const struct params *,
		    const struct params *, enum plan_enc,
		    const struct rule_entry *, const struct plan_settings *,
		    struct encode_out *, char *);

/* b64.c — base64url (RFC 4648 §5), strict */
/* Characters b64_encode writes for LEN bytes (no padding, no NUL). */
size_t		 b64_encoded_len(size_t);
/* NUL-terminated, unpadded; NULL only when out of memory. */
char		*b64_encode(const void *, size_t);
/*
 * Decode LEN characters of base64url.  Trailing '=' padding is optional but
 * must be right when present; any other character, a length that cannot
 * be base64 or non-zero unused bits are refused.  Returns a malloc'd
 * buffer (NUL-terminated for convenience, not counted in *OUTLEN) or NULL.
 */
uint8_t		*b64_decode(const char *, size_t, size_t *, char *);

/* crypt.c — what osslenc.c and ece.c share */
/*
 * Where the streaming encoders and decoders put their output, in order,
 * as it becomes final.  Return 0, or -1 to stop the stream (the call that
 * produced the chunk then fails with "output refused").
 */
typedef int (*crypt_sink_fn)(void *, const uint8_t *, size_t);
/* Overwrite a secret in a way the compiler cannot drop (wolfSSL's). */
void		 crypt_wipe(void *, size_t);
/* A growing buffer as a sink; grows by copy-and-wipe, never realloc. */
struct crypt_buf {
	uint8_t		*data;
	size_t		 len;
	size_t		 size;
};
/* Room for MORE bytes after the data; when it must grow, exactly that. */
int		 crypt_buf_reserve(struct crypt_buf *, size_t);
/* Append, growing geometrically when there is no room. */
int		 crypt_buf_sink(void *, const uint8_t *, size_t);
/* Wipe and free the contents (the struct itself is the caller's). */
void		 crypt_buf_clear(struct crypt_buf *);

/* osslenc.c — `openssl enc -aes-256-cbc` files (spec.md §5.1) */
#define OSSLENC_SALTLEN		8
#define OSSLENC_HDRLEN		16	/* "Salted__" and the salt */
#define OSSLENC_BLOCK		16

struct osslenc;

/* Output size of osslenc_encrypt for LEN bytes of plaintext. */
size_t		 osslenc_encoded_len(size_t);
/*
 * Encoder with KEY (KEYLEN bytes, not empty) and the EVP_BytesToKey digest
 * MD.  SALT is OSSLENC_SALTLEN bytes, or NULL to draw it from wolfSSL's RNG
 * (a fixed salt exists for known-answer tests).  Output goes to SINK; the
 * encoder itself holds at most one partial block.
 */
struct osslenc	*osslenc_enc_new(const void *, size_t, enum rule_md,
		    const uint8_t *, crypt_sink_fn, void *, char *);
/*
 * Decoder.  It releases plaintext to SINK as blocks arrive but holds the
 * last block back until osslenc_final has checked its padding; after any
 * failure the caller must discard what the sink received.
 */
struct osslenc	*osslenc_dec_new(const void *, size_t, enum rule_md,
		    crypt_sink_fn, void *, char *);
int		 osslenc_update(struct osslenc *, const void *, size_t,
		    char *);
/* End of input: pad (encoder) or check the padding (decoder). */
int		 osslenc_final(struct osslenc *, char *);
/* Wipes keys and buffered plaintext.  NULL is allowed. */
void		 osslenc_free(struct osslenc *);
/*
 * One-shot forms.  On success *OUT is malloc'd and *OUTLEN its length; on
 * failure nothing is returned (partial plaintext is wiped and freed).
 */
int		 osslenc_encrypt(const void *, size_t, const void *, size_t,
		    enum rule_md, const uint8_t *, uint8_t **, size_t *,
		    char *);
int		 osslenc_decrypt(const void *, size_t, const void *, size_t,
		    enum rule_md, uint8_t **, size_t *, char *);

/* ece.c — RFC 8188 aes128gcm content coding (spec.md §5.2) */
#define ECE_SALTLEN		16
#define ECE_TAGLEN		16
#define ECE_HDRLEN		21	/* salt, rs, idlen; then the key id */
#define ECE_RS_MIN		18	/* a tag, a delimiter, one byte */
#define ECE_RS_DEFAULT		4096
#define ECE_KEYID_MAX		255

struct ece;

/* Output size of ece_encrypt for LEN bytes, record size RS, key id IDLEN. */
size_t		 ece_encoded_len(size_t, uint32_t, size_t);
/*
 * Encoder with input keying material IKM (IKMLEN bytes, not empty).  SALT
 * is ECE_SALTLEN bytes or NULL to draw it from wolfSSL's RNG; RS is the
 * record size (at least ECE_RS_MIN); KEYID (IDLEN bytes, may be NULL/0:
 * the agent sends an empty one) goes into the header.  The encoder holds
 * one record, so memory is O(RS) whatever the input.
 */
struct ece	*ece_enc_new(const void *, size_t, const uint8_t *, uint32_t,
		    const void *, size_t, crypt_sink_fn, void *, char *);
/*
 * Write one record now with LEN bytes of plaintext and PAD zero bytes of
 * padding, the last one when LAST is set; for callers that choose record
 * boundaries and padding themselves (to hide a length, or to rebuild the
 * RFC's own example).  A record that is not the last must fill RS exactly.
 * Refused while ece_update holds buffered input.
 */
int		 ece_enc_record(struct ece *, const void *, size_t, size_t, int,
		    char *);
/*
 * Decoder: any key id in the header is accepted and IKM used.  Each record
 * is authenticated before its plaintext goes to SINK; a record of RS bytes
 * is held until the next byte (or ece_final) shows whether it is the last.
 * The buffer grows with the data actually received, never to a claimed RS.
 */
struct ece	*ece_dec_new(const void *, size_t, crypt_sink_fn, void *,
		    char *);
/*
 * Encoder: fill records of RS bytes; a full record is written once the
 * next input byte shows it is not the last.  Decoder: decrypt what
 * complete records there are.
 */
int		 ece_update(struct ece *, const void *, size_t, char *);
/* Encoder: write the last record.  Decoder: refuse truncated input. */
int		 ece_final(struct ece *, char *);
/* Wipes keys and the record buffer.  NULL is allowed. */
void		 ece_free(struct ece *);
/* One-shot forms, empty key id; failure returns nothing (as osslenc). */
int		 ece_encrypt(const void *, size_t, const void *, size_t,
		    const uint8_t *, uint32_t, uint8_t **, size_t *, char *);
int		 ece_decrypt(const void *, size_t, const void *, size_t,
		    uint8_t **, size_t *, char *);

/* ctlmsg.c — control-socket framing (docs/control.md) */
#define CTLMSG_MAGIC		"CFGR1 "
#define CTLMSG_HDR_MAX		64	/* a header line, its LF included */
#define CTLMSG_MAX_ARGS		25000
/* One argument: NAME=VALUE with the longest value a parameter takes. */
#define CTLMSG_MAX_ARG		(PARAMS_MAX_VALUE + 1024)
/* import's profile: the agent's CONFIG_MAX_PROFILE. */
#define CTLMSG_MAX_BLOB		(16 * 1024 * 1024)
/* The arguments and the blob of one request together. */
#define CTLMSG_MAX_REQUEST	(CTLMSG_MAX_BLOB + 1024 * 1024)
#define CTLMSG_MAX_REPLY	(64 * 1024 * 1024)

enum ctlmsg_dir { CTLMSG_REQUEST, CTLMSG_REPLY };

/* ctlmsg_dec_feed's results besides -1. */
#define CTLMSG_NEED_MORE	0
#define CTLMSG_COMPLETE		1

struct ctlmsg_dec;

const char	*ctlmsg_dir_name(enum ctlmsg_dir);
/*
 * The rules a decoder enforces, for an encoder to check first: at least
 * one argument and at most CTLMSG_MAX_ARGS, a non-empty command, each
 * argument valid UTF-8 (no NUL, by C strings) of at most CTLMSG_MAX_ARG
 * bytes, the blob and the whole within their limits.  *ARGBYTES (may be
 * NULL) gets the arguments' size with their NULs.
 */
int		 ctlmsg_check_request(int, char *const *, size_t, size_t *,
		    char *);
/*
 * The header line of a request (ARGC, ARGV, blob of BLOBLEN bytes) into a
 * CTLMSG_HDR_MAX buffer; returns its length.  The caller sends it, each
 * argument with its NUL, then the blob: nothing is copied here.
 */
int		 ctlmsg_request_header(char *, int, char *const *, size_t,
		    char *);
/* A whole request, malloc'd. */
uint8_t		*ctlmsg_request_encode(int, char *const *, const void *,
		    size_t, size_t *, char *);
/* The header line of a reply (OK or not, LEN body bytes); its length. */
int		 ctlmsg_reply_header(char *, int, size_t, char *);
uint8_t		*ctlmsg_reply_encode(int, const void *, size_t, size_t *,
		    char *);

/*
 * Incremental decoder of one direction.  Feed it bytes as they arrive:
 * it consumes (*USED) up to the end of one message and returns
 * CTLMSG_NEED_MORE or CTLMSG_COMPLETE, or -1 with the reason; after an
 * error it stays failed.  Sizes are checked against the limits when the
 * header line ends, before any body byte is held, and the buffer grows
 * with the bytes received, never to an announced size ahead of them.
 */
struct ctlmsg_dec *ctlmsg_dec_new(enum ctlmsg_dir);
void		 ctlmsg_dec_free(struct ctlmsg_dec *);
/* Ready for the next message; what the last one returned is freed. */
void		 ctlmsg_dec_reset(struct ctlmsg_dec *);
int		 ctlmsg_dec_feed(struct ctlmsg_dec *, const void *, size_t,
		    size_t *, char *);
/* Whether a message has begun (bytes were consumed since the reset). */
int		 ctlmsg_dec_started(const struct ctlmsg_dec *);
/* Body bytes the header announced; 0 until the header is complete. */
size_t		 ctlmsg_dec_claimed(const struct ctlmsg_dec *);
/* Bytes the decoder holds now, itself included. */
size_t		 ctlmsg_dec_memory(const struct ctlmsg_dec *);
/*
 * A complete request: ARGV (NULL-terminated, writable) and the blob
 * (NULL when BLOBLEN is 0, else followed by a NUL not counted) point
 * into the decoder and stay valid until its reset or free.
 */
int		 ctlmsg_dec_request(struct ctlmsg_dec *, int *, char ***,
		    const uint8_t **, size_t *);
/* A complete reply: its status and body (followed by a NUL not counted). */
int		 ctlmsg_dec_reply(struct ctlmsg_dec *, int *, const char **,
		    size_t *);

/*
 * state.c — the agent's durable state file (docs/store.md): header and
 * version, the change sequence number, the profile's digest, the delta
 * destinations, the parameters with their change numbers, and a CRC-32C
 * trailer over all of it (SHA-256 in version 1).
 */
#define STATE_VERSION		2	/* 1 is read too */
#define STATE_MAX_DESTS		16
#define STATE_MAX_KEY		4096		/* bytes of a destination key */
#define STATE_MAX_SIZE		(64 * 1024 * 1024)
#define STATE_DIGEST_LEN	32		/* SHA-256 */

struct state_dest {
	char		*key;	/* the agent's name for it; any bytes but NUL */
	uint64_t	 acked;	/* seq of the last delta the server took */
};

struct state {
	uint64_t		 seq;		/* the last batch's number */
	int			 has_digest;
	uint8_t			 digest[STATE_DIGEST_LEN]; /* profile file */
	size_t			 ndest;
	struct state_dest	 dest[STATE_MAX_DESTS];
	struct params		*params;	/* with their change numbers */
};

/*
 * Parse a state file of LEN bytes (need not be NUL-terminated).  Strict:
 * exactly the encoder's spelling, a matching SHA-256 trailer, at most
 * STATE_MAX_DESTS destinations, PARAMS_MAX_COUNT parameters, no change
 * number beyond seq.  On error *OUT is untouched and ERR says which line
 * and why.
 */
int		 state_parse(const char *, size_t, struct state *, char *);
/*
 * The file for ST, NUL-terminated (not counted in *LEN).  Refuses what
 * state_parse would refuse to read back (too many destinations, a change
 * number beyond seq, a result over STATE_MAX_SIZE).
 */
char		*state_encode(const struct state *, size_t *, char *);
/* Free what ST holds and zero it. */
void		 state_clear(struct state *);
/* The keys of the first N destinations of D freed (a state's, a record's). */
void		 state_dests_free(struct state_dest *, size_t);
/*
 * At most STATE_MAX_DESTS destinations, each key 1 to STATE_MAX_KEY bytes,
 * none twice: 0, else -1 and ERR starting with WHO ("state", "journal").
 */
int		 state_dests_check(const struct state_dest *, size_t,
		    const char *, char *);
/* SHA-256 of LEN bytes (wolfSSL): 0, or -1 when wolfSSL fails. */
int		 state_sha256(const void *, size_t, uint8_t [STATE_DIGEST_LEN]);
/* CRC-32C of LEN bytes, continuing CRC (0 to start). */
uint32_t	 state_crc32c(uint32_t, const void *, size_t);
/*
 * The id of a state file that state_parse accepted or state_encode wrote
 * (LEN bytes): its trailer's digest, which the journal's head names.
 */
void		 state_id(const char *, size_t, uint8_t [STATE_DIGEST_LEN]);
/* The bytes of ST's file that one parameter's line takes. */
size_t		 state_param_len(const struct param *);

/*
 * journal.c — the records of the store's journal (docs/store.md): each a
 * length, a CRC-32C and a payload; the first (the head) names the
 * snapshot the journal continues.  Bytes in, records out, no I/O.
 */
#define JOURNAL_VERSION		1
#define JOURNAL_FRAME		8		/* u32 length, u32 CRC-32C */
#define JOURNAL_MAX_RECORD	STATE_MAX_SIZE	/* payload bytes */

enum journal_type {
	JOURNAL_HEAD = 1,	/* id: the snapshot it continues; num 0 */
	JOURNAL_BATCH,		/* seq, params: the changed names' new state */
	JOURNAL_ACK,		/* dest[0]: a destination's new number */
	JOURNAL_DESTS,		/* ndest, dest: the whole new list */
	JOURNAL_PROFILE,	/* id: the profile file's digest */
};

struct journal_rec {
	enum journal_type	 type;
	uint64_t		 num;	/* its place: the head 0, then 1, 2 ... */
	uint8_t			 id[STATE_DIGEST_LEN];
	uint64_t		 seq;
	struct params		*params;	/* every seq is SEQ */
	size_t			 ndest;
	struct state_dest	 dest[STATE_MAX_DESTS];
};

/*
 * One record, framed; *LEN gets its size.  Refuses what journal_decode
 * would refuse (an empty batch, a bad key, a payload over
 * JOURNAL_MAX_RECORD).
 */
uint8_t		*journal_encode(const struct journal_rec *, size_t *, char *);
/*
 * The record at the start of BUF (LEN bytes): 1 and *OUT, 0 when LEN is
 * 0, -1 when it is cut short or damaged (ERR says why).  *USED gets the
 * bytes the record's frame claims (SIZE_MAX when it claims more than
 * LEN), also on -1, so the caller can tell a torn tail from damage.
 */
int		 journal_decode(const void *, size_t, size_t *,
		    struct journal_rec *, char *);
/* Free what R holds and zero it. */
void		 journal_rec_clear(struct journal_rec *);

/*
 * sip.c — SIP requests as NOTIFY and OPTIONS need them, and responses
 * (RFC 3261; spec.md §6; docs/sip.md).  One datagram is one message.
 */
#define SIP_MAX_MSG		8192	/* larger datagrams are dropped */
#define SIP_MAX_VIA		32	/* more cannot be answered: dropped */
#define SIP_MAX_AUTH		4	/* Authorization rows; more: 400 */
/*
 * Room for any response to a SIP_MAX_MSG request with under 1 KiB of
 * extra rows: what a response adds is bounded (SIP_MAX_VIA rows, a
 * tag, received and rport, the status line, Content-Length).
 */
#define SIP_MAX_RESPONSE	(SIP_MAX_MSG + 2048)

/* sip_parse's results. */
#define SIP_OK			0
#define SIP_EDROP		(-1)	/* not an answerable request: drop */
#define SIP_EBAD		(-2)	/* malformed but answerable: 400 */
#define SIP_EVERSION		(-3)	/* not SIP/2.0, answerable: 505 */

/* A piece of a parsed message: NUL-terminated, in sip_msg's buffer. */
struct sip_str {
	const char	*p;
	size_t		 len;
};

struct sip_msg {
	struct sip_str	 method;	/* empty when the request line is bad */
	struct sip_str	 uri;
	size_t		 nvia;
	struct sip_str	 via[SIP_MAX_VIA];  /* each value, top first */
	struct sip_str	 from;
	struct sip_str	 to;
	int		 to_tag;	/* To carries a tag parameter */
	struct sip_str	 call_id;
	uint32_t	 cseq;
	struct sip_str	 cseq_method;
	struct sip_str	 event;		/* the package, without parameters */
	size_t		 nauth;
	struct sip_str	 auth[SIP_MAX_AUTH];  /* Authorization values */
	int		 max_forwards;	/* -1 when absent */
	long		 content_length; /* -1 when absent */
	size_t		 body_len;	/* after Content-Length is applied */
	/* Header values, unfolded, each NUL-terminated. */
	char		 buf[SIP_MAX_MSG + 64];
};

/*
 * Parse one datagram of LEN bytes (at most SIP_MAX_MSG) into M.  Header
 * names match case-insensitively, compact forms included; folded rows
 * are unfolded; repeated Via rows and comma-separated Via values are
 * kept in order.  Returns SIP_OK or one of the SIP_E* codes above with
 * the reason in ERR; after SIP_EBAD and SIP_EVERSION the fields a
 * response echoes (Via, From, To, Call-ID, CSeq) are valid; after
 * SIP_EDROP sip_response refuses M.
 */
int		 sip_parse(const void *, size_t, struct sip_msg *, char *);
/* The reason phrase of the responses the agent sends ("Bad Event"). */
const char	*sip_reason(int);
/* The user part of a SIP URI or To/From value into OUT; -1: none. */
int		 sip_uri_user(const char *, char *, size_t);
/*
 * The response CODE to M into OUT (SIZE bytes, see SIP_MAX_RESPONSE):
 * every Via in order, the top one given received=SRC
 * (when its sent-by host differs from SRC) and a value for an empty
 * rport (RFC 3581); From; To with ";tag=TOTAG" when it has none;
 * Call-ID; CSeq; the header rows EXTRA (each ending in CRLF; may be
 * NULL); Content-Length: 0.  Returns the length, or -1.
 */
int		 sip_response(const struct sip_msg *, int, const char *,
		    const char *, unsigned int, const char *, char *, size_t,
		    char *);

/*
 * digest.c — HTTP Digest (RFC 7616) as a SIP UAS checks it: the
 * Authorization parser, the response computation, stateless nonces and
 * the replay table (docs/sip.md).
 */
#define DIGEST_REALM_MAX	64
#define DIGEST_SECRET_LEN	32
#define DIGEST_NONCE_LEN	64	/* hex characters */
#define DIGEST_NONCE_TTL	300	/* seconds a nonce is good for */
#define DIGEST_NC_SLOTS		64	/* nonces whose nc is kept */
#define DIGEST_TXN_TTL		32	/* 64*T1: a retransmission's window */
#define DIGEST_HEX_MAX		64	/* SHA-256 in hex */

enum digest_alg { DIGEST_MD5, DIGEST_SHA256 };

/* A parsed Authorization (or Proxy-Authorization) value. */
struct digest_auth {
	int		 is_digest;	/* the scheme is Digest */
	const char	*username;	/* from username or username* */
	const char	*realm;
	const char	*nonce;
	const char	*uri;
	const char	*response;
	const char	*cnonce;
	const char	*qop;
	const char	*opaque;
	const char	*algorithm;	/* as written; NULL: MD5 */
	const char	*nc_str;	/* the 8 hex digits as sent */
	uint32_t	 nc;
	int		 userhash;	/* userhash=true */
	char		 buf[SIP_MAX_MSG];	/* the unquoted values */
};

enum digest_verdict {
	DIGEST_ACCEPT,		/* 200 and a round */
	DIGEST_RETRANSMIT,	/* the accepted request again: 200 only */
	DIGEST_STALE,		/* right credentials, old nonce: fresh 401 */
	DIGEST_REFUSE,		/* 403 */
};

struct digest_nc {
	uint64_t	 id;		/* the nonce's serial; 0: a free slot */
	uint64_t	 issued;	/* its timestamp */
	uint32_t	 nc;		/* the highest accepted */
	uint8_t		 txn[16];	/* the request that took it */
	uint64_t	 txn_time;
};

/* The server side: realm, secret, serial and the nc table; no pointers. */
struct digest_server {
	char		 realm[DIGEST_REALM_MAX];
	uint8_t		 secret[DIGEST_SECRET_LEN];
	uint64_t	 serial;	/* of the last nonce issued */
	uint64_t	 floor;		/* unknown serials up to it are stale */
	struct digest_nc nc[DIGEST_NC_SLOTS];
};

/*
 * REALM (printable ASCII without quotes or backslashes) and a secret of
 * DIGEST_SECRET_LEN bytes that the caller drew from wolfSSL's RNG.
 */
int		 digest_server_init(struct digest_server *, const char *,
		    const uint8_t *, char *);
/* Wipe the secret. */
void		 digest_server_clear(struct digest_server *);
/*
 * A new nonce for NOW (monotonic seconds) into OUT (DIGEST_NONCE_LEN + 1
 * bytes): hex of timestamp, serial and a truncated HMAC-SHA-256 of both.
 */
int		 digest_nonce(struct digest_server *, uint64_t, char *);
/*
 * One WWW-Authenticate value for ALG with NONCE (STALE adds
 * stale=true) into OUT; returns its length or -1 when SIZE is short.
 */
int		 digest_challenge(const struct digest_server *, enum digest_alg,
		    const char *, int, char *, size_t);
/*
 * Parse a credentials value (LEN bytes).  A scheme other than Digest is
 * not an error: A->is_digest is 0 and nothing else is read.  Returns 0,
 * or -1 with the reason (bad syntax, a repeated parameter, a bad nc or
 * username*).
 */
int		 digest_parse(const char *, size_t, struct digest_auth *,
		    char *);
/* "MD5" and "SHA-256" (any case): 0 and *ALG; else -1. */
int		 digest_alg_parse(const char *, enum digest_alg *);
/*
 * The RFC 7616 response for qop=auth in lower-case hex into OUT
 * (DIGEST_HEX_MAX + 1 bytes): H(H(user:realm:password):nonce:nc:cnonce:
 * auth:H(method:uri)).  NC is the 8 hex digits as sent.
 */
int		 digest_compute(enum digest_alg, const char *, const char *,
		    const char *, const char *, const char *, const char *,
		    const char *, const char *, char *);
/*
 * Check A for METHOD against USER and PASSWORD at NOW.  TXN (TXNLEN
 * bytes) names the request (top Via, Call-ID, CSeq): the same nc again
 * from the same request within DIGEST_TXN_TTL is a retransmission, from
 * any other a replay.  The nc table changes only for a right response.
 * ERR gets why for everything but DIGEST_ACCEPT (no secret in it).
 */
enum digest_verdict digest_verify(struct digest_server *,
		    const struct digest_auth *, const char *, const char *,
		    const char *, const void *, size_t, uint64_t, char *);
/*
 * A short keyed tag of DATA into OUT (17 bytes: 16 hex digits): the To
 * tag, the same for every retransmission of one request.
 */
int		 digest_tag(const struct digest_server *, const void *, size_t,
		    char *);

#endif
