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
