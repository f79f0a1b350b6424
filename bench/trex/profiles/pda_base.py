"""Shared builders and the command-line driver for the PreDnatAppliance TRex STL profiles.

The profiles send NodePort traffic to the appliance's host-endpoint port: a fixed destination
(node IP and NodePort, as pre-DNAT policy sees it) and many sources.
"""
import argparse
import json
import sys

try:  # TRex >= 2.90
    from trex.stl.api import (STLClient, STLFlowLatencyStats, STLPktBuilder, STLProfile, STLStream,
                              STLTXCont, STLVM)
except ImportError:  # older TRex trees
    from trex_stl_lib.api import (STLClient, STLFlowLatencyStats, STLPktBuilder, STLProfile, STLStream,
                                  STLTXCont, STLVM)

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether

NODE_IP = "192.0.2.10"
NODE_PORT = 30080
CLIENT_NET_MIN = "198.18.0.1"
CLIENT_NET_MAX = "198.19.255.254"

# IMIX as 64/594/1518-byte frames at 7:4:1 (TRex's bench.py and CSIT use this shape).
IMIX = ((64, 7), (594, 4), (1518, 1))


def pad(base, size):
    """Pads a scapy packet to a frame of `size` bytes including the 4-byte FCS."""
    fill = max(0, size - len(base) - 4)
    return base / ("x" * fill)


def client_vm(flows, l4="UDP", seed=1):
    """Field engine: `flows` distinct (source IP, source port) pairs, checksums fixed in hardware."""
    vm = STLVM()
    vm.tuple_var(name="client", ip_min=CLIENT_NET_MIN, ip_max=CLIENT_NET_MAX,
                 port_min=1024, port_max=65535, limit_flows=int(flows))
    vm.write(fv_name="client.ip", pkt_offset="IP.src")
    vm.write(fv_name="client.port", pkt_offset=l4 + ".sport")
    vm.fix_chksum_hw(l3_offset="IP", l4_offset=l4,
                     l4_type=1 if l4 == "TCP" else 2)  # CTRexVmInsFixHwCs: L4_TYPE_TCP=1, L4_TYPE_UDP=2
    return vm


def udp_packet(size):
    return pad(Ether() / IP(dst=NODE_IP, src=CLIENT_NET_MIN) / UDP(dport=NODE_PORT, sport=1024), size)


def tcp_packet(size, flags="A"):
    return pad(Ether() / IP(dst=NODE_IP, src=CLIENT_NET_MIN) / TCP(dport=NODE_PORT, sport=1024, flags=flags), size)


def stream(packet, vm, pps=1, isg=0.0, pg_id=None):
    kwargs = {}
    if pg_id is not None:
        kwargs["flow_stats"] = STLFlowLatencyStats(pg_id=pg_id)
    return STLStream(packet=STLPktBuilder(pkt=packet, vm=vm), mode=STLTXCont(pps=pps), isg=isg, **kwargs)


def sizes(size):
    """`size` tunable: a frame size in bytes, or "imix"."""
    if str(size).lower() == "imix":
        return list(IMIX)
    return [(int(size), 1)]


def main(profile, description):
    """Runs `profile` on a TRex server: prints per-port stats and a final `tx=<n> rx=<n>` line."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("rate", nargs="?", help="offered rate in percent of line rate (ndr-search passes it)")
    parser.add_argument("duration_pos", nargs="?", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--server", default="127.0.0.1")
    parser.add_argument("--tx-port", type=int, default=0)
    parser.add_argument("--rx-port", type=int, default=1)
    parser.add_argument("--mult", default="1mpps", help="TRex multiplier: 10mpps, 50%%, 5gbps ...")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds sent and discarded before measuring")
    parser.add_argument("-t", "--tunables", default="", help="profile tunables, e.g. flows=65536,size=64")
    parser.add_argument("--json", action="store_true", help="print the raw stats as JSON")
    args = parser.parse_args()

    mult = args.rate + "%" if args.rate else args.mult
    duration = args.duration_pos if args.duration_pos else args.duration
    tunables = dict(kv.split("=", 1) for kv in args.tunables.split(",") if kv)

    client = STLClient(server=args.server)
    client.connect()
    try:
        client.acquire(ports=[args.tx_port, args.rx_port], force=True)
        client.reset(ports=[args.tx_port, args.rx_port])
        client.add_streams(profile.get_streams(direction=0, **tunables), ports=[args.tx_port])
        if args.warmup > 0:
            client.start(ports=[args.tx_port], mult=mult, duration=args.warmup)
            client.wait_on_traffic(ports=[args.tx_port])
        client.clear_stats()
        client.start(ports=[args.tx_port], mult=mult, duration=duration)
        client.wait_on_traffic(ports=[args.tx_port], timeout=duration + 30)
        stats = client.get_stats()
    finally:
        client.release()
        client.disconnect()

    tx = stats[args.tx_port]["opackets"]
    rx = stats[args.rx_port]["ipackets"]
    if args.json:
        print(json.dumps(stats, default=str, indent=2))
    print("tx=%d rx=%d loss=%.6f" % (tx, rx, (tx - rx) / float(tx) if tx else 1.0))
    return 0 if tx else 1


__all__ = ["IMIX", "NODE_IP", "NODE_PORT", "STLProfile", "client_vm", "main", "sizes", "stream",
           "tcp_packet", "udp_packet"]

if __name__ == "__main__":
    sys.exit("pda_base.py is a library; run one of the pda_*.py profiles")
