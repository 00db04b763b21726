package wire

import (
	"cmp"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// AuthMethod is how clients prove who they are when Config.Users is not
// empty. Without users every client is trusted (ValidateListen allows that
// only on loopback). The names are pg_hba.conf's.
type AuthMethod int

// Authentication methods.
const (
	// AuthSCRAMSHA256 is SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel
	// binding, PostgreSQL's default since version 14. The zero value.
	AuthSCRAMSHA256 AuthMethod = iota
	// AuthMD5 is PostgreSQL's salted MD5 challenge.
	AuthMD5
	// AuthPassword asks for the password in clear text; use it only with
	// RequireTLS.
	AuthPassword
)

func (m AuthMethod) String() string {
	switch m {
	case AuthSCRAMSHA256:
		return "scram-sha-256"
	case AuthMD5:
		return "md5"
	case AuthPassword:
		return "password"
	}
	return fmt.Sprintf("AuthMethod(%d)", int(m))
}

// Defaults of the failed-login limit.
const (
	defaultMaxLoginFailures   = 5
	defaultLoginFailureWindow = time.Minute
)

// Validate reports settings that cannot work, or cannot work together.
func (c Config) Validate() error {
	var errs []error
	switch c.Auth {
	case AuthSCRAMSHA256, AuthMD5, AuthPassword:
	default:
		errs = append(errs, fmt.Errorf("unknown authentication method %v", c.Auth))
	}
	if c.RequireTLS && c.TLS == nil {
		errs = append(errs, errors.New("RequireTLS needs a TLS configuration"))
	}
	if t := c.TLS; t != nil && len(t.Certificates) == 0 && t.GetCertificate == nil && t.GetConfigForClient == nil {
		errs = append(errs, errors.New("the TLS configuration has no certificate"))
	}
	if c.LoginFailureWindow < 0 {
		errs = append(errs, fmt.Errorf("LoginFailureWindow %v is negative", c.LoginFailureWindow))
	}
	errs = append(errs, c.validateLimits())
	return errors.Join(errs...)
}

// authState is what authentication keeps for the server's lifetime. Its
// zero value is ready: the first login fills it from the Config.
type authState struct {
	once    sync.Once
	limiter *loginLimiter // nil when the limit is off
	// mockKey derives stable fake SCRAM salts and keys for unknown users,
	// so that the exchange looks the same whether or not a user exists
	// (PostgreSQL's mock authentication).
	mockKey []byte
	scram   map[string]*scramSecret // by user, when the method is SCRAM
}

func (s *Server) authState() *authState {
	a := &s.auth
	a.once.Do(func() {
		cfg := &s.cfg
		if cfg.MaxLoginFailures >= 0 {
			a.limiter = newLoginLimiter(cmp.Or(cfg.MaxLoginFailures, defaultMaxLoginFailures),
				cmp.Or(cfg.LoginFailureWindow, defaultLoginFailureWindow), maxTrackedHosts)
		}
		a.mockKey = randomBytes(32)
		if cfg.Auth == AuthSCRAMSHA256 {
			a.scram = make(map[string]*scramSecret, len(cfg.Users))
			for user, password := range cfg.Users {
				a.scram[user] = newSCRAMSecret(password)
			}
		}
	})
	return a
}

// authFailure is a refused login: why, for the server log only, and the
// FATAL error the client gets.
type authFailure struct {
	reason string
	client *pgerror.Error
}

func (f *authFailure) Error() string { return f.reason }

// badPassword is the one answer to a wrong password and to an unknown user
// alike, worded as PostgreSQL words it.
func badPassword(user, reason string) *authFailure {
	return &authFailure{reason: reason,
		client: pgerror.New(pgerror.InvalidPassword, "password authentication failed for user \"%s\"", user)}
}

func authProtocolError(code pgerror.Code, format string, args ...any) *authFailure {
	e := pgerror.New(code, format, args...)
	return &authFailure{reason: e.Message, client: e}
}

// authenticate runs the password exchange when users are configured.
// Refusals are logged at WARN with the user and the remote address (never
// a password) and count towards the remote host's failed-login limit; a
// client that simply goes away is neither.
func (c *conn) authenticate(user string) error {
	cfg := &c.server.cfg
	if len(cfg.Users) == 0 {
		return nil
	}
	st := c.server.authState()
	host := remoteHost(c.nc.RemoteAddr())
	if st.limiter.blocked(host, time.Now()) {
		c.log.Debug("login refused: too many failed logins", "user", user, "remote", c.nc.RemoteAddr().String())
		return c.fatal(pgerror.New(pgerror.TooManyConnections, "too many failed login attempts from this address").
			WithHint("Try again later."))
	}
	var err error
	switch cfg.Auth {
	case AuthMD5:
		err = c.authMD5(user)
	case AuthPassword:
		err = c.authPassword(user)
	default:
		err = c.authSCRAM(user, st)
	}
	var f *authFailure
	if !errors.As(err, &f) {
		return err // nil, or the client went away
	}
	c.log.Warn("failed login", "user", user, "remote", c.nc.RemoteAddr().String(),
		"method", cfg.Auth.String(), "reason", f.reason)
	if st.limiter.fail(host, time.Now()) {
		c.log.Warn("too many failed logins; refusing further logins from this address for a while",
			"remote", host, "failures", st.limiter.max, "window", st.limiter.window)
	}
	return c.fatal(f.client)
}

// receiveAuth flushes the pending authentication request and reads the
// client's answer, decoded as authType's response.
func (c *conn) receiveAuth(authType uint32) (pgproto3.FrontendMessage, error) {
	if err := c.flush(); err != nil {
		return nil, err
	}
	if err := c.be.SetAuthType(authType); err != nil {
		return nil, err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return nil, err
	}
	if _, ok := msg.(*pgproto3.Terminate); ok {
		return nil, errHandled // the client gave up, as psql does to prompt for a password
	}
	return msg, nil
}

func (c *conn) receivePassword(authType uint32) (string, error) {
	msg, err := c.receiveAuth(authType)
	if err != nil {
		return "", err
	}
	pw, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return "", authProtocolError(pgerror.ProtocolViolation, "expected password response, got %T", msg)
	}
	return pw.Password, nil
}

