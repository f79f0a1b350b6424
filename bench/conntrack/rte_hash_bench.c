/*
 * DPDK rte_hash reference for the conntrack benchmark (bench/conntrack/run builds and runs it).
 *
 * What a conntrack built on rte_hash would do at 1M flows: one 40-byte key per direction (the same packed
 * 5-tuple layout as the appliance's CtKey), so 2M keys; lock-free readers and multi-writer adds (the
 * concurrency our table offers), or no flags ("plain"). Measures, on one core:
 *   insert:      flows/s (2 rte_hash_add_key_data per flow) into an empty table, 1M flows;
 *   lookup_hit:  keys/s with rte_hash_lookup_bulk_data, bursts of 32 random keys of either direction;
 *   lookup_miss: the same with keys not in the table;
 *   bytes/flow:  rte_malloc heap growth from rte_hash_create / 1M flows (the index only: a conntrack also
 *                needs somewhere to keep each flow's state, NAT and timestamps, which rte_hash does not hold).
 * Output: one "key=value" line per configuration, the same names bench/conntrack's C# harness prints.
 *
 *   rte_hash_bench [EAL args] -- [--flows N] [--reps R] [--lf 0|1]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_lcore.h>

struct ct_key {
    uint64_t src_high, src_low, dst_high, dst_low;
    uint64_t meta; /* sport | dport << 16 | proto << 32 | version << 40 */
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t next_rand(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Flow i: client 100.64.0.0/10 + i, port from i, to a NodePort, DNAT'd to one of 256 backends. */
static void make_flow(uint32_t i, struct ct_key *orig, struct ct_key *reply)
{
    uint32_t client = 0x64400000u + i;
    uint16_t sport = (uint16_t)(1024 + (i % 60000));
    uint32_t backend = 0x0AF40000u + (i % 256);
    memset(orig, 0, sizeof(*orig));
    memset(reply, 0, sizeof(*reply));
    orig->src_low = client;
    orig->dst_low = 0xC000020Au;
    orig->meta = sport | (uint64_t)30080 << 16 | (uint64_t)17 << 32 | (uint64_t)4 << 40;
    reply->src_low = backend;
    reply->dst_low = client;
    reply->meta = 8080 | (uint64_t)sport << 16 | (uint64_t)17 << 32 | (uint64_t)4 << 40;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    int ret = rte_eal_init(argc, argv);
    if (ret < 0) {
        fprintf(stderr, "rte_eal_init failed\n");
        return 2;
    }
    argc -= ret;
    argv += ret;
    uint32_t flows = 1u << 20;
    int reps = 5, lf = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--flows")) flows = (uint32_t)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--lf")) lf = atoi(argv[i + 1]);
    }
    uint32_t keys = 2 * flows;
    const uint32_t lookups = 1u << 22;

    struct ct_key *all = malloc(sizeof(struct ct_key) * keys);
    struct ct_key *absent = malloc(sizeof(struct ct_key) * lookups);
    const void **hit_ptrs = malloc(sizeof(void *) * lookups);
    const void **miss_ptrs = malloc(sizeof(void *) * lookups);
    for (uint32_t i = 0; i < flows; i++)
        make_flow(i, &all[2 * i], &all[2 * i + 1]);
    for (uint32_t i = 0; i < lookups; i++) {
        hit_ptrs[i] = &all[next_rand() % keys];
        struct ct_key r;
        make_flow(flows + (uint32_t)(next_rand() % (16u * flows)), &absent[i], &r);
        miss_ptrs[i] = &absent[i];
    }

    double ins[64], hit[64], miss[64], bytes = 0;
    if (reps > 64) reps = 64;
    for (int rep = 0; rep < reps; rep++) {
        struct rte_malloc_socket_stats before, after;
        rte_malloc_get_socket_stats(rte_socket_id(), &before);
        char name[32];
        snprintf(name, sizeof name, "ct%d", rep);
        struct rte_hash_parameters p = {
            .name = name,
            /* buckets are sized from entries rounded up to a power of two: 2M keys + 1/8 gives 4M slots (load 0.5,
               as the appliance's index; at entries = 2M rte_hash fails adds near 100% load) and a key store of 2.25M */
            .entries = keys + keys / 8,
            .key_len = sizeof(struct ct_key),
            .hash_func = rte_hash_crc,
            .hash_func_init_val = 0,
            .socket_id = (int)rte_socket_id(),
            .extra_flag = lf ? (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD) : 0,
        };
        struct rte_hash *h = rte_hash_create(&p);
        if (!h) {
            fprintf(stderr, "rte_hash_create failed (%s)\n", rte_strerror(rte_errno));
            return 2;
        }
        rte_malloc_get_socket_stats(rte_socket_id(), &after);
        bytes = (double)(after.heap_allocsz_bytes - before.heap_allocsz_bytes) / flows;

        double t0 = now_s();
        uint32_t failed = 0;
        for (uint32_t i = 0; i < keys; i++)
            if (rte_hash_add_key_data(h, &all[i], (void *)(uintptr_t)(i + 1)) < 0)
                failed++;
        double t1 = now_s();
        if (failed) fprintf(stderr, "rte_hash: %u adds failed\n", failed);
        ins[rep] = flows / (t1 - t0);

        void *data[32];
        uint64_t found = 0, mask;
        t0 = now_s();
        for (uint32_t i = 0; i < lookups; i += 32)
            found += (uint64_t)rte_hash_lookup_bulk_data(h, &hit_ptrs[i], 32, &mask, data);
        t1 = now_s();
        hit[rep] = lookups / (t1 - t0);
        if (found != lookups) fprintf(stderr, "rte_hash: %llu of %u hits found\n", (unsigned long long)found, lookups);

        found = 0;
        t0 = now_s();
        for (uint32_t i = 0; i < lookups; i += 32)
            found += (uint64_t)rte_hash_lookup_bulk_data(h, &miss_ptrs[i], 32, &mask, data);
        t1 = now_s();
        miss[rep] = lookups / (t1 - t0);
        rte_hash_free(h);
    }
    printf("impl=rte_hash%s flows=%u insert_mflows=%.3f lookup_hit_mpps=%.3f lookup_miss_mpps=%.3f bytes_per_flow=%.1f\n",
           lf ? "-lf-mw" : "-plain", flows, median(ins, reps) / 1e6, median(hit, reps) / 1e6, median(miss, reps) / 1e6, bytes);
    rte_eal_cleanup();
    return 0;
}
