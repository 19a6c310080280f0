/* test_fileio.c — capped reads and durable atomic writes. */
#include "config.h"

#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>

#include "agent.h"

static int
setup(void **state)
{
	char	*dir = strdup("/tmp/cfgreport-fileio.XXXXXX");

	assert_non_null(mkdtemp(dir));
	*state = dir;
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
	assert_int_equal(system(cmd), 0);
	free(*state);
	return 0;
}

static void
test_write_then_read(void **state)
{
	char		 path[256], err[CR_ERRLEN], *buf;
	struct stat	 st;
	size_t		 len;

	snprintf(path, sizeof path, "%s/f.xml", (char *)*state);
	assert_int_equal(fileio_write_atomic(path, "abc\0def", 7, 0600, err),
	    0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	buf = fileio_read(path, 7, &len, err);
	assert_non_null(buf);
	assert_int_equal(len, 7);
	assert_memory_equal(buf, "abc\0def", 7);
	assert_int_equal(buf[7], '\0');
	free(buf);

	/* Replacing leaves exactly one file: no temporaries behind. */
	assert_int_equal(fileio_write_atomic(path, "x", 1, 0644, err), 0);
	buf = fileio_read(path, 100, &len, err);
	assert_non_null(buf);
	assert_string_equal(buf, "x");
	free(buf);
	{
		DIR		*d = opendir(*state);
		struct dirent	*de;
		int		 n = 0;

		assert_non_null(d);
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				n++;
		closedir(d);
		assert_int_equal(n, 1);
	}
}

static void
test_read_refusals(void **state)
{
	char	 path[256], err[CR_ERRLEN];
	size_t	 len;

	snprintf(path, sizeof path, "%s/big", (char *)*state);
	assert_int_equal(fileio_write_atomic(path, "12345678", 8, 0600, err),
	    0);
	assert_null(fileio_read(path, 7, &len, err));
	assert_non_null(strstr(err, "larger than 7"));
	assert_null(fileio_read(*state, 100, &len, err));
	assert_non_null(strstr(err, "not a regular file"));
	snprintf(path, sizeof path, "%s/missing", (char *)*state);
	assert_null(fileio_read(path, 100, &len, err));
	assert_non_null(strstr(err, "No such file"));
}

static void
test_write_refusal(void **state)
{
	char	 path[256], err[CR_ERRLEN];

	snprintf(path, sizeof path, "%s/no/such/dir/f", (char *)*state);
	assert_int_equal(fileio_write_atomic(path, "x", 1, 0600, err), -1);
	assert_non_null(strstr(err, "no/such/dir"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_then_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_refusal, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
