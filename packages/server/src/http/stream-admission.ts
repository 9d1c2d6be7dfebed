/**
 * How many revocation streams a server holds open at once, in all and per client address. Each
 * stream is a connection, a file descriptor and a follower of the feed for as long as the client
 * keeps it: without a bound, one client opening streams in a loop exhausted the server's file
 * descriptors (20,000 here, in under a minute) and every other request then found the server
 * closed, logins and health checks included.
 */
/** The defaults of GATEHOUSE_FEED_MAX_STREAMS and GATEHOUSE_FEED_MAX_STREAMS_PER_ADDRESS. */
export const DEFAULT_STREAM_LIMITS = { maxStreams: 10_000, maxPerAddress: 64 } as const;

export interface StreamLimits {
  /** Streams open at once on this server. */
  maxStreams: number;
  /** Streams open at once from one address key; null: no limit per address. */
  maxPerAddress: number | null;
}

/** A stream that was let in: `release` once it has ended (a second call does nothing). */
export interface AdmittedStream {
  admitted: true;
  release(): void;
}

/** Why a stream was not let in: the server's bound, or its address's. */
export interface RefusedStream {
  admitted: false;
  limit: 'server' | 'address';
}

export interface StreamAdmission {
  /** `address`: the client's address key (an IPv6 /64 already folded), or null where none counts. */
  admit(address: string | null): AdmittedStream | RefusedStream;
}

export function createStreamAdmission(limits: StreamLimits): StreamAdmission {
  let open = 0;
  const byAddress = new Map<string, number>();
  return {
    admit(address) {
      if (open >= limits.maxStreams) return { admitted: false, limit: 'server' };
      const counted = limits.maxPerAddress === null ? null : address;
      const fromAddress = counted === null ? 0 : (byAddress.get(counted) ?? 0);
      if (limits.maxPerAddress !== null && fromAddress >= limits.maxPerAddress)
        return { admitted: false, limit: 'address' };
      open++;
      if (counted !== null) byAddress.set(counted, fromAddress + 1);
      let released = false;
      return {
        admitted: true,
        release() {
          if (released) return;
          released = true;
          open--;
          if (counted === null) return;
          const left = (byAddress.get(counted) ?? 1) - 1;
          if (left === 0) byAddress.delete(counted);
          else byAddress.set(counted, left);
        },
      };
    },
  };
}
