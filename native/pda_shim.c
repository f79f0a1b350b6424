/*
 * pda_shim: exported wrappers for DPDK's inline and macro-only functions. See pda_shim.h.
 *
 * Built by CMakeLists.txt against `pkg-config libdpdk` (Debian's libdpdk-dev); the MSBuild target in
 * src/PreDnatAppliance.Dataplane runs that build, so nobody builds this by hand.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "pda_shim.h"

/*
 * The C# side reads these rte_mbuf fields at fixed offsets (Interop/MbufLayout.cs). If DPDK moves one, the
 * shim stops compiling here instead of the data path reading the wrong bytes; MbufLayoutTests compares
 * the C# constants with pda_mbuf_layout() at run time as well.
 */
_Static_assert(sizeof(struct rte_mbuf) == 128, "rte_mbuf is two cache lines");
_Static_assert(offsetof(struct rte_mbuf, buf_addr) == 0, "buf_addr");
_Static_assert(offsetof(struct rte_mbuf, data_off) == 16, "data_off");
_Static_assert(offsetof(struct rte_mbuf, refcnt) == 18, "refcnt");
_Static_assert(offsetof(struct rte_mbuf, nb_segs) == 20, "nb_segs");
_Static_assert(offsetof(struct rte_mbuf, port) == 22, "port");
_Static_assert(offsetof(struct rte_mbuf, ol_flags) == 24, "ol_flags");
_Static_assert(offsetof(struct rte_mbuf, packet_type) == 32, "packet_type");
_Static_assert(offsetof(struct rte_mbuf, pkt_len) == 36, "pkt_len");
_Static_assert(offsetof(struct rte_mbuf, data_len) == 40, "data_len");
_Static_assert(offsetof(struct rte_mbuf, vlan_tci) == 42, "vlan_tci");
_Static_assert(offsetof(struct rte_mbuf, hash) == 44, "hash");
_Static_assert(offsetof(struct rte_mbuf, buf_len) == 54, "buf_len");
_Static_assert(offsetof(struct rte_mbuf, pool) == 56, "pool");
_Static_assert(offsetof(struct rte_mbuf, next) == 64, "next (second cache line with RTE_IOVA_AS_PA)");
_Static_assert(RTE_CACHE_LINE_SIZE == 64, "cache line");

/* The flattened structs are mirrored in C#; pin their sizes too. */
_Static_assert(sizeof(struct pda_port_config) == 16, "pda_port_config");
_Static_assert(sizeof(struct pda_port_info) == 128, "pda_port_info");
_Static_assert(sizeof(struct pda_port_stats) == 64, "pda_port_stats");
_Static_assert(sizeof(struct pda_link) == 8, "pda_link");
_Static_assert(sizeof(struct pda_mbuf_layout) == 17 * 4, "pda_mbuf_layout");
_Static_assert(PDA_XSTAT_NAME_SIZE == RTE_ETH_XSTATS_NAME_SIZE, "xstat name size");

uint32_t pda_shim_abi_version(void)
{
    return PDA_SHIM_ABI_VERSION;
}

int pda_errno(void)
{
    return rte_errno;
}

/* ---- fast path ---------------------------------------------------------------------------------- */

uint16_t pda_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
    return rte_eth_rx_burst(port, queue, pkts, n);
}

uint16_t pda_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
    return rte_eth_tx_burst(port, queue, pkts, n);
}

int pda_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **pkts, uint32_t n)
{
    return rte_pktmbuf_alloc_bulk(pool, pkts, n);
}

/* ---- mbuf access -------------------------------------------------------------------------------- */

void *pda_mbuf_data(struct rte_mbuf *m)
{
    return rte_pktmbuf_mtod(m, void *);
}

uint16_t pda_mbuf_data_len(const struct rte_mbuf *m)
{
    return rte_pktmbuf_data_len(m);
}

uint32_t pda_mbuf_pkt_len(const struct rte_mbuf *m)
{
    return rte_pktmbuf_pkt_len(m);
}

int pda_mbuf_set_len(struct rte_mbuf *m, uint16_t len)
{
    if (m->nb_segs != 1 || (uint32_t)m->data_off + len > m->buf_len)
        return -EINVAL;
    m->data_len = len;
    m->pkt_len = len;
    return 0;
}

