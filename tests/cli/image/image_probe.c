/* image_probe: what images.h says of a root filesystem given by path (or of
 * a built-in image, when build.sh is found), as as_image_json writes it,
 * with "built" renamed "built_at" and the struct's built flag as "built".
 * cli_image.sh compares it with the store's build.json and the rootfs.
 *
 *   image_probe NAME|PATH      exit 0; 1 after an error line; 2 unknown name
 */
#include <errno.h>
#include <stdio.h>

#include "cli.h"
#include "images.h"

/* cli.c's as_help reads the command table; this program has none */
const struct as_cmd as_cmds[] = {{"image", NULL, "", NULL}};
const size_t as_ncmds = 1;

int main(int argc, char **argv)
{
	struct as_image img;
	json_t *j;
	int rc;
	if (argc != 2) {
		fprintf(stderr, "usage: image_probe NAME|PATH\n");
		return 2;
	}
	rc = as_image_get(argv[1], &img);
	if (rc) {
		as_image_clear(&img);
		return rc == ENOENT ? 2 : 1;
	}
	j = as_image_json(&img);
	json_object_set(j, "built_at", json_object_get(j, "built"));
	json_object_set_new(j, "built", json_boolean(img.built));
	json_object_set_new(j, "why_not", json_string(img.why_not));
	rc = json_dumpf(j, stdout, JSON_INDENT(1)) || putchar('\n') == EOF || fflush(stdout);
	json_decref(j);
	as_image_clear(&img);
	return rc ? 1 : 0;
}
