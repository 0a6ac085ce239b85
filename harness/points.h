/*
 * points.h - sweep points given by the user, and sizes written for people.
 *
 * The standard generators that derive points from the topology
 * (hx_points_threads, hx_points_threads_2x, hx_points_sizes) are declared in
 * hx.h, since experiments name them; their rules are in points.c's file
 * comment. This header adds what the CLI and the writers need:
 *
 *   hx_points_parse         "8,64,128", "8..256", "1..4:1", "32k..4M"
 *                           into a sorted list, with an error that names the
 *                           bad token and the accepted range
 *   hx_points_format_bytes  48 KiB, 1.25 MiB, 508 MiB
 */
#ifndef MECHLAB_POINTS_H
#define MECHLAB_POINTS_H

#include <stddef.h>
#include <stdint.h>

/* Parses a comma-separated list of values and ranges:
 *   N        one value; N may carry a binary size suffix: k, K or KiB
 *            (x1024), m, M or MiB (x1024^2), g, G or GiB (x1024^3)
 *   A..B     A, 2A, 4A, ... while below B, then B itself: "8..256" is
 *            8,16,32,64,128,256 and "1..6" is 1,2,4,6 (A must be > 0)
 *   A..B:S   A, A+S, A+2S, ... up to B inclusive (S > 0)
 * Blanks around tokens are ignored. Every value must lie in [min, max].
 * Writes the values to out ascending, duplicates removed, and returns how
 * many (at least 1); on error returns -EINVAL (empty list or token,
 * malformed token, value out of range, empty range) or -E2BIG (more than
 * maxn values), with a one-line message in err naming the token and the
 * accepted range. */
int hx_points_parse(const char *spec, int64_t min, int64_t max, int64_t *out,
                    int maxn, char *err, size_t errlen);

/* A byte count in the largest binary unit it reaches, exact when it
 * divides ("48 KiB", "508 MiB", "100 B"), else with up to two decimals
 * ("1.25 MiB"). */
void hx_points_format_bytes(uint64_t v, char *buf, size_t len);

#endif
