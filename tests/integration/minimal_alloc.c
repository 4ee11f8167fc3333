/* minimal_alloc: a tiny allocator that exports malloc and free and nothing
 * else, to test ALLOCSWAP_ALLOCATOR=/path/to/libminimal_alloc.so (libswap
 * wraps it: calloc, realloc, aligned allocation and usable size come from
 * its header wrapper, see as_backend.h).
 *
 * Power-of-two size classes from 32 bytes to 1 MiB with free lists, carved
 * from 4 MiB chunks; larger requests get mmap of their own.  One spinlock,
 * held across fork (pthread_atfork) so that a child never inherits it
 * taken.  Only mmap/munmap and pthread_atfork from libc: it must not call
 * the malloc it replaces.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#define EXPORT __attribute__((visibility("default")))

#define MIN_SHIFT 5
#define MAX_SHIFT 20
#define CHUNK ((size_t)4 << 20)
#define HDR 16 /* keeps 16-byte alignment */

struct block {
	struct block *next;
};

static struct {
	int lock;
	struct block *free[MAX_SHIFT + 1];
	unsigned char *cur, *end;
} heap;

static void lock(void)
{
	while (__atomic_exchange_n(&heap.lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&heap.lock, __ATOMIC_RELAXED))
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#else
			;
#endif
}

static void unlock(void)
{
	__atomic_store_n(&heap.lock, 0, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void at_fork_lock(void)
{
	pthread_atfork(lock, unlock, unlock);
}

static void *map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* The header holds the class shift, or for a big block its mapped length. */
EXPORT void *malloc(size_t n)
{
	unsigned shift = MIN_SHIFT;
	unsigned char *p;
	if (n > ((size_t)1 << MAX_SHIFT) - HDR) {
		size_t len;
		if (n > SIZE_MAX / 2)
			return NULL;
		len = (n + HDR + 4095) & ~(size_t)4095;
		p = map(len);
		if (!p)
			return NULL;
		*(size_t *)p = len;
		return p + HDR;
	}
	while (((size_t)1 << shift) - HDR < n)
		shift++;
	lock();
	if (heap.free[shift]) {
		p = (unsigned char *)heap.free[shift];
		heap.free[shift] = heap.free[shift]->next;
	} else {
		size_t sz = (size_t)1 << shift;
		if (heap.cur == NULL || (size_t)(heap.end - heap.cur) < sz) {
			heap.cur = map(CHUNK);
			heap.end = heap.cur ? heap.cur + CHUNK : NULL;
		}
		p = heap.cur;
		if (p)
			heap.cur += sz;
	}
	unlock();
	if (!p)
		return NULL;
	*(size_t *)p = shift;
	return p + HDR;
}

EXPORT void free(void *ptr)
{
	unsigned char *p;
	size_t tag;
	if (!ptr)
		return;
	p = (unsigned char *)ptr - HDR;
	tag = *(size_t *)p;
	if (tag > MAX_SHIFT) {
		munmap(p, tag);
		return;
	}
	lock();
	((struct block *)p)->next = heap.free[tag];
	heap.free[tag] = (struct block *)p;
	unlock();
}
