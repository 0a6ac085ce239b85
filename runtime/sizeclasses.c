/*
 * sizeclasses.c - the small-object size classes (Go 1.19's table,
 * runtime/sizeclasses.go: 67 classes from 8 B to 32 KiB, plus class 0 for
 * large objects).
 *
 * Each class fixes an object size and the number of 8 KiB pages in one of
 * its spans; Go chose them so that no class wastes more than 12.5% to
 * rounding and tail. Sizes up to 1 KiB are 8-byte steps in the lookup
 * (size_to_class8), above that 128-byte steps (size_to_class128); both are
 * derived here from the table at start-up, so only the two columns that
 * are facts (bytes per object, pages per span) are written down.
 *
 * An object's index in its span is offset / elemsize; the division is a
 * multiply and shift (Go's divMul = 2^32 / size rounded up), exact for
 * every offset inside a span of that class. grt_sizeclasses_init checks
 * that claim for every class and offset boundary before the heap is used.
 */
#include "grt_malloc.h"

uint32_t grt_class_size[GRT_NUM_CLASSES] = {
    0,     8,     16,    24,    32,    48,    64,    80,    96,    112,
    128,   144,   160,   176,   192,   208,   224,   240,   256,   288,
    320,   352,   384,   416,   448,   480,   512,   576,   640,   704,
    768,   896,   1024,  1152,  1280,  1408,  1536,  1792,  2048,  2304,
    2688,  3072,  3200,  3456,  4096,  4864,  5376,  6144,  6528,  6784,
    6912,  8192,  9472,  9728,  10240, 10880, 12288, 13568, 14336, 16384,
    18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768};

uint8_t grt_class_npages[GRT_NUM_CLASSES] = {
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 2, 1, 3, 2,  3, 1, 3,
    2, 3, 4, 5, 6, 1, 7, 6, 5, 4, 3, 5, 7, 2, 9, 7, 5, 8, 3, 10, 7, 4};

uint32_t grt_class_nelems[GRT_NUM_CLASSES];
uint32_t grt_class_divmul[GRT_NUM_CLASSES];
uint8_t grt_size_to_class8[1024 / 8 + 1];
uint8_t grt_size_to_class128[(GRT_MAX_SMALL - 1024) / 128 + 1];

void grt_sizeclasses_init(void) {
    for (unsigned c = 1; c < GRT_NUM_CLASSES; c++) {
        uint32_t size = grt_class_size[c];
        size_t span = (size_t)grt_class_npages[c] * GRT_PAGE_BYTES;
        grt_class_nelems[c] = (uint32_t)(span / size);
        grt_class_divmul[c] = UINT32_MAX / size + 1;
        for (uint32_t k = 0; k < grt_class_nelems[c]; k++) {
            uint64_t lo = (uint64_t)k * size, hi = lo + size - 1;
            if (((lo * grt_class_divmul[c]) >> 32) != k ||
                ((hi * grt_class_divmul[c]) >> 32) != k)
                grt_throw("size class %u: inexact object index", c);
        }
    }
    unsigned c = 1;
    for (size_t i = 0; i <= 1024 / 8; i++) {
        while (grt_class_size[c] < i * 8)
            c++;
        grt_size_to_class8[i] = (uint8_t)c;
    }
    c = 1;
    for (size_t i = 0; i <= (GRT_MAX_SMALL - 1024) / 128; i++) {
        while (grt_class_size[c] < 1024 + i * 128)
            c++;
        grt_size_to_class128[i] = (uint8_t)c;
    }
}
