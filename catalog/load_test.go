package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
)

// missingTables answers every DescribeTable as DynamoDB does for a table
// that is not in the region.
type missingTables struct{ catalog.API }

func (missingTables) DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	return nil, &types.ResourceNotFoundException{Message: aws.String("Requested resource not found")}
}

// TestLoadKeepsTheHint: the "check the region" hint of a missing table is
// in the text Load returns (what pgdynamo check and serve print), and the
// cause stays reachable with its SQLSTATE.
func TestLoadKeepsTheHint(t *testing.T) {
	_, err := catalog.Load(context.Background(), []catalog.Spec{
		{Name: "ghosts", Table: "no_such_table", Region: "eu-west-3", Client: missingTables{}},
		{Name: "phantoms", Table: "nor_this", Region: "eu-west-3", Client: missingTables{}},
	})
	if err == nil {
		t.Fatal("Load of missing tables succeeded")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per dataset, got:\n%s", err)
	}
	for i, name := range []string{`dataset "ghosts"`, `dataset "phantoms"`} {
		for _, want := range []string{name, "not found in region eu-west-3", "hint: DynamoDB tables are regional: check dynamodb_aws_region"} {
			if !strings.Contains(lines[i], want) {
				t.Errorf("line %d lacks %q: %s", i+1, want, lines[i])
			}
		}
	}
	var pe *pgerror.Error
	if !errors.As(err, &pe) || pe.Code != pgerror.FDWTableNotFound {
		t.Errorf("cause not reachable with its code: %#v", pe)
	}
	var le *catalog.LoadError
	if !errors.As(err, &le) || le.Dataset != "ghosts" {
		t.Errorf("LoadError not reachable: %#v", le)
	}
}
