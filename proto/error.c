/* error.c — the one way proto/ reports a reason to its caller. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "proto.h"

void
cr_seterr(char *err, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err, CR_ERRLEN, fmt, ap);
	va_end(ap);
}

/* 1-based position of AT in TEXT, in characters (UTF-8 code points). */
size_t
cr_charpos(const char *text, const char *at)
{
	size_t	n = 1;

	for (; text < at; text++)
		if (((unsigned char)*text & 0xc0) != 0x80)
			n++;
	return n;
}

void
cr_seterr_at(char *err, const char *text, const char *at, const char *fmt,
    ...)
{
	va_list	ap;
	char	why[CR_ERRLEN];

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	cr_seterr(err, "position %zu: %s", cr_charpos(text, at), why);
}
