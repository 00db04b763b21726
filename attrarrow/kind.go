package attrarrow

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

// kind is the DynamoDB type of an AttributeValue.
type kind uint8

const (
	kindMissing kind = iota // nil interface or typed nil pointer
	kindS
	kindN
	kindB
	kindBOOL
	kindSS
	kindNS
	kindBS
	kindL
	kindM
	kindNULL
	kindUnknown // a union member this SDK version does not know
	numKinds
)

var kindNames = [numKinds]string{"missing", "S", "N", "B", "BOOL", "SS", "NS", "BS", "L", "M", "NULL", "unknown"}

func (k kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "invalid"
}

// kindSet is a set of kinds.
type kindSet uint16

func (s kindSet) has(k kind) bool { return s&(1<<k) != 0 }

// only returns the single kind in s, or false when s holds zero or several.
func (s kindSet) only() (kind, bool) {
	if s == 0 || s&(s-1) != 0 {
		return 0, false
	}
	for k := kind(0); k < numKinds; k++ {
		if s.has(k) {
			return k, true
		}
	}
	return 0, false
}

func (s kindSet) names() []string {
	var out []string
	for k := kind(0); k < numKinds; k++ {
		if s.has(k) {
			out = append(out, k.String())
		}
	}
	return out
}

// kindOf classifies av without dereferencing it. Typed nil pointers count as
// missing so that no code path dereferences them.
func kindOf(av types.AttributeValue) kind {
	switch v := av.(type) {
	case nil:
		return kindMissing
	case *types.AttributeValueMemberS:
		if v == nil {
			return kindMissing
		}
		return kindS
	case *types.AttributeValueMemberN:
		if v == nil {
			return kindMissing
		}
		return kindN
	case *types.AttributeValueMemberB:
		if v == nil {
			return kindMissing
		}
		return kindB
	case *types.AttributeValueMemberBOOL:
		if v == nil {
			return kindMissing
		}
		return kindBOOL
	case *types.AttributeValueMemberSS:
		if v == nil {
			return kindMissing
		}
		return kindSS
	case *types.AttributeValueMemberNS:
		if v == nil {
			return kindMissing
		}
		return kindNS
	case *types.AttributeValueMemberBS:
		if v == nil {
			return kindMissing
		}
		return kindBS
	case *types.AttributeValueMemberL:
		if v == nil {
			return kindMissing
		}
		return kindL
	case *types.AttributeValueMemberM:
		if v == nil {
			return kindMissing
		}
		return kindM
	case *types.AttributeValueMemberNULL:
		if v == nil {
			return kindMissing
		}
		return kindNULL
	case *types.UnknownUnionMember:
		if v == nil {
			return kindMissing
		}
		return kindUnknown
	}
	return kindUnknown
}

func isNilMember(av types.AttributeValue) bool { return kindOf(av) == kindMissing }
