/*
 * pda_shim: the few DPDK functions that P/Invoke cannot reach.
 *
 * DPDK's fast path (rte_eth_rx_burst, rte_eth_tx_burst, rte_pktmbuf_alloc_bulk, rte_pktmbuf_mtod) is
 * static inline or macro-only, and some control structures (rte_eth_conf, rte_eth_stats, the rte_eth_link
 * bit fields) are large or not blittable. This library wraps exactly those; everything DPDK exports as a
 * real symbol (rte_eal_init, rte_pktmbuf_pool_create, rte_pktmbuf_free_bulk, rte_mempool_avail_count,
 * rte_eth_dev_stop, ...) is called directly from C# (src/PreDnatAppliance.Dataplane/Interop/Dpdk.cs).
 *
 * Every struct here is plain fixed-size data mirrored one to one in Interop/Shim.cs.
 */
#ifndef PDA_SHIM_H
#define PDA_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PDA_SHIM_ABI_VERSION 1

struct rte_mbuf;
struct rte_mempool;

/* Version of this interface; the C# side refuses to run against another one. */
uint32_t pda_shim_abi_version(void);

/* rte_errno of the calling thread (a per-lcore TLS variable, macro-only). */
int pda_errno(void);

/* ---- fast path: one call per burst --------------------------------------------------------------- */

uint16_t pda_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t pda_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
/* 0 on success, -ENOENT when the pool cannot supply all n (then none are taken). */
int pda_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **pkts, uint32_t n);

/* ---- mbuf access (the C# side reads the fixed offsets directly; these are for tests and tools) ---- */

void *pda_mbuf_data(struct rte_mbuf *m);          /* rte_pktmbuf_mtod */
uint16_t pda_mbuf_data_len(const struct rte_mbuf *m);
uint32_t pda_mbuf_pkt_len(const struct rte_mbuf *m);
/* Sets data_len = pkt_len = len for a single-segment mbuf; -EINVAL if len exceeds the tailroom. */
int pda_mbuf_set_len(struct rte_mbuf *m, uint16_t len);

/* Offsets of the rte_mbuf fields the C# side reads, as compiled. */
struct pda_mbuf_layout {
    uint32_t size;            /* sizeof(struct rte_mbuf) */
    uint32_t buf_addr;
    uint32_t data_off;
    uint32_t refcnt;
    uint32_t nb_segs;
    uint32_t port;
    uint32_t ol_flags;
    uint32_t packet_type;
    uint32_t pkt_len;
    uint32_t data_len;
    uint32_t vlan_tci;
    uint32_t hash;
    uint32_t buf_len;
    uint32_t pool;
    uint32_t next;
    uint32_t headroom;        /* RTE_PKTMBUF_HEADROOM */
    uint32_t cache_line_size; /* RTE_CACHE_LINE_SIZE */
};
void pda_mbuf_layout(struct pda_mbuf_layout *out);

/* ---- ports ------------------------------------------------------------------------------------- */

#define PDA_PORT_PROMISCUOUS   0x1u  /* enable promiscuous mode (ignored if the PMD cannot) */
#define PDA_PORT_RSS           0x2u  /* spread RX over the queues by RSS when nb_rxq > 1 */
#define PDA_PORT_FAST_FREE     0x4u  /* RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE when supported */

struct pda_port_config {
    uint16_t nb_rxq;
    uint16_t nb_txq;
    uint16_t nb_rxd;          /* requested; adjusted to the device limits */
    uint16_t nb_txd;
    uint32_t flags;           /* PDA_PORT_* */
    uint32_t mtu;             /* 0 keeps the device default */
};

struct pda_port_info {
    uint16_t nb_rxq;
    uint16_t nb_txq;
    uint16_t nb_rxd;          /* after rte_eth_dev_adjust_nb_rx_tx_desc */
    uint16_t nb_txd;
    uint64_t rss_hf;          /* RSS hash functions in use (0: no RSS) */
    int32_t socket_id;        /* NUMA node, -1 if unknown */
    uint8_t mac[6];
    uint8_t promiscuous;      /* 1 if promiscuous mode is on */
    uint8_t fast_free;        /* 1 if MBUF_FAST_FREE is on */
    uint16_t max_rxq;         /* device limits */
    uint16_t max_txq;
    char driver[32];          /* e.g. "net_pcap" */
    char name[64];            /* rte_eth_dev_get_name_by_port */
};

/*
 * Configures a port the way DPDK's skeleton example does, plus RSS: rte_eth_dev_configure, descriptor
 * adjustment, RX/TX queue setup on the port's socket, rte_eth_dev_start, promiscuous mode. Returns 0 or a
 * negative errno; on failure `step` (if not NULL) names the call that failed.
 */
int pda_port_init(uint16_t port, const struct pda_port_config *cfg, struct rte_mempool *pool,
                  struct pda_port_info *info, const char **step);

/* rte_eth_stats without the per-queue arrays. */
struct pda_port_stats {
    uint64_t ipackets;
    uint64_t opackets;
    uint64_t ibytes;
    uint64_t obytes;
    uint64_t imissed;
    uint64_t ierrors;
    uint64_t oerrors;
    uint64_t rx_nombuf;
};
int pda_port_stats(uint16_t port, struct pda_port_stats *out);

/* Number of extended statistics, or a negative errno. */
int pda_port_xstats_count(uint16_t port);
/*
 * Fills up to n xstats: values[i] and names + i * PDA_XSTAT_NAME_SIZE (NUL-terminated). Returns the number
 * written, or a negative errno.
 */
#define PDA_XSTAT_NAME_SIZE 64
int pda_port_xstats(uint16_t port, uint64_t *values, char *names, uint32_t n);

struct pda_link {
    uint32_t speed_mbps;      /* RTE_ETH_SPEED_NUM_*; 0 unknown */
    uint8_t up;
    uint8_t full_duplex;
    uint8_t autoneg;
    uint8_t reserved;
};
/* rte_eth_link_get_nowait, flattened. */
int pda_link_status(uint16_t port, struct pda_link *out);

#ifdef __cplusplus
}
#endif

#endif /* PDA_SHIM_H */
