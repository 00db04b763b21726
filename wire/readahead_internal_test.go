package wire

import (
	"bytes"
	"io"
	"testing"
)

// A buffer the protocol has read whole goes back to the watcher, and what
// was read from it before stays as it was when the watcher reuses it.
func TestReadAheadReusesReadBuffers(t *testing.T) {
	r := &readAhead{chunks: make(chan []byte, 2), spare: make(chan []byte, 2)}
	first := make([]byte, 8, 16)
	copy(first, "abcdefgh")
	r.chunks <- first[:5]
	second := make([]byte, 16)
	copy(second, "xyz")
	r.chunks <- second[:3]
	r.err = io.EOF // as the watcher sets it before closing
	close(r.chunks)

	got := make([]byte, 3)
	if n, err := r.Read(got); n != 3 || err != nil || string(got) != "abc" {
		t.Fatalf("Read = %d, %v, %q", n, err, got)
	}
	if len(r.spare) != 0 {
		t.Fatalf("a buffer still being read went back to the watcher")
	}
	rest := make([]byte, 8)
	n, err := r.Read(rest)
	if n != 2 || err != nil || string(rest[:n]) != "de" {
		t.Fatalf("Read = %d, %v, %q", n, err, rest[:n])
	}
	back := <-r.spare
	if &back[0] != &first[0] || len(back) != cap(first) {
		t.Fatalf("the spare buffer is not the first chunk's whole buffer (len %d)", len(back))
	}
	copy(back, "XXXXXXXX") // the watcher reads into it again
	if string(got) != "abc" || string(rest[:2]) != "de" {
		t.Fatalf("data already read changed with the reused buffer: %q %q", got, rest[:2])
	}
	all, err := io.ReadAll(r)
	if !bytes.Equal(all, []byte("xyz")) || err != nil {
		t.Fatalf("ReadAll = %q, %v", all, err)
	}
}
