"""IMIX (64/594/1518-byte frames, 7:4:1) UDP to a NodePort from many flows, with a latency stream.

The same shape as the pcap `bench/dataplane/run` replays offline (prednat dataplane-pcap).
Tunables: flows (default 4096), latency (1 to add a 1 kpps latency stream on pg_id 7, default 0).
Console:  start -f bench/trex/profiles/pda_imix.py -t flows=4096 -m 5gbps --port 0
Script:   python3 bench/trex/profiles/pda_imix.py --server HOST --mult 50% --duration 10
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pda_base import IMIX, client_vm, main, stream, udp_packet  # noqa: E402


class Imix(object):
    def get_streams(self, direction=0, flows=4096, latency=0, **kwargs):
        streams = [stream(udp_packet(frame), client_vm(flows, "UDP"), pps=weight) for frame, weight in IMIX]
        if int(latency):
            streams.append(stream(udp_packet(64), None, pps=1000, pg_id=7))
        return streams


def register():
    return Imix()


if __name__ == "__main__":
    sys.exit(main(Imix(), __doc__))
