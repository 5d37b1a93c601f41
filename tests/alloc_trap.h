/* An allocation trap for real-time code: include this header in exactly one
 * file of a test program, then wrap the audio path:
 *
 *     at_arm();
 *     ssm_processor_process(p, in, out, n);   // or lilv_instance_run(...)
 *     at_disarm();
 *     CHECK(at_violations() == 0, "process() allocated %d times", at_violations());
 *
 * malloc, calloc, realloc, free, posix_memalign, aligned_alloc and memalign
 * are interposed (the executable's definitions win over libc's, and over
 * those of the sanitizer runtimes, which we reach through RTLD_NEXT); a call
 * while the calling thread is armed counts as a violation. free(NULL) is
 * allowed. The flag is per thread, so a worker thread may allocate while the
 * audio thread is trapped. Counting instead of aborting keeps the trap itself
 * allocation-free (printing would allocate) and lets the test say how many.
 */
#ifndef SSM_TEST_ALLOC_TRAP_H
#define SSM_TEST_ALLOC_TRAP_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* volatile plus a compiler barrier: GCC knows malloc as a builtin that
 * reads no user memory and would otherwise drop the flag's stores. */
static __thread volatile int at_armed_flag;
static int at_count; /* only the armed thread writes it */

typedef void *(*at_malloc_fn)(size_t);
typedef void *(*at_calloc_fn)(size_t, size_t);
typedef void *(*at_realloc_fn)(void *, size_t);
typedef void (*at_free_fn)(void *);
typedef int (*at_posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*at_aligned_alloc_fn)(size_t, size_t);

static at_malloc_fn at_real_malloc;
static at_calloc_fn at_real_calloc;
static at_realloc_fn at_real_realloc;
static at_free_fn at_real_free;
static at_posix_memalign_fn at_real_posix_memalign;
static at_aligned_alloc_fn at_real_aligned_alloc;
static at_aligned_alloc_fn at_real_memalign;

/* dlsym may itself call calloc before the real one is known: serve those
 * few bytes from a static arena that free() recognises and ignores. */
static unsigned char at_boot[4096] __attribute__((aligned(16)));
static size_t at_boot_used;
static int at_resolving;

static void at_resolve(void)
{
    if (at_real_malloc || at_resolving)
        return;
    at_resolving = 1;
    at_real_calloc = (at_calloc_fn)dlsym(RTLD_NEXT, "calloc");
    at_real_malloc = (at_malloc_fn)dlsym(RTLD_NEXT, "malloc");
    at_real_realloc = (at_realloc_fn)dlsym(RTLD_NEXT, "realloc");
    at_real_free = (at_free_fn)dlsym(RTLD_NEXT, "free");
    at_real_posix_memalign = (at_posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
    at_real_aligned_alloc = (at_aligned_alloc_fn)dlsym(RTLD_NEXT, "aligned_alloc");
    at_real_memalign = (at_aligned_alloc_fn)dlsym(RTLD_NEXT, "memalign");
    at_resolving = 0;
}

static inline void at_note(void)
{
    if (at_armed_flag)
        __atomic_add_fetch(&at_count, 1, __ATOMIC_RELAXED);
}

static inline int at_is_boot(const void *p)
{
    return (const unsigned char *)p >= at_boot &&
           (const unsigned char *)p < at_boot + sizeof at_boot;
}

static inline void at_arm(void)
{
    at_resolve();
    at_armed_flag = 1;
    __asm__ volatile("" ::: "memory");
}

static inline void at_disarm(void)
{
    __asm__ volatile("" ::: "memory");
    at_armed_flag = 0;
}

static inline int at_violations(void)
{
    return __atomic_load_n(&at_count, __ATOMIC_RELAXED);
}

static inline void at_reset(void)
{
    __atomic_store_n(&at_count, 0, __ATOMIC_RELAXED);
}

/* Whether the interposition is live: valgrind replaces malloc even in the
 * executable, so under valgrind the trap sees nothing (the release and
 * sanitizer runs are the ones that check). Probes with one armed malloc. */
static inline int at_active(void)
{
    int before = at_violations();
    at_arm();
    void *volatile p = malloc(1);
    at_disarm();
    free(p);
    int live = at_violations() > before;
    __atomic_store_n(&at_count, before, __ATOMIC_RELAXED);
    return live;
}

void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);
int posix_memalign(void **out, size_t align, size_t n);
void *aligned_alloc(size_t align, size_t n);
void *memalign(size_t align, size_t n);

void *malloc(size_t n)
{
    at_note();
    at_resolve();
    return at_real_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    at_note();
    if (!at_real_calloc) {
        if (at_resolving) {
            size_t bytes = (n * size + 15) & ~(size_t)15;
            if (at_boot_used + bytes > sizeof at_boot)
                return NULL;
            void *p = at_boot + at_boot_used;
            at_boot_used += bytes;
            memset(p, 0, bytes);
            return p;
        }
        at_resolve();
    }
    return at_real_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    at_note();
    at_resolve();
    if (at_is_boot(p)) {
        void *q = at_real_malloc(n);
        if (q)
            memcpy(q, p, n < sizeof at_boot ? n : sizeof at_boot);
        return q;
    }
    return at_real_realloc(p, n);
}

void free(void *p)
{
    if (!p || at_is_boot(p))
        return;
    at_note();
    at_resolve();
    at_real_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    at_note();
    at_resolve();
    return at_real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    at_note();
    at_resolve();
    return at_real_aligned_alloc(align, n);
}

void *memalign(size_t align, size_t n)
{
    at_note();
    at_resolve();
    return at_real_memalign(align, n);
}

#endif
