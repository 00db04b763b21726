// Package stream owns DynamoDB Streams change data capture for accelerated
// datasets (SPEC §6): the bootstrap scan, resumable by segment, and the
// Consumer that follows a table's stream — shard lineage, iterators, the
// batches of changes to apply and the positions they reach. It applies
// nothing itself: the acceleration store applies each Batch and its
// positions in one transaction, so a checkpoint never runs ahead of the data.
//
// Why no change is lost or misapplied (the ordering argument):
//
//  1. Positions are captured before the scan: every shard the stream lists
//     when the bootstrap starts is read from TRIM_HORIZON, and shards that
//     appear later are read from their start. So every change made after
//     the scan started is in a shard the consumer reads from before that
//     change.
//  2. Every record is a whole-item image (INSERT/MODIFY: the new image;
//     REMOVE: the key), and applying an image is idempotent: upsert or
//     delete by primary key. Replaying a record whose effect the scan
//     already saw, or an older one, is harmless as long as the records of
//     one key are applied in order, because the last one applied wins and it
//     is the newest.
//  3. The records of one item are in one shard, in sequence order, while
//     that shard is open; when a shard splits, the item's later records are
//     in a child. The consumer reads a child only after its parent is
//     finished (closed and every record applied), and applies a shard's
//     records in sequence order; within one Batch, changes are in shard
//     order and the store keeps the last change per key.
//  4. A position is stored in the same transaction as the changes before
//     it. After a crash, reading resumes after the last stored sequence
//     number: nothing applied is lost, nothing unapplied is skipped.
//
// What breaks the argument is a gap: a shard trimmed (24 h retention) or
// gone before its records were read, or a bootstrap that outlived the
// retention. The consumer detects these and returns ErrInvalidCheckpoint;
// the caller re-bootstraps or reports the dataset in error, never serves a
// copy it cannot keep exact.
//
// Only dynamodbstreams DescribeStream, GetShardIterator and GetRecords, and
// dynamodb Scan, are called from here. It must not import wire, planner,
// engine or gateway.
package stream
