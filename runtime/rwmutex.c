/*
 * rwmutex.c - grt_rwmutex, Go's sync.RWMutex.
 *
 * reader_count counts active readers; a writer subtracts
 * GRT_RWMUTEX_MAX_READERS from it so that arriving readers see a negative
 * count and queue on reader_sem, and records in reader_wait how many
 * readers were already inside; the last of those to leave releases
 * writer_sem. Writers exclude each other with the embedded grt_mutex. On
 * unlock the writer adds the constant back and releases one reader_sem
 * count per reader that queued meanwhile. So readers cost one atomic add
 * each way when no writer is around, and a pending writer is never starved
 * by a stream of new readers.
 */
#include "grt_runtime2.h"

#define GRT_RWMUTEX_MAX_READERS (1 << 30)

void grt_rwmutex_rlock(grt_rwmutex *rw) {
    if (atomic_fetch_add(&rw->reader_count, 1) + 1 < 0)
        grt_semacquire(&rw->reader_sem, false, GRT_WAIT_RWMUTEX_R);
}

void grt_rwmutex_runlock(grt_rwmutex *rw) {
    int32_t r = atomic_fetch_sub(&rw->reader_count, 1) - 1;
    if (r >= 0)
        return;
    if (r + 1 == 0 || r + 1 == -GRT_RWMUTEX_MAX_READERS)
        grt_throw("sync: RUnlock of unlocked RWMutex");
    if (atomic_fetch_sub(&rw->reader_wait, 1) - 1 == 0)
        grt_semrelease(&rw->writer_sem, false);
}

void grt_rwmutex_lock(grt_rwmutex *rw) {
    grt_mutex_lock(&rw->w);
    int32_t r = atomic_fetch_sub(&rw->reader_count, GRT_RWMUTEX_MAX_READERS);
    if (r != 0 && atomic_fetch_add(&rw->reader_wait, r) + r != 0)
        grt_semacquire(&rw->writer_sem, false, GRT_WAIT_RWMUTEX_W);
}

void grt_rwmutex_unlock(grt_rwmutex *rw) {
    int32_t r = atomic_fetch_add(&rw->reader_count, GRT_RWMUTEX_MAX_READERS) +
                GRT_RWMUTEX_MAX_READERS;
    if (r >= GRT_RWMUTEX_MAX_READERS)
        grt_throw("sync: Unlock of unlocked RWMutex");
    for (int32_t i = 0; i < r; i++)
        grt_semrelease(&rw->reader_sem, false);
    grt_mutex_unlock(&rw->w);
}
