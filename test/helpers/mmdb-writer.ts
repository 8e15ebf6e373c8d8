// A minimal writer of MaxMind DB files (the format GEOIP_DATABASE reads), enough for tests to map a
// few IPv4 networks to countries without shipping a real GeoIP database: an IPv4-only search tree
// (ip_version 4) of 24-bit records, a data section of maps and strings, and the metadata after the
// "\xAB\xCD\xEFMaxMind.com" marker, as https://maxmind.github.io/MaxMind-DB/ describes them.

type Value = string | number | bigint | { readonly [key: string]: Value } | readonly Value[];

/** One network and the record looked up for addresses in it, such as { country: { iso_code: 'DE' } }. */
export type MmdbNetwork = { readonly network: string; readonly prefixLength: number; readonly data: { readonly [key: string]: Value } };

const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com', 'latin1')]);

/** A control byte (and its size and extended-type bytes) for data of `type` and `size`. */
function control(type: number, size: number): Buffer {
  const sizeBytes: number[] = [];
  let sizeBits: number;
  if (size < 29) sizeBits = size;
  else if (size < 285) [sizeBits, sizeBytes[0]] = [29, size - 29];
  else if (size < 65_821) [sizeBits, sizeBytes[0], sizeBytes[1]] = [30, (size - 285) >> 8, (size - 285) & 0xff];
  else throw new Error('value too large for this writer');
  const extended = type > 7;
  const first = ((extended ? 0 : type) << 5) | sizeBits;
  return Buffer.from([first, ...(extended ? [type - 7] : []), ...sizeBytes]);
}

function unsigned(type: number, value: bigint): Buffer {
  const bytes: number[] = [];
  for (let rest = value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

/** Encodes a value: strings (type 2), maps (7), arrays (11), numbers as uint32 (6), bigints as uint64 (9). */
export function encodeValue(value: Value): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(2, bytes.length), bytes]);
  }
  if (typeof value === 'number') return unsigned(6, BigInt(value));
  if (typeof value === 'bigint') return unsigned(9, value);
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map((item: Value) => encodeValue(item))]);
  const entries = Object.entries(value as { readonly [key: string]: Value });
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([key, item]) => [encodeValue(key), encodeValue(item)])]);
}

function uint16(value: number): Buffer {
  return Buffer.concat([control(5, value > 0xff ? 2 : value > 0 ? 1 : 0), Buffer.from(value > 0xff ? [value >> 8, value & 0xff] : value > 0 ? [value] : [])]);
}

type Node = { children: [Node | number | undefined, Node | number | undefined]; index?: number };

function bitsOf(address: string): number[] {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255)) throw new Error(`not an IPv4 address: ${address}`);
  return octets.flatMap((octet) => Array.from({ length: 8 }, (_, bit) => (octet >> (7 - bit)) & 1));
}

/** An .mmdb file mapping each IPv4 network to its data (every other address: no record). */
export function writeMmdb(networks: readonly MmdbNetwork[], databaseType = 'Foyer-Test-Country'): Buffer {
  // The data section: each distinct record once; a leaf holds its offset.
  const records: Buffer[] = [];
  let dataLength = 0;
  const root: Node = { children: [undefined, undefined] };
  for (const { network, prefixLength, data } of networks) {
    const encoded = encodeValue(data);
    const offset = dataLength;
    records.push(encoded);
    dataLength += encoded.length;
    const bits = bitsOf(network).slice(0, prefixLength);
    let node = root;
    bits.forEach((bit, depth) => {
      const side = bit as 0 | 1;
      if (depth === bits.length - 1) {
        node.children[side] = offset;
        return;
      }
      let next = node.children[side];
      if (typeof next !== 'object') {
        next = { children: [undefined, undefined] };
        node.children[side] = next;
      }
      node = next;
    });
  }
  // Number the nodes breadth-first, root first.
  const nodes: Node[] = [];
  const queue: Node[] = [root];
  while (queue.length > 0) {
    const node = queue.shift()!;
    node.index = nodes.length;
    nodes.push(node);
    for (const child of node.children) if (typeof child === 'object') queue.push(child);
  }
  const nodeCount = nodes.length;
  const recordOf = (child: Node | number | undefined): number => {
    if (child === undefined) return nodeCount; // no data for this network
    if (typeof child === 'number') return nodeCount + 16 + child; // past the 16-byte separator
    return child.index!;
  };
  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach((node, index) => {
    tree.writeUIntBE(recordOf(node.children[0]), index * 6, 3);
    tree.writeUIntBE(recordOf(node.children[1]), index * 6 + 3, 3);
  });
  const metadata = Buffer.concat([
    control(7, 9),
    encodeValue('node_count'), encodeValue(nodeCount),
    encodeValue('record_size'), uint16(24),
    encodeValue('ip_version'), uint16(4),
    encodeValue('database_type'), encodeValue(databaseType),
    encodeValue('languages'), encodeValue(['en']),
    encodeValue('binary_format_major_version'), uint16(2),
    encodeValue('binary_format_minor_version'), uint16(0),
    encodeValue('build_epoch'), encodeValue(BigInt(Math.floor(Date.now() / 1000))),
    encodeValue('description'), encodeValue({ en: 'Foyer test networks' }),
  ]);
  return Buffer.concat([tree, Buffer.alloc(16), ...records, METADATA_MARKER, metadata]);
}
