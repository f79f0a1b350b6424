// DPDK runs are heavy on a 2-core machine, and the configuration tests set PREDNAT_* variables that child processes
// inherit: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
