package scan

import (
	"bytes"
	"context"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

// The items of a Scan or Query page are decoded from the response body
// straight into Arrow builders (attrarrow.JSONPage), not first into the
// SDK's AttributeValue trees, which cost the gateway more CPU than the rest
// of a read. The call is still the SDK's own — its retries, signing,
// checksum validation and errors —: only the last step of decoding a
// successful response is replaced, through the client's protocol, and only
// for the items. The SDK decodes everything else of the response
// (LastEvaluatedKey, counts, consumed capacity) from the body without its
// Items, and the whole body whenever the items are not in the form
// DynamoDB writes.

// pageDecoder receives one segment's pages: the protocol fills it during
// each call, the segment's worker reads it after the call returns.
type pageDecoder struct {
	body   []byte
	page   attrarrow.JSONPage
	parsed bool // the last call's items are in page, not in the output
}

type pageDecoderKey struct{}

// withPageDecoder makes the calls made with the returned context decode
// their items into d.
func withPageDecoder(ctx context.Context, d *pageDecoder) context.Context {
	return context.WithValue(ctx, pageDecoderKey{}, d)
}

// decodeItemsOption installs the item decoding on a call's client options.
func decodeItemsOption(o *dynamodb.Options) {
	if o.Protocol != nil {
		o.Protocol = itemsProtocol{ClientProtocol: o.Protocol}
	}
}

// itemsProtocol decodes the items of successful Scan and Query responses
// made with a pageDecoder into it, and leaves everything else to the SDK's
// protocol.
type itemsProtocol struct {
	smithyhttp.ClientProtocol
}

func (p itemsProtocol) DeserializeResponse(ctx context.Context, schema *smithy.OperationSchema, types *smithy.TypeRegistry,
	resp *smithyhttp.Response, out smithy.Deserializable) error {
	d, ok := ctx.Value(pageDecoderKey{}).(*pageDecoder)
	switch out.(type) {
	case *dynamodb.ScanOutput, *dynamodb.QueryOutput:
	default:
		ok = false
	}
	if !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return p.ClientProtocol.DeserializeResponse(ctx, schema, types, resp, out)
	}
	d.parsed = false
	body, err := readBody(resp, d.body[:0])
	d.body = body
	// Read to its end and closed, the connection goes back to the pool;
	// the SDK closes the body that replaces it.
	resp.Body.Close()
	if err != nil {
		return &smithy.DeserializationError{Err: err}
	}
	rest, parsed := d.page.Parse(body)
	if !parsed {
		rest = body
	}
	resp.Body = io.NopCloser(bytes.NewReader(rest))
	if err := p.ClientProtocol.DeserializeResponse(ctx, schema, types, resp, out); err != nil {
		return err
	}
	d.parsed = parsed
	return nil
}

// readBody reads a response body into buf, grown to the announced length
// at once.
func readBody(resp *smithyhttp.Response, buf []byte) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && int64(cap(buf)) < n+1 {
		buf = make([]byte, 0, n+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
