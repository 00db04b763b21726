package pgerror

import (
	"errors"
	"fmt"
)

// Code is a PostgreSQL SQLSTATE code.
type Code string

// The SQLSTATE codes pgdynamo produces, named as in PostgreSQL's errcodes.txt.
const (
	SuccessfulCompletion             Code = "00000"
	Warning                          Code = "01000"
	ConnectionException              Code = "08000"
	SQLClientUnableToEstablishConn   Code = "08001"
	ConnectionFailure                Code = "08006"
	ProtocolViolation                Code = "08P01"
	FeatureNotSupported              Code = "0A000"
	InvalidParameterValue            Code = "22023"
	DataException                    Code = "22000"
	InvalidTextRepresentation        Code = "22P02"
	NumericValueOutOfRange           Code = "22003"
	InvalidDatetimeFormat            Code = "22007"
	DivisionByZero                   Code = "22012"
	DatetimeFieldOverflow            Code = "22008"
	InvalidTransactionState          Code = "25000"
	ActiveSQLTransaction             Code = "25001"
	NoActiveSQLTransaction           Code = "25P01"
	ReadOnlySQLTransaction           Code = "25006"
	InFailedSQLTransaction           Code = "25P02"
	IdleInTransactionSessionTimeout  Code = "25P03"
	InvalidAuthorizationSpec         Code = "28000"
	InvalidPassword                  Code = "28P01"
	InvalidSQLStatementName          Code = "26000"
	InvalidCursorName                Code = "34000"
	InvalidCatalogName               Code = "3D000"
	SyntaxErrorOrAccessRuleViolation Code = "42000"
	SyntaxError                      Code = "42601"
	InsufficientPrivilege            Code = "42501"
	UndefinedColumn                  Code = "42703"
	UndefinedFunction                Code = "42883"
	UndefinedTable                   Code = "42P01"
	UndefinedObject                  Code = "42704"
	DuplicatePreparedStatement       Code = "42P05"
	DuplicateCursor                  Code = "42P03"
	DatatypeMismatch                 Code = "42804"
	AmbiguousColumn                  Code = "42702"
	GroupingError                    Code = "42803"
	InvalidColumnReference           Code = "42P10"
	DuplicateColumn                  Code = "42701"
	UndefinedParameter               Code = "42P02"
	CannotCoerce                     Code = "42846"
	InsufficientResources            Code = "53000"
	OutOfMemory                      Code = "53200"
	TooManyConnections               Code = "53300"
	ProgramLimitExceeded             Code = "54000"
	StatementTooComplex              Code = "54001"
	ObjectNotInPrerequisiteState     Code = "55000"
	CantChangeRuntimeParam           Code = "55P02"
	QueryCanceled                    Code = "57014"
	AdminShutdown                    Code = "57P01"
	ExternalRoutineException         Code = "38000"
	FDWError                         Code = "HV000"
	FDWTableNotFound                 Code = "HV00R"
	FDWUnableToEstablishConnection   Code = "HV00N"
	InternalError                    Code = "XX000"
)

// Severity is the severity of an ErrorResponse or NoticeResponse.
type Severity string

// Severities used by pgdynamo.
const (
	SeverityError   Severity = "ERROR"
	SeverityFatal   Severity = "FATAL"
	SeverityWarning Severity = "WARNING"
	SeverityNotice  Severity = "NOTICE"
)

// Error is an error with a SQLSTATE code. The zero Severity means ERROR.
type Error struct {
	Code     Code
	Severity Severity
	Message  string
	Detail   string
	Hint     string
	// Position is the 1-based character offset in the query text, 0 if unknown.
	Position int
	// Err is the underlying cause, kept for errors.Is/As and logs; it is not
	// sent to the client beyond what Message already says.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with the given code and formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns err tagged with code, keeping err's message. A nil err gives nil.
// If err already carries a code, the existing code wins: the layer closest to
// the cause knows best.
func Wrap(err error, code Code) error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return err
	}
	return &Error{Code: code, Message: err.Error(), Err: err}
}

// WithHint returns a copy of e with Hint set.
func (e *Error) WithHint(hint string) *Error {
	c := *e
	c.Hint = hint
	return &c
}

// WithDetail returns a copy of e with Detail set.
func (e *Error) WithDetail(detail string) *Error {
	c := *e
	c.Detail = detail
	return &c
}

// Flatten returns the *Error that describes err for a client: the outermost
// *Error in the chain, or an InternalError carrying err's message.
func Flatten(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		out := *pe
		if out.Severity == "" {
			out.Severity = SeverityError
		}
		if out.Message == "" {
			out.Message = err.Error()
		}
		return &out
	}
	return &Error{Code: InternalError, Severity: SeverityError, Message: err.Error(), Err: err}
}
