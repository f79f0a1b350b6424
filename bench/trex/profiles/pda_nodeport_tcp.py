"""Established TCP (ACK segments) to one NodePort from many clients: conntrack's fast path.

Tunables: flows (default 65536), size (frame bytes or "imix", default 64).
Console:  start -f bench/trex/profiles/pda_nodeport_tcp.py -t flows=100000 -m 10mpps --port 0
Script:   python3 bench/trex/profiles/pda_nodeport_tcp.py --server HOST --mult 10mpps --duration 10
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pda_base import client_vm, main, sizes, stream, tcp_packet  # noqa: E402


class NodePortTcp(object):
    def get_streams(self, direction=0, flows=65536, size=64, **kwargs):
        return [stream(tcp_packet(frame, flags="A"), client_vm(flows, "TCP"), pps=weight)
                for frame, weight in sizes(size)]


def register():
    return NodePortTcp()


if __name__ == "__main__":
    sys.exit(main(NodePortTcp(), __doc__))
