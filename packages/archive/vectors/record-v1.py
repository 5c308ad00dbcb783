#!/usr/bin/env python3
"""Independent implementation of the archive's record encoding v1 (README, "Record format"), written from
the specification alone, that produces record-v1.json. Run: python3 record-v1.py > record-v1.json"""
import hashlib, json, struct

def s(text):
    b = text.encode('utf-8')
    return struct.pack('>I', len(b)) + b

def body(r):
    out = b'semper.archive.record.v1/body\x00'
    out += s(r['archive'])
    out += struct.pack('>q', r['atMs'])
    out += bytes([{'sent': 1, 'received': 2}[r['direction']]])
    out += s(r['dealId']) + s(r['step'])
    out += (b'\x01' + s(r['peer'])) if r.get('peer') is not None else b'\x00'
    out += s(r['contentType'])
    out += hashlib.sha256(bytes.fromhex(r['contentHex'])).digest()
    return out

def link(seq, prev_hex, body_hash):
    return b'semper.archive.record.v1/link\x00' + struct.pack('>Q', seq) + bytes.fromhex(prev_hex) + body_hash

records = [
    dict(archive='merchant', atMs=1893456000123, direction='sent', dealId='deal_01J9Z8Y7X6W5V4T3S2R1Q0P9N8',
         step='offer', peer=None, contentType='application/pkcs7-mime; smime-type=signed-data', contentHex='3003020101'),
    dict(archive='merchant', atMs=1893456001000, direction='received', dealId='deal_01J9Z8Y7X6W5V4T3S2R1Q0P9N8',
         step='order', peer='CN=Bücher Käufer, O=Example', contentType='application/octet-stream', contentHex=''),
    dict(archive='merchant', atMs=-1, direction='sent', dealId='other', step='ünïcödé ✓',
         peer='', contentType='text/plain; charset=utf-8', contentHex='00ff00ff'),
]
prev = '00' * 32
out = []
for i, r in enumerate(records, 1):
    b = body(r)
    bh = hashlib.sha256(b).digest()
    l = link(i, prev, bh)
    h = hashlib.sha256(l).hexdigest()
    out.append(dict(seq=i, record={k: v for k, v in r.items()}, contentDigest=hashlib.sha256(bytes.fromhex(r['contentHex'])).hexdigest(),
                    prevHash=prev, bodyHex=b.hex(), bodyHash=bh.hex(), linkHex=l.hex(), hash=h))
    prev = h
checkpoint = {'archive': 'merchant', 'at': '2030-01-01T00:00:03.000Z', 'headHash': prev, 'seq': 3}
cp_json = json.dumps({**checkpoint, 'type': 'semper.archive.checkpoint', 'version': 1}, sort_keys=True,
                     separators=(',', ':'), ensure_ascii=False)
print(json.dumps({
    'source': 'packages/archive/vectors/record-v1.py: an independent Python implementation of the README record and checkpoint formats',
    'records': out,
    'checkpoint': {**checkpoint, 'contentUtf8': cp_json},
}, indent=2, ensure_ascii=False))
