"""UDP to one NodePort from many clients.

Tunables: flows (distinct client ip:port pairs, default 65536), size (frame bytes or "imix", default 64).
Console:  start -f bench/trex/profiles/pda_nodeport_udp.py -t flows=65536,size=64 -m 10mpps --port 0
Script:   python3 bench/trex/profiles/pda_nodeport_udp.py --server HOST --mult 10mpps --duration 10
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pda_base import client_vm, main, sizes, stream, udp_packet  # noqa: E402


class NodePortUdp(object):
    def get_streams(self, direction=0, flows=65536, size=64, **kwargs):
        return [stream(udp_packet(frame), client_vm(flows, "UDP"), pps=weight)
                for frame, weight in sizes(size)]


def register():
    return NodePortUdp()


if __name__ == "__main__":
    sys.exit(main(NodePortUdp(), __doc__))
