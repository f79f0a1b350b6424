"""SYN flood: TCP SYNs from random sources and ports to a NodePort (new-flow and policy-deny pressure).

Tunables: size (frame bytes, default 64), dport (default 30080; a port the policy denies shows the drop path).
Console:  start -f bench/trex/profiles/pda_synflood.py -t dport=30080 -m 5mpps --port 0
Script:   python3 bench/trex/profiles/pda_synflood.py --server HOST --mult 5mpps --duration 10
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pda_base import NODE_IP, NODE_PORT, main, stream  # noqa: E402
from pda_base import STLVM  # noqa: E402
from scapy.layers.inet import IP, TCP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402


class SynFlood(object):
    def get_streams(self, direction=0, size=64, dport=NODE_PORT, **kwargs):
        base = Ether() / IP(src="16.0.0.1", dst=NODE_IP) / TCP(sport=1025, dport=int(dport), flags="S")
        packet = base / ("x" * max(0, int(size) - len(base) - 4))
        vm = STLVM()
        vm.var(name="src", min_value="16.0.0.1", max_value="31.255.255.254", size=4, op="random")
        vm.var(name="sport", min_value=1025, max_value=65000, size=2, op="random")
        vm.write(fv_name="src", pkt_offset="IP.src")
        vm.write(fv_name="sport", pkt_offset="TCP.sport")
        vm.fix_chksum_hw(l3_offset="IP", l4_offset="TCP", l4_type=1)
        return [stream(packet, vm)]


def register():
    return SynFlood()


if __name__ == "__main__":
    sys.exit(main(SynFlood(), __doc__))