void pda_mbuf_layout(struct pda_mbuf_layout *out)
{
    out->size = sizeof(struct rte_mbuf);
    out->buf_addr = offsetof(struct rte_mbuf, buf_addr);
    out->data_off = offsetof(struct rte_mbuf, data_off);
    out->refcnt = offsetof(struct rte_mbuf, refcnt);
    out->nb_segs = offsetof(struct rte_mbuf, nb_segs);
    out->port = offsetof(struct rte_mbuf, port);
    out->ol_flags = offsetof(struct rte_mbuf, ol_flags);
    out->packet_type = offsetof(struct rte_mbuf, packet_type);
    out->pkt_len = offsetof(struct rte_mbuf, pkt_len);
    out->data_len = offsetof(struct rte_mbuf, data_len);
    out->vlan_tci = offsetof(struct rte_mbuf, vlan_tci);
    out->hash = offsetof(struct rte_mbuf, hash);
    out->buf_len = offsetof(struct rte_mbuf, buf_len);
    out->pool = offsetof(struct rte_mbuf, pool);
    out->next = offsetof(struct rte_mbuf, next);
    out->headroom = RTE_PKTMBUF_HEADROOM;
    out->cache_line_size = RTE_CACHE_LINE_SIZE;
}

/* ---- ports: skeleton-style init with RSS -------------------------------------------------------- */

#define FAIL(name, rc) do { if (step) *step = (name); return (rc) < 0 ? (rc) : -(rc); } while (0)

int pda_port_init(uint16_t port, const struct pda_port_config *cfg, struct rte_mempool *pool,
                  struct pda_port_info *info, const char **step)
{
    struct rte_eth_conf conf;
    struct rte_eth_dev_info dev_info;
    struct rte_eth_txconf txconf;
    uint16_t nb_rxd = cfg->nb_rxd, nb_txd = cfg->nb_txd;
    int socket, rc;
    uint16_t q;

    if (step)
        *step = NULL;
    if (!rte_eth_dev_is_valid_port(port))
        FAIL("rte_eth_dev_is_valid_port", -ENODEV);
    if (cfg->nb_rxq == 0 || cfg->nb_txq == 0)
        FAIL("queue count", -EINVAL);

    memset(&conf, 0, sizeof(conf));
    memset(info, 0, sizeof(*info));

    rc = rte_eth_dev_info_get(port, &dev_info);
    if (rc != 0)
        FAIL("rte_eth_dev_info_get", rc);
    if (cfg->nb_rxq > dev_info.max_rx_queues || cfg->nb_txq > dev_info.max_tx_queues)
        FAIL("queue count above the device maximum", -EINVAL);

    if ((cfg->flags & PDA_PORT_FAST_FREE) &&
        (dev_info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE))
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;

    /* RSS over IP/TCP/UDP, restricted to what the device hashes; no hash functions means no RSS. */
    if ((cfg->flags & PDA_PORT_RSS) && cfg->nb_rxq > 1) {
        uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & dev_info.flow_type_rss_offloads;
        if (hf != 0) {
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_key = NULL;
            conf.rx_adv_conf.rss_conf.rss_hf = hf;
        }
    }

    rc = rte_eth_dev_configure(port, cfg->nb_rxq, cfg->nb_txq, &conf);
    if (rc != 0)
        FAIL("rte_eth_dev_configure", rc);

    if (cfg->mtu != 0) {
        rc = rte_eth_dev_set_mtu(port, (uint16_t)cfg->mtu);
        if (rc != 0)
            FAIL("rte_eth_dev_set_mtu", rc);
    }

    rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
    if (rc != 0)
        FAIL("rte_eth_dev_adjust_nb_rx_tx_desc", rc);

    socket = rte_eth_dev_socket_id(port);
    for (q = 0; q < cfg->nb_rxq; q++) {
        rc = rte_eth_rx_queue_setup(port, q, nb_rxd, socket, NULL, pool);
        if (rc < 0)
            FAIL("rte_eth_rx_queue_setup", rc);
    }

