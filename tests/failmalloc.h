/*
 * failmalloc.h — make the Nth allocation fail, for tests only.
 *
 * A test program that includes this is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup: the
 * linker sends the calls made by the objects of that link (the test and
 * the static libcfgreport) here, while libc, mxml and cmocka keep the real
 * allocator.  Production code carries no hook.  With a shared libcfgreport
 * nothing is intercepted; failmalloc_active() then says so and the tests
 * that need it skip.
 */
#ifndef FAILMALLOC_H
#define FAILMALLOC_H

#include <stddef.h>
#include <string.h>

#include "proto.h"

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
char	*__real_strdup(const char *);
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);
char	*__wrap_strdup(const char *);

static long	failmalloc_left = -1;	/* grants before the failure; -1 none */
static long	failmalloc_seen;	/* intercepted calls */

static int
failmalloc_fail(void)
{
	failmalloc_seen++;
	if (failmalloc_left < 0)
		return 0;
	if (failmalloc_left-- == 0)
		return 1;	/* this one only; later ones succeed */
	return 0;
}

void *
__wrap_malloc(size_t n)
{
	return failmalloc_fail() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return failmalloc_fail() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return failmalloc_fail() ? NULL : __real_realloc(p, n);
}

char *
__wrap_strdup(const char *s)
{
	return failmalloc_fail() ? NULL : __real_strdup(s);
}

/* Grant N allocations, fail the next one; -1: fail none. */
static void
failmalloc_after(long n)
{
	failmalloc_left = n;
}

/* Whether the wrappers see libcfgreport's allocations at all. */
static int
failmalloc_active(void)
{
	failmalloc_seen = 0;
	params_free(params_new());
	return failmalloc_seen > 0;
}

#endif
