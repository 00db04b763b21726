package wire

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// Send-buffer sizes. Rows are written out when the buffer passes
// outWriteSize; before waiting on the engine for the next batch, once it
// holds outEagerSize (PostgreSQL's own send buffer, which it only sends
// when full), so slow results still reach the client as they come.
const (
	outWriteSize = 64 << 10
	outEagerSize = 8 << 10
	// outKeepSize is the most an idle connection keeps allocated.
	outKeepSize = 8 << 10
)

// outBuffer is the connection's one write path once negotiation (the bare
// 'S'/'N' answers and the TLS handshake) is over. The pgproto3 Backend
// writes into it (its Flush only moves the messages here)
// and DataRows are appended to buf directly, so every message leaves in the
// order it was produced; only conn.flush and sendDataRows write buf to the
// network. It holds at most about outWriteSize plus one row while rows
// stream, and at most outKeepSize once the connection is idle.
type outBuffer struct {
	w   io.Writer
	buf []byte
}

// Write appends p; it is how Backend.Flush hands over its messages.
func (b *outBuffer) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// send writes the buffer to the network and empties it. After a failed
// write the rest is dropped: the connection is going away.
func (b *outBuffer) send() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	if cap(b.buf) > 2*outWriteSize {
		// A huge row grew it: do not keep that.
		b.buf = nil
	}
	return err
}

// idle gives back a buffer grown by a large result.
func (b *outBuffer) idle() {
	if len(b.buf) == 0 && cap(b.buf) > outKeepSize {
		b.buf = nil
	}
}

// flush sends everything produced so far: the DataRows already in c.out,
// then the messages sent through c.be since (which Backend.Flush appends).
func (c *conn) flush() error {
	if err := c.be.Flush(); err != nil {
		return err
	}
	return c.out.send()
}

// resultRows is an executed result being sent as DataRows: the result, its
// encoder (nil when the statement returns no rows) and the batch being
// read, with its position as FETCH and MOVE see it. A portal keeps one across Executes; a simple query has one for its
// statement.
type resultRows struct {
	result Result
	enc    *pgtypes.RowEncoder
	batch  arrow.RecordBatch
	offset int
	// pos is how many rows have been read; atEnd, that a read came up
	// short (PostgreSQL's portalPos and atEnd).
	pos   int64
	atEnd bool
}

// releaseBatch drops the batch being read, if any.
func (r *resultRows) releaseBatch() {
	if r.batch != nil {
		r.batch.Release()
		r.batch = nil
	}
}

// rowEncoder appends one row of the bound batch as a message: a DataRow
// (dataRows), a CopyData message (*pgtypes.CopyEncoder), or nothing
// (skipRows, for MOVE).
type rowEncoder interface {
	Bind(arrow.RecordBatch) error
	AppendRow(dst []byte, row int) ([]byte, error)
}

// dataRows sends rows as DataRow messages.
type dataRows struct{ *pgtypes.RowEncoder }

func (d dataRows) AppendRow(dst []byte, row int) ([]byte, error) { return d.AppendDataRow(dst, row) }

// skipRows reads rows and sends nothing: MOVE, and FETCH's way to a row
// ahead.
type skipRows struct{}

func (skipRows) Bind(arrow.RecordBatch) error                { return nil }
func (skipRows) AppendRow(dst []byte, _ int) ([]byte, error) { return dst, nil }

// sendDataRows is the one Arrow → wire path: it sends up to max rows of r
// (0: all) as enc's messages (DataRow, or CopyData for COPY), encoded by
// pgtypes straight into the send buffer, and returns how many it sent.
// Rows go out when the buffer fills, and before waiting on the engine for
// the next batch once there are outEagerSize bytes; the rest stays buffered
// for the next flush, behind anything sent through c.be before this call.
func (c *conn) sendDataRows(ctx context.Context, r *resultRows, enc rowEncoder, max int64) (int64, error) {
	// Messages sent through c.be so far go before the rows.
	if err := c.be.Flush(); err != nil {
		return 0, err
	}
	var rows int64
	for max == 0 || rows < max {
		if r.batch == nil || r.offset >= int(r.batch.NumRows()) {
			r.releaseBatch()
			if len(c.out.buf) >= outEagerSize {
				if err := c.out.send(); err != nil {
					return rows, err
				}
			}
			batch, err := r.result.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return rows, err
			}
			r.batch, r.offset = batch, 0
			continue
		}
		// Once per batch and Execute; binding a batch already bound is a
		// pointer comparison per column.
		if err := enc.Bind(r.batch); err != nil {
			return rows, pgerror.Wrap(err, pgerror.InternalError)
		}
		end := int(r.batch.NumRows())
		if max > 0 && int64(end-r.offset) > max-rows {
			end = r.offset + int(max-rows)
		}
		for ; r.offset < end; r.offset++ {
			buf, err := enc.AppendRow(c.out.buf, r.offset)
			if err != nil {
				return rows, pgerror.Wrap(err, pgerror.InternalError)
			}
			c.out.buf = buf
			rows++
			if len(buf) >= outWriteSize {
				if err := c.out.send(); err != nil {
					r.offset++
					return rows, err
				}
			}
		}
	}
	return rows, nil
}
