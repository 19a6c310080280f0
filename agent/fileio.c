/*
 * fileio.c — whole-file reads with a size cap, and durable atomic writes
 * (write a temporary, fsync, rename, fsync the directory) so that a reader
 * sees the old file or the new one, never a torn one, even after power loss.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "agent.h"

char *
fileio_read(const char *path, size_t max, size_t *lenp, char *err)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		cr_seterr(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		cr_seterr(err, "%s: %s", path, strerror(errno));
		goto err;
	}
	if (!S_ISREG(st.st_mode)) {
		cr_seterr(err, "%s: not a regular file", path);
		goto err;
	}
	if ((size_t)st.st_size > max) {
		cr_seterr(err, "%s: larger than %zu bytes", path, max);
		goto err;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		cr_seterr(err, "%s: out of memory", path);
		goto err;
	}
	/* The file may change under us: never read past the cap. */
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			cr_seterr(err, "%s: %s", path, strerror(errno));
			goto err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
err:
	free(buf);
	close(fd);
	return NULL;
}

/* fsync the directory holding PATH, so a rename into it is durable. */
static int
fileio_sync_dir(const char *path)
{
	char	*copy, *dir;
	int	 fd, rv = -1;

	if ((copy = strdup(path)) == NULL)
		return -1;
	dir = dirname(copy);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		rv = fsync(fd);
		close(fd);
	}
	free(copy);
	return rv;
}

int
fileio_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, char *err)
{
	char		*tmp;
	const char	*p = data;
	ssize_t		 n;
	int		 fd;

	if (asprintf(&tmp, "%s.tmpXXXXXX", path) == -1) {
		cr_seterr(err, "%s: out of memory", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		cr_seterr(err, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, mode) == -1)
		goto err;
	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto err;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == -1)
		goto err;
	n = close(fd);
	fd = -1;
	if (n == -1)
		goto err;
	if (rename(tmp, path) == -1 || fileio_sync_dir(path) == -1)
		goto err;
	free(tmp);
	return 0;
err:
	cr_seterr(err, "%s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}
