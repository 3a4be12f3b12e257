package pagetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Envelope is a result page holding objs, with the warnings given (nil:
// an empty list, as the service sends) and next as @odata.nextLink ("":
// the last page).
func Envelope(next string, warnings []string, objs ...string) string {
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

// Mailbox is object i shaped like a real Get-Mailbox row (§4.1): its
// annotations, nested array, null and booleans, DisplayName "User <i>".
func Mailbox(i int) string {
	n := strconv.Itoa(i)
	return `{"ExchangeGuid@odata.type":"#Guid","ExchangeGuid":"b3a2c1d0-0000-4000-8000-` + fmt.Sprintf("%012d", i) + `",` +
		`"EmailAddresses@odata.type":"#Collection(String)","EmailAddresses":["SMTP:user` + n + `@contoso.com","smtp:u` + n + `@contoso.onmicrosoft.com"],` +
		`"ProhibitSendQuota":"99 GB (106,300,440,576 bytes)","RetainDeletedItemsFor":"14.00:00:00",` +
		`"WhenCreated@data.type":"System.DateTime","WhenCreated":"2022-09-21T08:07:47.0000000+00:00",` +
		`"DisplayName":"User ` + n + `","UserPrincipalName":"user` + n + `@contoso.com","RecipientTypeDetails":"UserMailbox",` +
		`"HiddenFromAddressListsEnabled":false,"ArchiveStatus":"None","LitigationHoldEnabled":false,"ForwardingSmtpAddress":null}`
}

// BigStringPage is a page of one object holding an n-byte string (an
// Export- cmdlet's base64 data).
func BigStringPage(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"@odata.context":"x","value":[{"FileData":"`)
	b.Write(bytes.Repeat([]byte("QUJD"), n/4))
	b.WriteString(`"}]}`)
	return b.Bytes()
}

// ChunkReader hands out at most N bytes of R per Read, as a TLS connection
// or a gzip stream does (16 KiB records, 32 KiB windows).
type ChunkReader struct {
	R io.Reader
	N int
}

func (c ChunkReader) Read(p []byte) (int, error) {
	if len(p) > c.N {
		p = p[:c.N]
	}
	return c.R.Read(p)
}
