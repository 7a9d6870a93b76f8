/* main.c - a program linked against libncctor.so (DT_NEEDED), for
 * tests/cases/92-ctor-order.sh: the library's constructor runs before main.
 *   cc -Ishim/core -Itests tests/ctor_lib/main.c -L DIR -lncctor -Wl,-rpath,DIR
 * Output: "main: ctor_ran=1" once main runs. */
#include "testlib.h"

extern int ncctor_ran;

int main(void)
{
	t_write(1, "main: ctor_ran=");
	t_write(1, t_dec(ncctor_ran));
	t_write(1, "\n");
	return 0;
}
