/*
 * grt_stw.h - stop-the-world (stw.c) for the runtime's own files: the
 * collector stops the world twice per cycle. Not part of the public API.
 */
#ifndef MECHLAB_GRT_STW_H
#define MECHLAB_GRT_STW_H

#include <stdint.h>

/* Pause histogram buckets: [0] < 1 us, [i] < 2^i us, last: the rest. */
#define GRT_STW_BUCKETS 24

struct grt_stw_stats {
    uint64_t pauses;
    uint64_t total_ns;
    uint64_t max_ns;
    uint64_t hist[GRT_STW_BUCKETS];
};

/* From a goroutine holding a P: returns when every other P is stopped (the
 * caller's goroutine is then the only one running). Returns the start time
 * to pass to grt_start_the_world. Stoppers are serialized. */
uint64_t grt_stop_the_world(void);
/* Restart; records the pause since t0. */
void grt_start_the_world(uint64_t t0);
void grt_stw_pause_record(uint64_t ns);
void grt_stw_stats_read(struct grt_stw_stats *out);

#endif /* MECHLAB_GRT_STW_H */
