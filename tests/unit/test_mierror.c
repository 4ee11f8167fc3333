/* The error callback libswap registers with mimalloc (mi_register_error,
 * as_backend.c): it replaces mimalloc's default one, so it must do what
 * that does where it matters.  EFAULT (a secure or debug build found a
 * corrupted free list or an overflowed block) aborts, in a child: SIGABRT;
 * ENOMEM and EOVERFLOW (a request too large) leave errno ENOMEM and
 * return; EAGAIN (a double free) and EINVAL (an invalid pointer) return
 * with errno untouched, as mimalloc's default does. */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as_backend.h"
#include "harness.h"

/* The child's fate when it calls the callback with err: its wait status. */
static int in_child(int err)
{
	int st = -1;
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		_as_mi_on_error(err, NULL);
		_exit(0);
	}
	T_CHECK(pid > 0);
	T_EQ(waitpid(pid, &st, 0), pid);
	return st;
}

int main(void)
{
	int st = in_child(EFAULT);
	T_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	T_EQ(in_child(ENOMEM), 0);
	T_EQ(in_child(EAGAIN), 0);

	errno = 0;
	_as_mi_on_error(ENOMEM, NULL);
	T_EQ(errno, ENOMEM);
	errno = 0;
	_as_mi_on_error(EOVERFLOW, NULL);
	T_EQ(errno, ENOMEM);
	errno = 0;
	_as_mi_on_error(EAGAIN, NULL);
	T_EQ(errno, 0);
	_as_mi_on_error(EINVAL, NULL);
	T_EQ(errno, 0);
	return t_done();
}