    txconf = dev_info.default_txconf;
    txconf.offloads = conf.txmode.offloads;
    for (q = 0; q < cfg->nb_txq; q++) {
        rc = rte_eth_tx_queue_setup(port, q, nb_txd, socket, &txconf);
        if (rc < 0)
            FAIL("rte_eth_tx_queue_setup", rc);
    }

    rc = rte_eth_dev_start(port);
    if (rc < 0)
        FAIL("rte_eth_dev_start", rc);

    if (cfg->flags & PDA_PORT_PROMISCUOUS)
        (void)rte_eth_promiscuous_enable(port); /* vdevs without it return -ENOTSUP: not an error */

    info->nb_rxq = cfg->nb_rxq;
    info->nb_txq = cfg->nb_txq;
    info->nb_rxd = nb_rxd;
    info->nb_txd = nb_txd;
    info->rss_hf = conf.rx_adv_conf.rss_conf.rss_hf;
    info->socket_id = socket;
    info->promiscuous = rte_eth_promiscuous_get(port) == 1;
    info->fast_free = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) != 0;
    info->max_rxq = dev_info.max_rx_queues;
    info->max_txq = dev_info.max_tx_queues;
    {
        struct rte_ether_addr mac;
        if (rte_eth_macaddr_get(port, &mac) == 0)
            memcpy(info->mac, mac.addr_bytes, 6);
    }
    if (dev_info.driver_name)
        strncpy(info->driver, dev_info.driver_name, sizeof(info->driver) - 1);
    (void)rte_eth_dev_get_name_by_port(port, info->name);
    return 0;
}

/* ---- statistics and link ------------------------------------------------------------------------ */

int pda_port_stats(uint16_t port, struct pda_port_stats *out)
{
    struct rte_eth_stats s;
    int rc = rte_eth_stats_get(port, &s);

    memset(out, 0, sizeof(*out));
    if (rc != 0)
        return rc;
    out->ipackets = s.ipackets;
    out->opackets = s.opackets;
    out->ibytes = s.ibytes;
    out->obytes = s.obytes;
    out->imissed = s.imissed;
    out->ierrors = s.ierrors;
    out->oerrors = s.oerrors;
    out->rx_nombuf = s.rx_nombuf;
    return 0;
}

int pda_port_xstats_count(uint16_t port)
{
    return rte_eth_xstats_get(port, NULL, 0);
}

int pda_port_xstats(uint16_t port, uint64_t *values, char *names, uint32_t n)
{
    struct rte_eth_xstat xstats[512];
    struct rte_eth_xstat_name xnames[512];
    int count, got, i;

    count = rte_eth_xstats_get(port, NULL, 0);
    if (count < 0)
        return count;
    if ((uint32_t)count > RTE_DIM(xstats))
        count = RTE_DIM(xstats);
    got = rte_eth_xstats_get_names(port, xnames, (unsigned int)count);
    if (got < 0)
        return got;
    if (got < count)
        count = got;
    got = rte_eth_xstats_get(port, xstats, (unsigned int)count);
    if (got < 0)
        return got;
    if (got < count)
        count = got;
    if ((uint32_t)count > n)
        count = (int)n;
    for (i = 0; i < count; i++) {
        /* xstats[i].id indexes the names array */
        uint64_t id = xstats[i].id;
        values[i] = xstats[i].value;
        if (id < (uint64_t)RTE_DIM(xnames)) {
            memcpy(names + (size_t)i * PDA_XSTAT_NAME_SIZE, xnames[id].name, PDA_XSTAT_NAME_SIZE);
            names[(size_t)i * PDA_XSTAT_NAME_SIZE + PDA_XSTAT_NAME_SIZE - 1] = '\0';
        } else {
            names[(size_t)i * PDA_XSTAT_NAME_SIZE] = '\0';
        }
    }
    return count;
}

int pda_link_status(uint16_t port, struct pda_link *out)
{
    struct rte_eth_link link;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&link, 0, sizeof(link));
    rc = rte_eth_link_get_nowait(port, &link);
    if (rc != 0)
        return rc;
    out->speed_mbps = link.link_speed;
    out->up = link.link_status == RTE_ETH_LINK_UP;
    out->full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
    out->autoneg = link.link_autoneg == RTE_ETH_LINK_AUTONEG;
    return 0;
}
