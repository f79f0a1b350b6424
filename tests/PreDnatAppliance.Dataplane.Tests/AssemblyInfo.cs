// The end-to-end tests start DPDK processes that busy-poll; on a 2-core machine they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
