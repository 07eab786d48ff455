/** Types for cluster-key-slot (ioredis's own dependency; ships no types). */
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot (0..16383) of a key or channel, honouring `{hash tags}`. */
  export default function generate(key: string | Buffer): number;
}