// authPassword is pg_hba's "password": the password in clear text.
func (c *conn) authPassword(user string) error {
	c.be.Send(&pgproto3.AuthenticationCleartextPassword{})
	got, err := c.receivePassword(pgproto3.AuthTypeCleartextPassword)
	if err != nil {
		return err
	}
	want, known := c.server.cfg.Users[user]
	// Digests have one length, so the comparison's time says nothing about
	// the password's length; unknown users are compared too.
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	match := subtle.ConstantTimeCompare(g[:], w[:]) == 1
	return checkLogin(user, known, match)
}

// authMD5 is PostgreSQL's md5 method: the client answers a 4-byte salt with
// "md5" + md5(md5(password + user) + salt) in hex.
func (c *conn) authMD5(user string) error {
	var salt [4]byte
	copy(salt[:], randomBytes(4))
	c.be.Send(&pgproto3.AuthenticationMD5Password{Salt: salt})
	got, err := c.receivePassword(pgproto3.AuthTypeMD5Password)
	if err != nil {
		return err
	}
	want, known := c.server.cfg.Users[user]
	match := subtle.ConstantTimeCompare([]byte(got), md5Response(user, want, salt)) == 1
	return checkLogin(user, known, match)
}

func md5Response(user, password string, salt [4]byte) []byte {
	inner := md5.Sum([]byte(password + user))
	outer := md5.Sum(append(hex.AppendEncode(nil, inner[:]), salt[:]...))
	return hex.AppendEncode([]byte("md5"), outer[:])
}

