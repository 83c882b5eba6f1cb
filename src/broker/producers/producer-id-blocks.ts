/**
 * Producer ids in a cluster: every broker hands out ids from blocks the cluster reserves for it (Kafka: the
 * `/latest_producer_id_block` znode in zk mode, AllocateProducerIds to the controller in KRaft), so two
 * producers initialised on different brokers never share an id. One block fetch at a time; concurrent
 * InitProducerId requests wait for it.
 */
export interface ProducerIdBlock {
  /** First id of the block. */
  start: bigint;
  /** Number of ids in the block. */
  length: number;
}

export class ProducerIdBlocks {
  private next = 0n;
  private end = 0n;
  private fetching: Promise<void> | undefined;

  constructor(private readonly fetchBlock: () => Promise<ProducerIdBlock>) {}

  async nextProducerId(): Promise<bigint> {
    while (this.next >= this.end) {
      this.fetching ??= this.fetchBlock()
        .then((b) => {
          if (b.length < 1) throw new Error(`the cluster gave an empty producer id block at ${b.start}`);
          this.next = b.start;
          this.end = b.start + BigInt(b.length);
        })
        .finally(() => {
          this.fetching = undefined;
        });
      await this.fetching;
    }
    return this.next++;
  }
}
