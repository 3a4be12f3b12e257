package transport

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// The codec's own tests (internal/wire) have the same fixtures; these are
// the transport tests' copies.

func envelope(next string, warnings []string, objs ...string) string {
	w, _ := json.Marshal(warnings)
	if warnings == nil {
		w = []byte("[]")
	}
	s := `{"@odata.context":"https://h/adminapi/beta/t/$metadata#Collection(Exchange.GenericHashTable)","adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":` +
		string(w) + `,"value":[` + strings.Join(objs, ",") + `]`
	if next != "" {
		s += `,"@odata.nextLink":"` + next + `"`
	}
	return s + "}"
}

// sampleMailbox is an object shaped like a real Get-Mailbox row (§4.1).
func sampleMailbox(i int) string {
	return `{"ExchangeGuid@odata.type":"#Guid","ExchangeGuid":"b3a2c1d0-0000-4000-8000-` + pad12(i) + `",` +
		`"EmailAddresses@odata.type":"#Collection(String)","EmailAddresses":["SMTP:user` + itoa(i) + `@contoso.com","smtp:u` + itoa(i) + `@contoso.onmicrosoft.com"],` +
		`"ProhibitSendQuota":"99 GB (106,300,440,576 bytes)","RetainDeletedItemsFor":"14.00:00:00",` +
		`"WhenCreated@data.type":"System.DateTime","WhenCreated":"2022-09-21T08:07:47.0000000+00:00",` +
		`"DisplayName":"User ` + itoa(i) + `","UserPrincipalName":"user` + itoa(i) + `@contoso.com","RecipientTypeDetails":"UserMailbox",` +
		`"HiddenFromAddressListsEnabled":false,"ArchiveStatus":"None","LitigationHoldEnabled":false,"ForwardingSmtpAddress":null}`
}

// chunkReader hands out at most n bytes per Read, as a TLS connection or
// a gzip stream does (16 KiB records, 32 KiB windows).
type chunkReader struct {
	r io.Reader
	n int
}

func (c chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

// bigStringPage is a page of one object holding an n-byte string (an
// Export- cmdlet's base64 data).
func bigStringPage(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"@odata.context":"x","value":[{"FileData":"`)
	b.Write(bytes.Repeat([]byte("QUJD"), n/4))
	b.WriteString(`"}]}`)
	return b.Bytes()
}
