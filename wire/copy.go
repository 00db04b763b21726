package wire

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// runCopy carries out COPY ... TO STDOUT, in either protocol:
// CopyOutResponse, the header the format has, one CopyData message per row
// (encoded by pgtypes, the codecs DataRow uses), the trailer, CopyDone,
// then CommandComplete COPY n.
func (c *conn) runCopy(ctx context.Context, st Statement, eff Effect) error {
	if eff.Copy == nil {
		return pgerror.New(pgerror.InternalError, "COPY without its options")
	}
	res, err := st.Execute(ctx)
	if err != nil {
		return err
	}
	defer res.Close()
	schema := res.Schema()
	if schema == nil {
		return pgerror.New(pgerror.FeatureNotSupported, "COPY query must have a RETURNING clause")
	}
	enc, err := pgtypes.NewCopyEncoder(schema, *eff.Copy, c.session.EncodeOptions())
	if err != nil {
		var unknown *pgtypes.UnknownColumnError
		if errors.As(err, &unknown) {
			return &pgerror.Error{Code: pgerror.UndefinedColumn, Message: unknown.Error(), Err: err}
		}
		return pgerror.Wrap(err, pgerror.FeatureNotSupported)
	}
	resp := &pgproto3.CopyOutResponse{}
	if eff.Copy.Format == pgtypes.CopyBinary {
		resp.OverallFormat = 1
	}
	for _, f := range enc.Formats() {
		resp.ColumnFormatCodes = append(resp.ColumnFormatCodes, uint16(f))
	}
	c.be.Send(resp)
	// The header goes straight into the send buffer, after the messages
	// sent so far.
	if err := c.be.Flush(); err != nil {
		return err
	}
	c.out.buf = enc.AppendStart(c.out.buf)
	r := resultRows{result: res}
	defer r.releaseBatch()
	rows, err := c.sendDataRows(ctx, &r, enc, 0)
	if err != nil {
		return err
	}
	c.out.buf = enc.AppendEnd(c.out.buf)
	c.be.Send(&pgproto3.CopyDone{})
	c.finish(st, res, rows)
	return nil
}
