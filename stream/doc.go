// Package stream will own DynamoDB Streams change data capture for
// accelerated datasets (SPEC §6): following shard lineage, applying
// INSERT/MODIFY as upserts and REMOVE as deletes in per-key order through the
// same attrarrow conversion the scans use, and checkpointing per-shard
// sequence numbers atomically with the data.
//
// Only dynamodbstreams DescribeStream, GetShardIterator, GetRecords and
// ListStreams may be called from here. It must not import wire, planner or
// engine; the acceleration store calls into it.
//
// Status: not implemented yet. A dataset configured with acceleration is
// served live from DynamoDB, with a warning at start-up.
package stream
