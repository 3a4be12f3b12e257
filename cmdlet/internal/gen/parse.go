package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/exoplay/exoplay/cmdlet"
)

// servicesOf reads an applicability list ("Exchange Server 2019, Exchange
// Online, Security & Compliance") into the services exoplay talks to. The
// second result says whether the list names anything at all.
func servicesOf(list string) (cmdlet.Service, bool) {
	var s cmdlet.Service
	any := false
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "Applicable:"))
		switch t {
		case "":
			continue
		case "Exchange Online":
			s |= cmdlet.Exchange
		case "Security & Compliance":
			s |= cmdlet.Compliance
		}
		any = true
	}
	return s, any
}

// page is one cmdlet page being read; problems collects what could not be
// read without losing the page.
type page struct {
	file     string
	lines    []string
	problems []cmdlet.Problem
}

func (p *page) problem(format string, a ...any) {
	p.problems = append(p.problems, cmdlet.Problem{Page: p.file, Why: fmt.Sprintf(format, a...)})
}

// errNotApplicable marks a page for a cmdlet that exists only on-premises.
var errNotApplicable = errors.New("not applicable to Exchange Online or Security & Compliance")

// parsePage reads one cmdlet page. It returns errNotApplicable for
// on-premises-only cmdlets, another error for a page it cannot read, and
// otherwise the cmdlet with the problems met in its parts.
func parsePage(file string, text []byte) (*cmdlet.Info, []cmdlet.Problem, error) {
	p := &page{file: file, lines: strings.Split(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n")}
	front, body, err := p.frontMatter()
	if err != nil {
		return nil, nil, err
	}
	svc, _ := servicesOf(front["applicable"])
	if svc == 0 {
		return nil, nil, errNotApplicable
	}
	in := &cmdlet.Info{Name: front["title"], Services: svc, URL: front["online version"]}
	if want := strings.TrimSuffix(file, ".md"); in.Name == "" {
		in.Name = want
	} else if !strings.EqualFold(in.Name, want) {
		p.problem("title %q differs from the file name; using the title", in.Name)
	} else if in.Name != want {
		p.problem("title %q differs from the file name in case; using the file name", in.Name)
		in.Name = want
	}
	if v, n, ok := strings.Cut(in.Name, "-"); !ok || v == "" || n == "" || strings.ContainsAny(in.Name, " \t") {
		return nil, nil, fmt.Errorf("title %q is not a Verb-Noun name", in.Name)
	}
	if in.URL == "" {
		p.problem("no online version; URL derived from the name")
		in.URL = "https://learn.microsoft.com/powershell/module/exchangepowershell/" + strings.ToLower(in.Name)
	}
	sections := sectionsOf(body)
	syn, ok := sections["SYNTAX"]
	if !ok {
		return nil, nil, errors.New("no SYNTAX section")
	}
	sets, err := p.syntax(syn, in)
	if err != nil {
		return nil, nil, err
	}
	params, ok := sections["PARAMETERS"]
	if !ok {
		return nil, nil, errors.New("no PARAMETERS section")
	}
	p.parameters(params, in, sets)
	return in, p.problems, nil
}

// frontMatter reads the YAML front matter's flat "key: value" lines.
func (p *page) frontMatter() (map[string]string, []string, error) {
	if len(p.lines) == 0 || strings.TrimSpace(p.lines[0]) != "---" {
		return nil, nil, errors.New("no front matter")
	}
	m := map[string]string{}
	for i := 1; i < len(p.lines); i++ {
		l := p.lines[i]
		if strings.TrimSpace(l) == "---" {
			return m, p.lines[i+1:], nil
		}
		if k, v, ok := strings.Cut(l, ":"); ok {
			m[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return nil, nil, errors.New("front matter is not closed")
}

// sectionsOf splits a page body at its "## " headings, keyed by the
// heading in upper case.
func sectionsOf(body []string) map[string][]string {
	out := map[string][]string{}
	cur, start := "", -1
	fence := false
	flush := func(end int) {
		if start >= 0 {
			out[cur] = body[start:end]
		}
	}
	for i, l := range body {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fence = !fence
		}
		if !fence && strings.HasPrefix(l, "## ") {
			flush(i)
			cur, start = strings.ToUpper(strings.TrimSpace(l[3:])), i+1
		}
	}
	flush(len(body))
	return out
}

// syntaxSet is one parameter set as the SYNTAX section writes it.
type syntaxSet struct {
	name   string
	params map[string]bool // lower-cased names
}

var syntaxParam = regexp.MustCompile(`(?:^|[\s\[])-([A-Za-z][A-Za-z0-9_]*)`)

// syntax reads the parameter sets: a "### Name" or "### Name (Default)"
// heading before each code block, or one code block with no heading.
func (p *page) syntax(lines []string, in *cmdlet.Info) ([]syntaxSet, error) {
	var sets []syntaxSet
	heading := ""
	var code []string
	fence := false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "```"):
			if fence {
				s := syntaxSet{name: heading, params: map[string]bool{}}
				for _, m := range syntaxParam.FindAllStringSubmatch(strings.Join(code, "\n"), -1) {
					s.params[strings.ToLower(m[1])] = true
				}
				sets = append(sets, s)
				heading, code = "", nil
			}
			fence = !fence
		case fence:
			code = append(code, l)
		case strings.HasPrefix(t, "### "):
			heading = strings.TrimSpace(t[4:])
			if h, ok := strings.CutSuffix(heading, "(Default)"); ok {
				heading = strings.TrimSpace(h)
				in.Default = heading
			}
		}
	}
	if len(sets) == 0 {
		return nil, errors.New("no syntax block")
	}
	if len(sets) == 1 && sets[0].name == "" {
		return sets, nil
	}
	for i, s := range sets {
		if s.name == "" {
			return nil, fmt.Errorf("syntax block %d of %d has no set name", i+1, len(sets))
		}
		in.Sets = append(in.Sets, s.name)
	}
	return sets, nil
}

// parameters reads each "### -Name" section: its Applicable line and its
// yaml block(s) (a parameter whose Required differs per set has one block
// per set).
func (p *page) parameters(lines []string, in *cmdlet.Info, sets []syntaxSet) {
	var name string
	var sec []string
	flush := func() {
		if name != "" {
			p.parameter(name, sec, in, sets)
		}
		name, sec = "", nil
	}
	fence := false
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fence = !fence
		}
		if !fence && strings.HasPrefix(l, "### ") {
			flush()
			if h := strings.TrimSpace(l[4:]); strings.HasPrefix(h, "-") {
				name = strings.TrimSpace(h[1:])
			}
			continue
		}
		sec = append(sec, l)
	}
	flush()
}

