/*
 * grt_asan.h - AddressSanitizer's fiber annotations as inline functions
 * that compile to nothing outside ASan builds.
 *
 * ASan keeps shadow state per stack; a context switch to another stack
 * must be announced (start_switch_fiber before, finish_switch_fiber after)
 * or it reports false stack overflows and loses track of fake frames.
 * Exited goroutines leave poisoned frames behind that must be cleared
 * before the slot is reused. Scanning a stack conservatively reads its
 * redzones, so the GC's scanners are compiled without instrumentation
 * (GRT_NO_ASAN). Callers use these unconditionally; no #ifdef in the
 * scheduler.
 */
#ifndef MECHLAB_GRT_ASAN_H
#define MECHLAB_GRT_ASAN_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define GRT_ASAN    1
#define GRT_NO_ASAN __attribute__((no_sanitize_address))
static inline void grt_asan_start_switch(void **fake, const void *bottom,
                                         size_t size) {
    __sanitizer_start_switch_fiber(fake, bottom, size);
}
static inline void grt_asan_finish_switch(void *fake) {
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
}
static inline void grt_asan_unpoison(const void *p, size_t n) {
    __asan_unpoison_memory_region(p, n);
}
#else
#define GRT_NO_ASAN
static inline void grt_asan_start_switch(void **fake, const void *bottom,
                                         size_t size) {
    (void)fake;
    (void)bottom;
    (void)size;
}
static inline void grt_asan_finish_switch(void *fake) {
    (void)fake;
}
static inline void grt_asan_unpoison(const void *p, size_t n) {
    (void)p;
    (void)n;
}
#endif

#endif /* MECHLAB_GRT_ASAN_H */
