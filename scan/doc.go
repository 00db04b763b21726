// Package scan owns reading DynamoDB: it turns a Request (table or index, key
// condition, filter, projection, limit, segments) into DynamoDB Query or
// parallel segmented Scan calls and streams the items as Arrow record batches
// through attrarrow, the one AttributeValue → Arrow path.
//
// Lifecycle: Open starts the readers, ReadBatch hands out batches as pages
// arrive, Close (or cancelling the context given to Open) stops every
// in-flight DynamoDB call. Memory is bounded: each segment holds at most one
// page plus one batch, and the hand-off channel holds at most Segments
// batches; when it is full the segment readers wait, so a slow client slows
// the reads instead of growing the heap.
//
// Requests are typed (KeyCondition, Filter of Conds): scan renders the
// expressions and allocates every #name and :value placeholder itself, so
// conditions cannot clash and attribute names never need quoting. A Budget
// (read_capacity_limit) paces the pages of every read sharing it by the
// ConsumedCapacity DynamoDB reports; Request.MaxItems (max_scan_items)
// fails a read past it with SQLSTATE 54000. Each read ends with one debug
// log line (operation, index, condition shapes without values, pages,
// items, capacity, throttles, time).
//
// It must not import wire, planner or engine. readplan decides Requests;
// scan does not decide what to push down, it only executes what it is given.
package scan