func checkLogin(user string, known, match bool) error {
	switch {
	case !known:
		return badPassword(user, "no such user")
	case !match:
		return badPassword(user, "password does not match")
	}
	return nil
}

// SCRAM-SHA-256 as PostgreSQL runs it.
const (
	scramMechanism  = "SCRAM-SHA-256"
	scramIterations = 4096 // PostgreSQL's scram_iterations default
	scramSaltLen    = 16
	scramNonceLen   = 18 // random bytes in the server's part of the nonce
)

// scramKeys are what a SCRAM server stores for one password (RFC 5802 §3).
type scramKeys struct {
	stored, server []byte
}

// scramSecret is one user's salt and keys. Passwords are configured in
// clear, so the salt is drawn when the server starts. Clients normalise a
// non-ASCII password before hashing it, and not alike: libpq applies
// SASLprep (NFKC), pgx the PRECIS OpaqueString profile (NFC), and both send
// the raw bytes when their profile refuses the string. keys holds one entry
// per distinct form, so every client logs in with the password it was given.
type scramSecret struct {
	salt []byte
	keys []scramKeys
}

func newSCRAMSecret(password string) *scramSecret {
	s := &scramSecret{salt: randomBytes(scramSaltLen)}
	forms := []string{password}
	if p, ok := saslprep(password); ok {
		forms = append(forms, p)
	}
	if p, err := precis.OpaqueString.String(password); err == nil {
		forms = append(forms, p)
	}
	slices.Sort(forms)
	for _, f := range slices.Compact(forms) {
		s.keys = append(s.keys, deriveSCRAMKeys(f, s.salt))
	}
	return s
}

// saslprep is RFC 4013's profile as PostgreSQL's pg_saslprep applies it to
// passwords: ASCII stays as it is; otherwise non-ASCII spaces become
// spaces, characters "commonly mapped to nothing" go, the result is NFKC
// normalised, and prohibited output makes the caller use the raw password
// (ok false). Unlike PostgreSQL it uses Go's Unicode tables, not Unicode
// 3.2's, and skips the bidirectional-text rule.
func saslprep(s string) (string, bool) {
	ascii := true
	for i := 0; i < len(s); i++ {
		ascii = ascii && s[i] < utf8.RuneSelf
	}
	if ascii || !utf8.ValidString(s) {
		return s, false
	}
	mapped := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case unicode.Is(saslprepMappedToNothing, r):
		case r != ' ' && unicode.Is(unicode.Zs, r):
			mapped = append(mapped, ' ')
		default:
			mapped = append(mapped, r)
		}
	}
	out := norm.NFKC.String(string(mapped))
	for _, r := range out {
		noncharacter := r&0xFFFE == 0xFFFE
		if noncharacter || unicode.In(r, unicode.Cc, unicode.Co, unicode.Cs, saslprepProhibited) ||
			r != ' ' && unicode.Is(unicode.Zs, r) {
			return s, false
		}
	}
	return out, true
}

// RFC 3454 table B.1.
var saslprepMappedToNothing = &unicode.RangeTable{R16: []unicode.Range16{
	{0x00AD, 0x00AD, 1}, {0x034F, 0x034F, 1}, {0x1806, 0x1806, 1}, {0x180B, 0x180D, 1},
	{0x200B, 0x200D, 1}, {0x2060, 0x2060, 1}, {0xFE00, 0xFE0F, 1}, {0xFEFF, 0xFEFF, 1},
}}

