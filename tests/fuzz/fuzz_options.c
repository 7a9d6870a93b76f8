/* fuzz_options.c - the NOCLOBBER_OPTIONS parser on any bytes: it must accept or
 * reject with one NUL-terminated line (no control character in it, not cut
 * short: the valid values at its end always fit), and never read or write out
 * of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	struct nc_options o;
	char err[512];
	memset(err, 'x', sizeof(err));
	if (nc_options_parse(text, &o, err, sizeof(err)) < 0) {
		if (!memchr(err, 0, sizeof(err)) || strncmp(err, "noclobber: ", 11))
			abort();
		size_t n = strlen(err);
		if (n >= sizeof(err) - 1)
			abort(); /* filled the buffer: cut short */
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
				abort();
	} else if (o.value[NC_OPT_exitcode] > 255 || o.value[NC_OPT_mode] > 3) {
		abort();
	}
	free(text);
	return 0;
}
