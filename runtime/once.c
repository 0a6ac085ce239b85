/*
 * once.c - grt_once, Go's sync.Once.
 *
 * The fast path is one acquire load of `done`. The slow path takes the
 * embedded mutex, so concurrent callers wait (parked, not spinning) until
 * the first caller's fn has returned: every caller returns only after fn
 * completed, which a bare CAS on `done` would not guarantee.
 */
#include "grt_runtime2.h"

void grt_once_do(grt_once *o, void (*fn)(void *), void *arg) {
    if (atomic_load_explicit(&o->done, memory_order_acquire) != 0)
        return;
    grt_mutex_lock(&o->m);
    if (atomic_load_explicit(&o->done, memory_order_relaxed) == 0) {
        fn(arg);
        atomic_store_explicit(&o->done, 1, memory_order_release);
    }
    grt_mutex_unlock(&o->m);
}
