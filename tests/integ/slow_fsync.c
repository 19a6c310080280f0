/*
 * slow_fsync.c — an LD_PRELOAD shim for tests/integ/hostile.sh: slow
 * flash, simulated.  The first fsync(2) after the file named by
 * $SLOW_FSYNC_FLAG appears waits $SLOW_FSYNC_MS milliseconds, removes the
 * flag, then syncs for real; every other fsync is untouched.  Built by the
 * test with the system's compiler; never part of the agent.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int
fsync(int fd)
{
	static int	(*real)(int);
	const char	*flag = getenv("SLOW_FSYNC_FLAG");
	const char	*ms = getenv("SLOW_FSYNC_MS");
	struct timespec	 ts;
	long		 n;

	if (real == NULL &&
	    (real = (int (*)(int))dlsym(RTLD_NEXT, "fsync")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (flag != NULL && ms != NULL && unlink(flag) == 0) {
		n = strtol(ms, NULL, 10);
		ts.tv_sec = n / 1000;
		ts.tv_nsec = (n % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			continue;
	}
	return real(fd);
}