func (p *page) parameter(name string, sec []string, in *cmdlet.Info, sets []syntaxSet) {
	if !validName(name) {
		p.problem("parameter heading %q is not a parameter name; skipped", name)
		return
	}
	var applicable string
	haveApplicable := false
	var blocks []map[string]string
	var cur map[string]string
	var listed []string        // the bullets after "Valid values are:"
	listing, listOK := 0, true // 0 before the phrase, 1 in its list, 2 after
	for _, l := range sec {
		t := strings.TrimSpace(l)
		if cur == nil && listing < 2 {
			switch {
			case listing == 0 && strings.HasSuffix(t, "are:") && strings.Contains(t, "Valid values ") && !strings.Contains(t, "include"):
				listing = 1
				continue
			case listing == 1 && strings.HasPrefix(t, "- "):
				v, ok := listedValue(t[2:])
				listOK = listOK && ok
				listed = append(listed, v)
				continue
			case listing == 1 && (t != "" || len(listed) > 0):
				listing = 2
			}
		}
		switch {
		case cur == nil && t == "```yaml":
			cur = map[string]string{}
		case cur != nil && strings.HasPrefix(t, "```"):
			blocks = append(blocks, cur)
			cur = nil
		case cur != nil:
			if k, v, ok := strings.Cut(t, ":"); ok {
				cur[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		case !haveApplicable && strings.HasPrefix(t, ">") && strings.Contains(t, "Applicable:"):
			_, applicable, _ = strings.Cut(t, "Applicable:")
			haveApplicable = true
		}
	}
	if len(blocks) == 0 {
		p.problem("parameter %s has no yaml block; skipped", name)
		return
	}
	svc, named := servicesOf(applicable)
	if !named {
		p.problem("parameter %s has no applicability; taken as the cmdlet's", name)
		svc = in.Services
	}
	if svc&^in.Services != 0 {
		p.problem("parameter %s is applicable to %s, which the cmdlet is not; ignored there", name, svc&^in.Services)
	}
	svc &= in.Services
	if svc == 0 {
		in.OnPremOnly = append(in.OnPremOnly, name)
		return
	}
	prm := &cmdlet.Param{Name: name, Services: svc}
	for i, b := range blocks {
		typ := b["type"]
		if typ == "" {
			p.problem("parameter %s has no type", name)
		}
		if i == 0 {
			prm.Type = typ
			prm.Aliases = list(b["aliases"])
			prm.Values = list(b["accepted values"])
		} else if typ != prm.Type {
			p.problem("parameter %s has types %s and %s; using the first", name, prm.Type, typ)
		}
		use := cmdlet.SetUse{Required: p.required(name, b["required"]), Position: p.position(name, b["position"])}
		setList := strings.TrimSpace(b["parameter sets"])
		if setList == "(All))" { // a slip on four pages
			p.problem("parameter %s: Parameter Sets %q read as (All)", name, setList)
			setList = "(All)"
		}
		if setList == "(All)" || setList == "" || (len(in.Sets) == 0 && len(blocks) == 1) {
			if setList != "(All)" && len(in.Sets) > 0 {
				p.problem("parameter %s names no parameter set; taken as all", name)
			}
			if len(blocks) == 1 {
				prm.All = &use
				break
			}
			for _, s := range setNames(in, sets) {
				u := use
				u.Set = s
				prm.In = append(prm.In, u)
			}
			continue
		}
		for _, s := range strings.Fields(strings.ReplaceAll(setList, ",", " ")) { // set names hold no blanks; a missing comma is a slip
			known := knownSet(in, s)
			if known == "" {
				p.problem("parameter %s names set %q, which the syntax does not have; ignored", name, s)
				continue
			}
			u := use
			u.Set = known
			prm.In = append(prm.In, u)
		}
	}
	if len(prm.Values) == 0 && listOK && enumLike(prm.Type, listed) {
		prm.Values, prm.ValuesFromText = listed, true
	}
	if prm.All == nil && len(prm.In) == 0 {
		p.problem("parameter %s belongs to no known set; taken as all", name)
		prm.All = &cmdlet.SetUse{}
	}
	in.Params = append(in.Params, prm)
}

func setNames(in *cmdlet.Info, sets []syntaxSet) []string {
	if len(in.Sets) > 0 {
		return in.Sets
	}
	return []string{""}
}

// knownSet returns the syntax's spelling of set name s ("" when unknown).
func knownSet(in *cmdlet.Info, s string) string {
	for _, k := range in.Sets {
		if strings.EqualFold(k, s) {
			return k
		}
	}
	return ""
}

func (p *page) required(name, v string) bool {
	switch {
	case strings.EqualFold(v, "True"):
		return true
	case strings.EqualFold(v, "False"):
		return false
	case strings.HasPrefix(strings.ToLower(v), "false"):
		p.problem("parameter %s: Required %q read as False", name, v)
		return false
	}
	p.problem("parameter %s: Required %q read as False", name, v)
	return false
}

func (p *page) position(name, v string) *int {
	if v == "" || strings.EqualFold(v, "Named") {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		p.problem("parameter %s: Position %q read as Named", name, v)
		return nil
	}
	return &n
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// list splits a docs "a, b, c" value; an empty value is no list.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

var valueToken = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

// listedValue reads the value a "Valid values are:" bullet names: "X",
// "X: what it does", "X. what it does" or "X (note)". A bullet that is
// not one such word (a sentence, a format) spoils the list.
func listedValue(item string) (string, bool) {
	v := item
	if i := strings.IndexAny(v, ":("); i >= 0 {
		v = v[:i]
	}
	if i := strings.Index(v, ". "); i >= 0 {
		v = v[:i]
	}
	v = strings.Trim(strings.TrimSpace(v), "`*.")
	return v, valueToken.MatchString(v)
}

// enumLike reports whether a list of values from a parameter's text may be
// taken as the parameter's accepted values: the type is an enumeration
// (not text, a number, an identity or an address, whose "valid values"
// describe formats), and the list has at least two words.
func enumLike(typ string, values []string) bool {
	if len(values) < 2 {
		return false
	}
	base := strings.TrimSuffix(typ, "[]")
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[i+1:]
	}
	switch base {
	case "String", "Boolean", "SwitchParameter", "Int32", "Int64", "UInt32", "UInt16", "UInt64", "Int16", "Byte", "Double",
		"Unlimited", "ByteQuantifiedSize", "DateTime", "ExDateTime", "TimeSpan", "EnhancedTimeSpan", "Guid", "Fqdn", "SmtpAddress",
		"Uri", "Hashtable", "PswsHashtable", "PSCredential", "Object", "CultureInfo", "Word", "Pattern":
		return false
	}
	if strings.HasSuffix(base, "IdParameter") || strings.HasSuffix(base, "Identity") || strings.HasPrefix(typ, "Unlimited") {
		return false
	}
	return true
}
