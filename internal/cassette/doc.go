// Package cassette records HTTP exchanges with the service as files
// ("cassettes"), removes their secrets, optionally replaces what identifies
// people and organizations (PII), and compares the JSON shapes of two
// answers (issue 8 item 5: record and replay, so real tenants can correct
// the emulator).
//
// # Layering
//
// cassette is a product package below internal/connect: connect wraps the
// one *http.Client of a command in a Recorder (one code path: recording
// works the same against Microsoft and the emulator), and internal/cli uses
// Shape for `exoplay cassette check`. It imports nothing of the module.
//
// The emulator does NOT import it. The emulator is an independent
// implementation of the service and imports nothing of the product
// (DESIGN §1); it reads cassettes with its own small decoder
// (internal/emulator/replay). The file format below is therefore the
// contract between the two, and both sides test against it: a change here
// that the emulator's reader does not follow fails the round-trip test in
// internal/cli (TestRecordReplayRoundTripsTheQuickstart).
//
// # Format (version 1)
//
// A recording is a directory of JSON files, one per exchange, named
// NNNNNN-<what>.json (a sequence number in the order the answers completed,
// then the cmdlet, "batch", "token" or "other"). Each file is
//
//	{"cassette": 1, "seq": 7,
//	 "request":  {"method": "POST", "url": "https://…", "header": {"Name": ["v"]},
//	              "body": <JSON> | "body_text": "…"},
//	 "response": {"status": 200, "header": {…}, "body": <JSON> | "body_text": "…"}}
//
// A body that is JSON is stored as JSON (a gzip-compressed answer is stored
// decoded; Content-Encoding stays in the header to say it was compressed);
// anything else as text. Paging answers are separate files (their URL
// carries $skiptoken); a $batch is one file whose request and answer hold
// the items.
//
// # What is always removed
//
// Header values of Authorization, Proxy-Authorization, Cookie, Set-Cookie,
// X-Identity-Header and Secret; values of the keys access_token,
// refresh_token, id_token, client_secret, client_assertion, assertion,
// password, device_code and authorization (any case, at any depth of a JSON
// body, in form bodies and in URL queries; $batch items' Authorization is
// such a key), and code in form bodies and URL queries (the authorization
// code; in JSON "code" is an error's code and stays); every string that looks like a JWT or a "Bearer …"
// credential; and whatever the caller's Scrub removes (the run's known
// secret values). Removed values read "[removed]".
//
// # PII (Options.RedactPII, --record-redact-pii)
//
// The rule, applied to URLs, header values and every JSON string:
//   - e-mail addresses and UPNs (local@domain.tld) become userN@domainM.example;
//   - domains: the domain of any address, any *.onmicrosoft.com (and .us,
//     .de, .mail.onmicrosoft.com) name, a DNS name that is the value of a
//     property whose name contains "Domain" (DomainName, ...) and the tenant
//     segment of an /adminapi/…/{tenant}/ URL become domainM.example wherever
//     they appear from then on in the recording (a domain seen only bare,
//     before any of these, in an earlier exchange stays there);
//   - GUIDs become 00000000-0000-4000-8000-NNNNNNNNNNNN, except the public
//     constants of the protocol (Exchange's app id, the compliance system
//     mailbox GUID);
//   - the whole value of a property named DisplayName, Name, Alias,
//     Identity, Id, FirstName, LastName, SimpleDisplayName,
//     DistinguishedName, LegacyExchangeDN, UserPrincipalName,
//     WindowsEmailAddress, PrimarySmtpAddress, SamAccountName, Title,
//     Department, Company, Manager or Phone (and any name ending in
//     "DisplayName") becomes nameN, unless the rules above already changed it.
//
// The same input always gives the same stand-in within one recording: the
// stand-ins are numbered in the order of first appearance and the mapping is
// kept in memory only, never written, so a cassette cannot be mapped back.
// Stand-ins differ between recordings. Property names, JSON types, numbers,
// booleans, enumerations and annotations are kept: they are what the shape
// check compares.
package cassette
