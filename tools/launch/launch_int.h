/* launch_int: what launch.c and launch_image.c share, and nothing else
 * uses (launch.h is the module's interface). */
#ifndef ALLOCSWAP_LAUNCH_INT_H
#define ALLOCSWAP_LAUNCH_INT_H

#include <stddef.h>

/* Runs a helper program (an engine's client): argv with stdin /dev/null,
 * stdout into buf (NUL-terminated, trailing newlines cut; the rest drained)
 * and stderr to /dev/null, or into buf too when both.  Its exit status, or
 * -1 when it could not run or was killed. */
int _as_launch_capture(char *const argv[], char *buf, size_t cap, int both);

#endif
