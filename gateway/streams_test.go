package gateway

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/config"
)

func TestCheckStreams(t *testing.T) {
	pk := attrarrow.KeyAttribute{Name: "id", Type: types.ScalarAttributeTypeS, Role: attrarrow.PartitionKey}
	sk := attrarrow.KeyAttribute{Name: "version", Type: types.ScalarAttributeTypeN, Role: attrarrow.SortKey}
	cols, err := attrarrow.Infer(nil, []attrarrow.KeyAttribute{pk, sk}, attrarrow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dataset := func(name, view string) *catalog.Dataset {
		return &catalog.Dataset{Spec: catalog.Spec{Name: name, Schema: "public", Table: "T" + name}, PartitionKey: pk, SortKey: &sk,
			StreamViewType: view, Columns: cols}
	}
	cat, err := catalog.New([]*catalog.Dataset{dataset("ok", "NEW_AND_OLD_IMAGES"), dataset("keys", "NEW_IMAGE"),
		dataset("nostream", ""), dataset("keysonly", "KEYS_ONLY"), dataset("full", "")})
	if err != nil {
		t.Fatal(err)
	}
	changes := func(name string, cols ...string) config.Dataset {
		return config.Dataset{Name: name, Schema: "public", Acceleration: config.Acceleration{Enabled: true, RefreshMode: config.RefreshChanges,
			OnConflict: []config.OnConflict{{Columns: cols, Action: config.OnConflictUpsert}}}}
	}
	cfg := &config.Config{Datasets: []config.Dataset{
		changes("ok", "version", "id"),
		changes("keys", "id"),
		changes("nostream", "id", "version"),
		changes("keysonly", "id", "version"),
		{Name: "full", Schema: "public", Acceleration: config.Acceleration{Enabled: true, RefreshMode: config.RefreshFull}},
	}}
	got := checkStreams(cfg, cat)
	want := []string{
		`dataset "public.keys": acceleration.on_conflict: (id) is not the table's primary key; write (id, version): upsert`,
		`dataset "public.nostream": acceleration.refresh_mode: changes needs a stream on table Tnostream, which has none`,
		`dataset "public.keysonly": acceleration.refresh_mode: changes needs the stream of table Tkeysonly to carry new images (view type NEW_IMAGE or NEW_AND_OLD_IMAGES); it is KEYS_ONLY`,
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s...", i, got[i], want[i])
		}
	}
}