// RFC 3454 tables C.4 to C.9 beyond what Cc, Co and Cs cover.
var saslprepProhibited = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x0340, 0x0341, 1}, {0x06DD, 0x06DD, 1}, {0x070F, 0x070F, 1}, {0x180E, 0x180E, 1},
		{0x200E, 0x200F, 1}, {0x2028, 0x202E, 1}, {0x2060, 0x2063, 1}, {0x206A, 0x206F, 1},
		{0x2FF0, 0x2FFB, 1}, {0xFDD0, 0xFDEF, 1}, {0xFEFF, 0xFEFF, 1}, {0xFFF9, 0xFFFF, 1},
	},
	R32: []unicode.Range32{
		{0x1D173, 0x1D17A, 1}, {0x1FFFE, 0x1FFFF, 1}, {0xE0001, 0xE0001, 1}, {0xE0020, 0xE007F, 1},
	},
}

func deriveSCRAMKeys(password string, salt []byte) scramKeys {
	salted, err := pbkdf2.Key(sha256.New, password, salt, scramIterations, sha256.Size)
	if err != nil {
		panic(fmt.Sprintf("pbkdf2: %v", err)) // only for FIPS-refused parameters
	}
	stored := sha256.Sum256(hmacSHA256(salted, "Client Key"))
	return scramKeys{stored: stored[:], server: hmacSHA256(salted, "Server Key")}
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// secretFor returns user's SCRAM secret. An unknown user gets a mock one:
// a salt that is stable for the server's lifetime and keys no password
// gives, checked like real ones so that the exchange takes the same time.
func (a *authState) secretFor(user string) (*scramSecret, bool) {
	if s, ok := a.scram[user]; ok {
		return s, true
	}
	return &scramSecret{
		salt: hmacSHA256(a.mockKey, "salt:"+user)[:scramSaltLen],
		keys: []scramKeys{{stored: hmacSHA256(a.mockKey, "stored:"+user), server: hmacSHA256(a.mockKey, "server:"+user)}},
	}, false
}

// authSCRAM runs SCRAM-SHA-256: AuthenticationSASL offers the mechanism,
// SASLInitialResponse carries client-first-message, AuthenticationSASLContinue
// server-first-message (nonce, salt, iterations), SASLResponse
// client-final-message with the proof, and AuthenticationSASLFinal the
// server's signature. Channel binding (SCRAM-SHA-256-PLUS) is not offered.
func (c *conn) authSCRAM(user string, st *authState) error {
	c.be.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{scramMechanism}})
	msg, err := c.receiveAuth(pgproto3.AuthTypeSASL)
	if err != nil {
		return err
	}
	initial, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		return authProtocolError(pgerror.ProtocolViolation, "expected SASL response, got %T", msg)
	}
	if initial.AuthMechanism != scramMechanism {
		return authProtocolError(pgerror.ProtocolViolation, "client selected an invalid SASL authentication mechanism")
	}
	first, ferr := parseClientFirst(string(initial.Data))
	if ferr != nil {
		return ferr
	}

	secret, known := st.secretFor(user)
	nonce := first.nonce + base64.StdEncoding.EncodeToString(randomBytes(scramNonceLen))
	serverFirst := "r=" + nonce + ",s=" + base64.StdEncoding.EncodeToString(secret.salt) +
		",i=" + strconv.Itoa(scramIterations)
	c.be.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)})
	msg, err = c.receiveAuth(pgproto3.AuthTypeSASLContinue)
	if err != nil {
		return err
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return authProtocolError(pgerror.ProtocolViolation, "expected SASL response, got %T", msg)
	}
	final, ferr := parseClientFinal(string(resp.Data))
	if ferr != nil {
		return ferr
	}
	if final.channelBinding != first.gs2Header {
		return authProtocolError(pgerror.ProtocolViolation, "SCRAM channel binding check failed")
	}
	if final.nonce != nonce {
		return malformedSCRAM("Nonce does not match.")
	}

	authMessage := first.bare + "," + serverFirst + "," + final.withoutProof
	matched := -1
	for i, k := range secret.keys {
		// ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); the proof
		// holds when H(ClientKey) is StoredKey.
		clientKey := hmacSHA256(k.stored, authMessage)
		subtle.XORBytes(clientKey, clientKey, final.proof)
		h := sha256.Sum256(clientKey)
		if subtle.ConstantTimeCompare(h[:], k.stored) == 1 {
			matched = i
		}
	}
	if err := checkLogin(user, known, matched >= 0); err != nil {
		return err
	}
	signature := hmacSHA256(secret.keys[matched].server, authMessage)
	c.be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte("v=" + base64.StdEncoding.EncodeToString(signature))})
	return nil
}

