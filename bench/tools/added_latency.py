#!/usr/bin/env python3
"""Added latency of SipFlow from a loopback capture (tcpdump -i lo -w FILE udp port SIPFLOW_PORT).

Every message SipFlow relays appears twice on the loopback: once on its way in (to SipFlow's port)
and once on its way out (from it), each stamped by the kernel as it was sent. The time between the
two is what SipFlow added to that message: the wait in its socket buffer and receive queue, the
parse, the routes, the send, its GC pauses. SIPp's response times include the far end's own time
and its 1 ms clock ticks; this does not.

A message is known by its Call-ID, CSeq and first line (method or status code); the first copy in
each direction counts (retransmissions are left out). A transaction's added latency is its
request's plus its final response's (both relayed); messages SipFlow answered itself (100 Trying,
503 when shedding) are not relays and are left out.

usage: added_latency.py CAPTURE.pcap SIPFLOW_PORT
prints: relayed_transactions p50_ms p90_ms p99_ms p999_ms max_ms relayed_messages msg_p99_ms
"""
import struct
import sys


def packets(path):
    """(timestamp in ns, source port, destination port, payload) of each UDP/IPv4 datagram."""
    with open(path, 'rb') as f:
        header = f.read(24)
        if len(header) < 24:
            return
        magic = struct.unpack('<I', header[:4])[0]
        if magic == 0xa1b2c3d4:
            endian, scale = '<', 1000
        elif magic == 0xa1b23c4d:
            endian, scale = '<', 1
        elif magic == 0xd4c3b2a1:
            endian, scale = '>', 1000
        elif magic == 0x4d3cb2a1:
            endian, scale = '>', 1
        else:
            raise SystemExit(f'{path}: not a pcap file')
        linktype = struct.unpack(endian + 'I', header[20:24])[0]
        link_len = {1: 14, 113: 16, 276: 20}.get(linktype)
        if link_len is None:
            raise SystemExit(f'{path}: link type {linktype} not handled (capture with -i lo)')
        record = struct.Struct(endian + 'IIII')
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            sec, frac, incl, _ = record.unpack(rh)
            data = f.read(incl)
            ip = link_len
            if len(data) < ip + 28 or data[ip] >> 4 != 4 or data[ip + 9] != 17:
                continue
            udp = ip + (data[ip] & 0x0F) * 4
            sport, dport = struct.unpack('>HH', data[udp:udp + 4])
            yield sec * 1_000_000_000 + frac * scale, sport, dport, data[udp + 8:]


def header(payload, names):
    for name in names:
        i = payload.find(b'\n' + name)
        if i >= 0:
            end = payload.find(b'\r', i + 1)
            return payload[i + 1 + len(name):end].strip()
    return None


def percentile(sorted_values, p):
    if not sorted_values:
        return float('nan')
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def main():
    path, port = sys.argv[1], int(sys.argv[2])
    first_in, first_out = {}, {}
    for ts, sport, dport, payload in packets(path):
        if sport != port and dport != port:
            continue
        line_end = payload.find(b'\r\n')
        if line_end < 0:
            continue
        first = payload[:line_end]
        call_id = header(payload, (b'Call-ID:', b'i:'))
        cseq = header(payload, (b'CSeq:',))
        if call_id is None or cseq is None:
            continue
        if first.startswith(b'SIP/2.0 '):
            kind = first[8:11]
        else:
            kind = first.split(b' ', 1)[0]
        key = (call_id, cseq, kind)
        table = first_in if dport == port else first_out
        table.setdefault(key, ts)

    relays = {}
    for key, t_in in first_in.items():
        t_out = first_out.get(key)
        if t_out is not None and t_out >= t_in:
            relays[key] = t_out - t_in
    per_message = sorted(relays.values())
    per_transaction = []
    # final responses by (Call-ID, CSeq): the first relayed one with a code >= 200
    final_by_tx = {}
    for (call_id, cseq, kind), ns in relays.items():
        if kind[:1].isdigit() and kind >= b'200':
            final_by_tx.setdefault((call_id, cseq), ns)
    for (call_id, cseq, kind), request_ns in relays.items():
        if kind[:1].isdigit() or kind != cseq.split()[-1]:
            continue
        final_ns = final_by_tx.get((call_id, cseq))
        if final_ns is not None:
            per_transaction.append(request_ns + final_ns)
    per_transaction.sort()
    ms = lambda ns: f'{ns / 1e6:.2f}'
    print(len(per_transaction), ms(percentile(per_transaction, 0.50)), ms(percentile(per_transaction, 0.90)),
          ms(percentile(per_transaction, 0.99)), ms(percentile(per_transaction, 0.999)),
          ms(per_transaction[-1] if per_transaction else float('nan')),
          len(per_message), ms(percentile(per_message, 0.99)))


if __name__ == '__main__':
    main()
