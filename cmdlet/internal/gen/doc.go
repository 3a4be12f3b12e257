// Command gen compiles the cmdlet catalog (../../catalog.json.gz) from
// Microsoft's cmdlet reference pages (MicrosoftDocs/office-docs-powershell,
// exchange/exchange-ps/ExchangePowerShell/<Cmdlet>.md). It keeps only facts:
// for each cmdlet the docs mark as applicable to Exchange Online or
// Security & Compliance, its parameter sets and, per parameter, the .NET
// type, the sets it belongs to with required and position, aliases,
// accepted values and applicability. No prose is copied.
//
// The source is a git dir (read at -commit with the git command) or a
// plain folder of pages (tests use one):
//
//	go run ./cmdlet/internal/gen -src /path/to/repo.git -commit 93336da... -out cmdlet/catalog.json.gz
//	go run ./cmdlet/internal/gen -src ./pages -out /dev/stdout -json
//
// Pages it cannot read are listed in the catalog's unparsed list and on
// stderr; they never stop the run.
package main