// clientFirst is a parsed client-first-message:
// gs2-cbind-flag "," [authzid] "," [reserved-mext ","] username "," nonce ["," extensions].
type clientFirst struct {
	gs2Header string // "n,," or "y,,": echoed base64-encoded in client-final-message
	bare      string // client-first-message-bare, part of AuthMessage
	nonce     string
}

func malformedSCRAM(detail string) *authFailure {
	e := pgerror.New(pgerror.ProtocolViolation, "malformed SCRAM message").WithDetail(detail)
	return &authFailure{reason: e.Message + ": " + detail, client: e}
}

func parseClientFirst(msg string) (clientFirst, *authFailure) {
	var cf clientFirst
	switch {
	case strings.HasPrefix(msg, "n,"), strings.HasPrefix(msg, "y,"):
		// "y": the client could bind the channel but thinks we cannot, which
		// is true: nothing was downgraded.
	case strings.HasPrefix(msg, "p="):
		return cf, malformedSCRAM("The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.")
	default:
		return cf, malformedSCRAM("Unexpected channel-binding flag.")
	}
	rest := msg[2:]
	if strings.HasPrefix(rest, "a=") {
		return cf, authProtocolError(pgerror.FeatureNotSupported, "client uses authorization identity, but it is not supported")
	}
	if !strings.HasPrefix(rest, ",") {
		return cf, malformedSCRAM("Comma expected after the channel-binding flag.")
	}
	cf.gs2Header = msg[:3]
	cf.bare = rest[1:]
	if strings.HasPrefix(cf.bare, "m=") {
		return cf, authProtocolError(pgerror.FeatureNotSupported, "client requires an unsupported SCRAM extension")
	}
	// The user name inside SCRAM is ignored, as PostgreSQL ignores it: the
	// startup message's user is the one that logs in.
	attrs := strings.SplitN(cf.bare, ",", 3)
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		return cf, malformedSCRAM("Expected attributes \"n\" and \"r\".")
	}
	cf.nonce = attrs[1][2:]
	if !printableNonce(cf.nonce) {
		return cf, malformedSCRAM("Invalid nonce.")
	}
	return cf, nil
}

// printableNonce reports a non-empty nonce of printable ASCII without ','.
func printableNonce(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == ',' {
			return false
		}
	}
	return s != ""
}

// clientFinal is a parsed client-final-message:
// "c=" base64(gs2-header) ",r=" nonce ["," extensions] ",p=" base64(proof).
type clientFinal struct {
	channelBinding string // decoded
	nonce          string
	withoutProof   string // part of AuthMessage
	proof          []byte
}

func parseClientFinal(msg string) (clientFinal, *authFailure) {
	var cf clientFinal
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return cf, malformedSCRAM("Proof is missing.")
	}
	cf.withoutProof = msg[:i]
	proof, err := base64.StdEncoding.DecodeString(msg[i+3:])
	if err != nil || len(proof) != sha256.Size {
		return cf, malformedSCRAM("Malformed proof in client-final-message.")
	}
	cf.proof = proof
	attrs := strings.SplitN(cf.withoutProof, ",", 3)
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return cf, malformedSCRAM("Expected attributes \"c\" and \"r\".")
	}
	cb, err := base64.StdEncoding.DecodeString(attrs[0][2:])
	if err != nil {
		return cf, malformedSCRAM("Malformed channel binding.")
	}
	cf.channelBinding = string(cb)
	cf.nonce = attrs[1][2:]
	return cf, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return b
}
