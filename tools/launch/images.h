/* images: the root filesystems the CLI runs Python in, and their store.
 *
 * An image is a directory tree with /usr/bin/python3 in it; the rootfs
 * runner (launch.h) runs processes in it with bwrap or chroot.  The built-in
 * images are the targets of kind "image" of cross/build.sh's table (that
 * table is the list: nothing here names them), without the "image-":
 *   bullseye, bookworm, trixie   Debian, `debootstrap --variant=minbase
 *          --include=python3 SUITE`, plus the allocator packages of the
 *          suite's own archive (needs root)
 *   musl   assembled from the builds python-musl-os, musl-jemalloc and
 *          musl-mimalloc, musl's loader and busybox (static)
 * Every one has /opt/allocswap, empty, where the runner mounts libswap.
 *
 * They live in the build store of builds.h, built by build.sh under its
 * lock: builds/image-NAME-KEY/rootfs/ with build.json beside it (outside
 * the rootfs: `tar -C ROOT -c .` ships the image alone), made in a .tmp
 * directory and renamed, so nothing half-built is ever seen.  The key
 * hashes the recipe version, the suite and the package list (for musl, the
 * keys of the builds it is made of), not the archive's versions: an archive
 * update does not rebuild an image; as_image_build with force does.
 *
 * build.json of an image: the members builds.h lists (kind "image", flags
 * the suite, python_version, size_bytes and files of the rootfs alone, as
 * `du -sb` and `find -type f` count them, build_seconds, built), and
 *   "image" (the name), "suite", "mirror", "root": "rootfs",
 *   "python": "/usr/bin/python3", "libc_version" ("2.36", "1.2.3"),
 *   "libc_package" ("libc6 2.36-9+deb12u10", "musl 1.2.3-1"),
 *   "allocator_packages": {PACKAGE: VERSION} (for musl the builds, with the
 *   version of their source), "allocator_files": {PATH: PACKAGE} (the shared
 *   objects they put in the image), and for musl "shell" ("/bin/sh" or
 *   null) and "busybox" (its Debian version, or "none").
 *
 * A directory given by path (any value with a '/') is an unnamed image
 * (name ""), so that users can point at their own rootfs: its libc is the
 * one its python3's ELF interpreter belongs to, the libc's version is read
 * from its files (glibc's libc.so.6; musl's loader, asked with --version),
 * python3's version from the interpreter's own version string; built is 1.
 *
 * Errors are one line on stderr (cli.h's as_err), as everywhere in the CLI.
 */
#ifndef ALLOCSWAP_IMAGES_H
#define ALLOCSWAP_IMAGES_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>

struct as_image {
	char name[64];           /* "bookworm"; "" for a directory given by path */
	char libc[16];           /* "glibc" or "musl" */
	char libc_version[32];   /* "2.36"; "" until built */
	char python[PATH_MAX];   /* its python3, inside the image */
	char python_version[32]; /* "3.11.2"; "" until built */
	char root[PATH_MAX];     /* the rootfs directory on the host, when built */
	int built;               /* in the store (for its current key), or a valid path */
	json_t *info;            /* its build.json, when built (owned); NULL for a path */
	char suite[32];          /* the Debian suite; "" for musl and paths */
	char desc[200];          /* the table's description */
	char needs[256];         /* the builds it is made of (builds.h), space-separated */
	char why_not[256];       /* why it cannot be built here (not root, ...); "" when it can */
};

/* One image: a built-in name, or a directory.  0 (built tells whether it
 * is in the store), ENOENT for an unknown name (an error line lists the
 * names), or 1 after another error line (a directory without usr/bin/python3,
 * build.sh missing).  Clear img with as_image_clear either way. */
int as_image_get(const char *name, struct as_image *img);

/* as_image_get, then builds a built-in image that is missing (build.sh's
 * progress lines on stderr, with the elapsed time).  0 with img built,
 * ENOENT as above, or 1 after an error line (it cannot be built here, or
 * the build failed: the line names the step and its log). */
int as_image_ensure(const char *name, struct as_image *img);

/* Builds a built-in image, anew when force is set even if it is in the
 * store (the one there stays in use until the new one is complete).
 * Returns as as_image_ensure. */
int as_image_build(const char *name, int force, struct as_image *img);

/* Removes every build of a built-in image that the store made (any key),
 * never into a file system mounted inside one.  0 with *removed the number
 * of directories removed (0: it was not built), ENOENT as above, or 1 after
 * an error line. */
int as_image_rm(const char *name, int *removed);

/* Every built-in image, in the table's order, with its status.  0, or 1
 * after an error line.  Free with as_images_free. */
int as_images_list(struct as_image **out, size_t *n);
void as_images_free(struct as_image *v, size_t n);
void as_image_clear(struct as_image *img);

/* Where the shared object of liballoc's backend (its soname: "jemalloc" ->
 * libjemalloc.so.2) is inside the image, into buf: buf, or NULL when the
 * image has none (not built, or a backend without a library). */
const char *as_image_allocator(const struct as_image *img, const char *backend, char *buf,
			       size_t cap);

/* The image for reports and meta.json:
 *   {"name" (null for a path), "root", "libc", "libc_version", "python",
 *    "python_version", "suite", "size_bytes", "files", "build_seconds",
 *    "built" (the date, "2026-12-04T18:20:31Z"), "key",
 *    "allocators": [{"name", "path", "package", "version"}, ...]}
 * allocators: every backend of liballoc's table for the image's libc whose
 * library is in the image (package and version null when unknown).  For a
 * path, size_bytes and files are counted now; what is not known is null.
 * Caller owns it. */
json_t *as_image_json(const struct as_image *img);

#endif
