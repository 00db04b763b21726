package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v5"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// ConfigChange is one set_config(name, value, is_local) call of a
// statement: the engine makes the change before the statement runs, as
// SET (or SET LOCAL) would, and plans the statement again, so that
// current_setting() in it sees the new value.
type ConfigChange struct {
	Name string
	// Value is the new value; Param, when > 0, is the statement's $n that
	// holds it instead. Reset (a NULL value) returns the setting to its
	// default.
	Value string
	Param int
	Reset bool
	// Local is is_local: the change ends with the transaction.
	Local bool
}

// setConfig records a set_config call and answers it: the setting's value
// once the change is made (the engine plans the statement again after
// making it), or the bound value as text for a parameter.
func (rw *rewrite) setConfig(call *pg.FuncCall) (*pg.Node, error) {
	if len(call.Args) != 3 {
		return nil, nil
	}
	text := mustPGType(pgtypes.TextOID)
	computed := pgerror.New(pgerror.FeatureNotSupported, "set_config() arguments computed by the query are not supported: pass constants or parameters")
	nameConst, ok := constArg(call, 0)
	if !ok {
		return nil, computed
	}
	name, _ := constString(nameConst)
	localConst, ok := constArg(call, 2)
	if !ok {
		return nil, computed
	}
	local, ok := constBool(localConst)
	if !ok {
		given, _ := constString(localConst)
		return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type boolean: %q", given)
	}
	st, found := rw.session().Lookup(name)
	if !found && !strings.Contains(name, ".") {
		return nil, unknownParameter(name)
	}
	if st.ReadOnly {
		return nil, pgerror.New(pgerror.CantChangeRuntimeParam, "parameter %q cannot be changed", name)
	}
	change := ConfigChange{Name: name, Local: local}
	answer := typedConst(st.Value, text)
	switch v := unwrapCast(call.Args[1]).GetNode().(type) {
	case *pg.Node_ParamRef:
		change.Param = int(v.ParamRef.Number)
		answer = castNode(call.Args[1], typeNameOf(text))
	case *pg.Node_AConst:
		if v.AConst.Isnull {
			change.Reset = true
		} else {
			change.Value, _ = constString(v.AConst)
		}
	default:
		return nil, computed
	}
	if !found {
		// A custom setting made by this very call: its value is the one
		// given, until the engine has made the change.
		answer = castNode(call.Args[1], typeNameOf(text))
	}
	rw.setConfigs = append(rw.setConfigs, change)
	return answer, nil
}

// unwrapCast is n without the casts around it ($1::text, 'x'::text).
func unwrapCast(n *pg.Node) *pg.Node {
	for {
		tc, ok := n.GetNode().(*pg.Node_TypeCast)
		if !ok {
			return n
		}
		n = tc.TypeCast.Arg
	}
}
