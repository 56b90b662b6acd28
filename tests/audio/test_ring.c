/* tests/audio/test_ring.c: the SPSC lock-free ring between the audio callback and the engine. */
#include "hs_test.h"

#include "ring.h"

#include <pthread.h>
#include <stdint.h>

static int basic(void)
{
    hs_ring *r = hs_ring_create(5, sizeof(float));
    hs_check_int("capacity rounded up to a power of two", (long long)hs_ring_capacity(r), 8);
    float in[12], out[12];
    for (int i = 0; i < 12; i++) in[i] = (float)i;
    hs_check_int("write into empty ring", (long long)hs_ring_write(r, in, 6), 6);
    hs_check_int("read part", (long long)hs_ring_read(r, out, 4), 4);
    hs_check_int("write across the wrap, ring fills", (long long)hs_ring_write(r, in + 6, 6), 6);
    hs_check_int("full: write refused", (long long)hs_ring_write(r, in, 3), 0);
    hs_check_int("dropped counted", (long long)hs_ring_dropped(r), 3);
    hs_check_int("readable", (long long)hs_ring_readable(r), 8);
    hs_check_int("read all", (long long)hs_ring_read(r, out + 4, 12), 8);
    int ok = 1;
    for (int i = 0; i < 12; i++) ok &= out[i] == (float)i;
    hs_check_true("items come out in order across the wrap", ok);
    hs_check_int("totals: written", (long long)hs_ring_total_written(r), 12);
    hs_check_int("totals: read", (long long)hs_ring_total_read(r), 12);
    hs_check_int("read from empty", (long long)hs_ring_read(r, out, 1), 0);
    hs_ring_destroy(r);
    hs_check_true("create rejects 0 items", hs_ring_create(0, 4) == NULL);
    return 0;
}

/* Two threads, odd chunk sizes, a sequence number per item: the reader sees every item once,
 * in order, and the counters agree. */
#define N_ITEMS 4000000u

typedef struct {
    hs_ring *r;
    uint64_t refused;
} prod_arg;

static void *producer(void *p)
{
    prod_arg *pa = p;
    uint32_t buf[97], next = 0, x = 12345;
    while (next < N_ITEMS) {
        x = x * 1103515245u + 12345u;
        size_t n = 1 + (x >> 16) % 97;
        if (n > N_ITEMS - next) n = N_ITEMS - next;
        for (size_t i = 0; i < n; i++) buf[i] = next + (uint32_t)i;
        size_t w = hs_ring_write(pa->r, buf, n);   /* like the callback: never waits */
        pa->refused += n - w;
        next += (uint32_t)w;
    }
    return NULL;
}

static int threads(void)
{
    hs_ring *r = hs_ring_create(1024, sizeof(uint32_t));
    prod_arg pa = { r, 0 };
    pthread_t t;
    pthread_create(&t, NULL, producer, &pa);
    uint32_t buf[61], want = 0, x = 999;
    uint64_t bad = 0;
    while (want < N_ITEMS) {
        x = x * 1103515245u + 12345u;
        size_t n = hs_ring_read(r, buf, 1 + (x >> 16) % 61);
        for (size_t i = 0; i < n; i++) bad += buf[i] != want++;
    }
    pthread_join(t, NULL);
    hs_check_int("items out of order or corrupted", (long long)bad, 0);
    hs_check_int("items received", want, N_ITEMS);
    hs_check_int("ring total_written", (long long)hs_ring_total_written(r), N_ITEMS);
    hs_check_int("ring total_read", (long long)hs_ring_total_read(r), N_ITEMS);
    hs_check_int("ring dropped = producer's refused count", (long long)hs_ring_dropped(r), (long long)pa.refused);
    printf("producer found the ring full %llu times (items retried, not lost)\n", (unsigned long long)pa.refused);
    hs_ring_destroy(r);
    return 0;
}

HS_TEST_MAIN(
    HS_CASE(basic),
    HS_CASE(threads)
)
