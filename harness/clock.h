/*
 * clock.h - internal: the harness's clock (clock.c). CLOCK_MONOTONIC, in
 * seconds as a double: ns resolution for runs of days.
 */
#ifndef MECHLAB_CLOCK_H
#define MECHLAB_CLOCK_H

#ifdef __cplusplus
extern "C" {
#endif
double hx_now(void); /* monotonic seconds */
#ifdef __cplusplus
}
#endif

#endif
